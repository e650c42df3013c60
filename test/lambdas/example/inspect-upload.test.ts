import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ObjectCreatedEvent } from '../../helpers/events';
import { localS3Client, useLocalServices } from '../../helpers/local-services';

const services = useLocalServices('s3');
const BUCKET = 'example-bucket';

const objectCreated = (key: string) => s3ObjectCreatedEvent(BUCKET, key);

describe('example inspect-upload handler against s3rver', () => {
  let s3: S3Client;
  let handler: (event: unknown) => Promise<void>;

  beforeAll(async () => {
    process.env.AWS_ENDPOINT_URL_S3 = services.s3.endpoint;
    process.env.AWS_S3_FORCE_PATH_STYLE = 'true';
    process.env.AWS_REQUEST_CHECKSUM_CALCULATION = 'WHEN_REQUIRED';
    process.env.EXAMPLE_BUCKET = BUCKET;
    s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ handler } = await import('../../../lambdas/example/inspect-upload'));
  });

  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_S3;
  });

  it('streams the upload and writes its summary; a re-delivered event writes the same summary', async () => {
    const key = 'incoming/day one/batch.jsonl';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{"a":1}\nbroken\n{"a":2,"b":"é"}\n' }));
    await handler(objectCreated(key));
    const read = async () =>
      JSON.parse(
        await (
          await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'summaries/day one/batch.jsonl.summary.json' }))
        ).Body!.transformToString(),
      ) as Record<string, unknown>;
    const first = await read();
    expect(first).toMatchObject({ source: key, lines: 3, objects: 2, invalid: 1, keys: { a: 2, b: 1 } });
    await handler(objectCreated(key));
    expect(await read()).toEqual(first);
  });

  it('rejects an event that is not an S3 Object Created event', async () => {
    await expect(handler({ detail: {} })).rejects.toThrow();
  });

  it('fails (so EventBridge retries) when the object is missing', async () => {
    await expect(handler(objectCreated('incoming/missing.jsonl'))).rejects.toThrow();
  });
});
