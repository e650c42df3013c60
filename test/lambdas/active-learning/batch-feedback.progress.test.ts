import { Readable } from 'node:stream';
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3ObjectCreatedEvent } from '../../helpers/events';

const s3 = mockClient(S3Client);
const firehose = mockClient(FirehoseClient);
const notFound = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });
/** An S3 `GetObject` body as the SDK hands it over: a Node stream that can also give its text. */
const body = (text: string) =>
  Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => Promise.resolve(text) });

type Handler = (event: unknown) => Promise<{ outcomes: Record<string, string> }>;
let handler: Handler;

beforeAll(async () => {
  process.env.AL_DELIVERY_STREAM = 'feedback-stream';
  ({ handler } = (await import('../../../lambdas/active-learning/batch-feedback')) as { handler: Handler });
});

beforeEach(() => {
  s3.reset();
  firehose.reset();
  const upload = JSON.stringify({ classifier: 'c', sentences: Array.from({ length: 600 }, (_, i) => `s${i}`) });
  s3.on(HeadObjectCommand).rejects(notFound('NotFound'));
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    if (input.Key === 'uploads/a.json') return { Body: body(upload), ETag: '"e1"' };
    throw notFound('NoSuchKey');
  });
  firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records!.map(() => ({ RecordId: 'r' })),
  }));
});

describe('batch-feedback progress (conditional writes)', () => {
  it('creates the progress object with If-None-Match and updates it with If-Match on the previous ETag', async () => {
    let etag = 0;
    s3.on(PutObjectCommand).callsFake(() => ({ ETag: `"p${(etag += 1)}"` }));
    expect(await handler(s3ObjectCreatedEvent('upload-bucket', 'uploads/a.json', 'e1'))).toEqual({
      outcomes: { 'uploads/a.json': 'sent' },
    });
    const progressWrites = s3
      .commandCalls(PutObjectCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Key === 'processed/uploads/a.json/e1.progress.json');
    expect(
      progressWrites.map((i) => [
        i.IfNoneMatch,
        i.IfMatch,
        (JSON.parse(i.Body as string) as { accepted: string }).accepted,
      ]),
    ).toEqual([
      ['*', undefined, '0-499'],
      [undefined, '"p1"', '0-599'],
    ]);
  });

  it('stops when another invocation wrote progress first (412), and sends nothing more', async () => {
    s3.on(PutObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key.endsWith('.progress.json'))
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        });
      return { ETag: '"x"' };
    });
    await expect(handler(s3ObjectCreatedEvent('upload-bucket', 'uploads/a.json', 'e1'))).rejects.toThrow(
      'Another invocation is sending s3://upload-bucket/processed/uploads/a.json/e1.progress.json',
    );
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand).some((c) => c.args[0].input.Key!.endsWith('.done'))).toBe(false);
  });
});
