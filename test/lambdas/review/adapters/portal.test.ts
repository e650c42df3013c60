import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TaskStore } from '../../../../lambdas/review-portal/adapters/task-store';
import { type ReviewTaskInput } from '../../../../lambdas/review/contract';
import { createReviewBackend } from '../../../../lambdas/review/adapters';
import { PortalReviewBackend } from '../../../../lambdas/review/adapters/portal';
import { s3ObjectCreatedEvent } from '../../../helpers/events';
import { localDynamoDbClient, localS3Client, useLocalServices } from '../../../helpers/local-services';
import { createTaskTable } from '../../../helpers/review-portal';

const services = useLocalServices('s3', 'dynamodb');
const DATA = 'portal-data-bucket';
const TABLE = 'portal-tasks';
const fixtures = join(__dirname, '../../../fixtures/active-learning');

type StartHandler = (event: unknown) => Promise<{ started: number; alreadyStarted: number; items: number }>;

function objectCreated(key: string) {
  return s3ObjectCreatedEvent(DATA, key, 'etag-portal');
}

describe('createReviewBackend', () => {
  it('chooses the portal back end from REVIEW_BACKEND=portal and names what is missing', () => {
    expect(createReviewBackend({ REVIEW_BACKEND: 'portal', REVIEW_TASK_TABLE: TABLE })).toBeInstanceOf(
      PortalReviewBackend,
    );
    expect(() => createReviewBackend({ REVIEW_BACKEND: 'portal' })).toThrow('REVIEW_TASK_TABLE is missing');
    expect(() => createReviewBackend({ REVIEW_BACKEND: 'pigeon' })).toThrow('supported review back ends: portal, a2i');
  });
});

describe('active-learning review starter with the review portal back end (s3rver + dynalite)', () => {
  let start: StartHandler;
  let store: TaskStore;

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: services.s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AL_DATA_BUCKET: DATA,
      AL_CATEGORIES: 'BILLING,TECHNICAL_ISSUE,ACCOUNT,PRODUCT_FEEDBACK,OTHER',
      AL_MULTI_LABEL: 'false',
      AL_MAX_ITEMS_PER_REVIEW: '2',
      REVIEW_BACKEND: 'portal',
      REVIEW_TASK_TABLE: TABLE,
      REVIEW_PORTAL_ID: 'arn:aws:apigateway:us-east-1::/restapis/portal',
    });
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: DATA }));
    const dynamo = localDynamoDbClient(services.dynamodb.endpoint);
    await createTaskTable(dynamo, TABLE);
    store = new TaskStore(dynamo, TABLE);
    await s3.send(
      new PutObjectCommand({
        Bucket: DATA,
        Key: 'feedback/2026/11/23/11/stream-2.jsonl',
        Body: readFileSync(join(fixtures, 'feedback-object.jsonl')),
      }),
    );
    ({ handler: start } = (await import('../../../../lambdas/active-learning/start-review')) as {
      handler: StartHandler;
    });
  });

  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  });

  it('creates one portal task per review batch, with the loop categories and items, and nothing twice on re-delivery', async () => {
    const event = objectCreated('feedback/2026/11/23/11/stream-2.jsonl');
    expect(await start(event)).toEqual({ started: 3, alreadyStarted: 0, items: 4 });

    const queued: string[] = [];
    for await (const entry of store.queue()) queued.push(entry.taskId);
    expect(queued).toHaveLength(3);
    for (const id of queued) expect(id).toMatch(/^al-[0-9a-f]{40}-\d+$/);
    const inputs = (await Promise.all(queued.map((id) => store.get(id)))).map(
      (t) => JSON.parse(t.input) as ReviewTaskInput,
    );
    const utterances = inputs.flatMap((input) => input.items.map((i) => `${i.classifier}:${i.utterance}`)).sort();
    expect(utterances).toEqual(
      [
        'intents:App crashes on start',
        'intents:My bill, "again", is wrong',
        'intents:Original solution record',
        'spam:App crashes on start',
      ].sort(),
    );
    for (const input of inputs)
      expect(input.categories).toEqual(['BILLING', 'TECHNICAL_ISSUE', 'ACCOUNT', 'PRODUCT_FEEDBACK', 'OTHER']);

    expect(await start(event)).toEqual({ started: 0, alreadyStarted: 3, items: 4 });
    const again: string[] = [];
    for await (const entry of store.queue()) again.push(entry.taskId);
    expect(again.sort()).toEqual([...queued].sort());
  });
});
