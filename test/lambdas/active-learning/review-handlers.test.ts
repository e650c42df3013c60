import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  A2I_STATUS_DETAIL_TYPE,
  REVIEW_PORTAL_DETAIL_TYPE,
  REVIEW_PORTAL_EVENT_SOURCE,
  type ReviewBatch,
} from '../../../lambdas/review/contract';
import { parseDeadLetters } from '../../../lambdas/shared/dead-letter';
import { s3ObjectCreatedEvent } from '../../helpers/events';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { FakeA2iRuntime } from '../../helpers/fake-a2i';

const services = useLocalServices('s3');
const a2i = new FakeA2iRuntime();
const DATA = 'data-bucket';
const FLOW = 'arn:aws:sagemaker:us-east-1:123456789012:flow-definition/loop-a2ireview-abc123';
const fixtures = join(__dirname, '../../fixtures/active-learning');

type StartHandler = (event: unknown) => Promise<{ started: number; alreadyStarted: number; items: number }>;
type ConsolidateHandler = (event: unknown) => Promise<{ status: string; rows: number }>;

function objectCreated(key: string) {
  return s3ObjectCreatedEvent(DATA, key, 'etag-1');
}

function statusEvent(detail: Record<string, unknown>, portal = false) {
  return {
    version: '0',
    id: 'ev-1',
    'detail-type': portal ? REVIEW_PORTAL_DETAIL_TYPE : A2I_STATUS_DETAIL_TYPE,
    source: portal ? REVIEW_PORTAL_EVENT_SOURCE : 'aws.sagemaker',
    account: '123456789012',
    time: '2026-11-23T10:30:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { flowDefinitionArn: FLOW, ...detail },
  };
}

describe('review starter and consolidation (s3rver + A2I mock)', () => {
  let s3: S3Client;
  let start: StartHandler;
  let consolidate: ConsolidateHandler;
  let resetStarter: () => void;
  let firstNames: string[] = [];

  beforeAll(async () => {
    await a2i.start();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SAGEMAKER_A2I_RUNTIME: a2i.endpoint,
      AWS_ENDPOINT_URL_S3: services.s3.endpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AL_DATA_BUCKET: DATA,
      AL_CATEGORIES: 'BILLING,TECHNICAL_ISSUE,ACCOUNT,PRODUCT_FEEDBACK,OTHER',
      AL_MULTI_LABEL: 'false',
      AL_MAX_ITEMS_PER_REVIEW: '2',
      REVIEW_BACKEND: 'a2i',
      REVIEW_FLOW_DEFINITION_ARN: FLOW,
      REVIEW_A2I_CONTENT_CLASSIFIERS: 'FreeOfAdultContent',
    });
    s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: DATA }));
    const starter = await import('../../../lambdas/active-learning/start-review');
    start = starter.handler;
    resetStarter = starter.resetForTests;
    consolidate = (await import('../../../lambdas/active-learning/consolidate-review')).handler;
  });

  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL_SAGEMAKER_A2I_RUNTIME;
    await a2i.stop();
  });

  const read = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: DATA, Key: key }))).Body!.transformToString('utf8');
  const list = async (prefix: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: DATA, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  it('groups a feedback object into reviews (duplicates dropped, one classifier each, invalid lines skipped) with deterministic names', async () => {
    const key = 'feedback/2026/11/23/10/stream-1.jsonl';
    await s3.send(
      new PutObjectCommand({ Bucket: DATA, Key: key, Body: readFileSync(join(fixtures, 'feedback-object.jsonl')) }),
    );
    expect(await start(objectCreated(key))).toEqual({ started: 3, alreadyStarted: 0, items: 4 });
    const inputs = a2i.requests.map((r) => r.input);
    firstNames = inputs.map((i) => i.HumanLoopName).sort();
    for (const input of inputs) {
      expect(input.HumanLoopName).toMatch(/^al-[0-9a-f]{40}-\d+$/);
      expect(input.FlowDefinitionArn).toBe(FLOW);
      expect(input.DataAttributes).toEqual({ ContentClassifiers: ['FreeOfAdultContent'] });
    }
    const batches = inputs
      .map((i) => JSON.parse(i.HumanLoopInput.InputContent) as ReviewBatch['input'])
      .sort((a, b) => a.source!.batch - b.source!.batch);
    expect(batches.map((b) => b.items.map((i) => `${i.classifier}:${i.utterance}`))).toEqual([
      ['intents:App crashes on start', 'intents:My bill, "again", is wrong'],
      ['intents:Original solution record'],
      ['spam:App crashes on start'],
    ]);
    expect(batches[0]!.categories).toEqual(['BILLING', 'TECHNICAL_ISSUE', 'ACCOUNT', 'PRODUCT_FEEDBACK', 'OTHER']);
    expect((await list('review-batches/')).sort()).toEqual(
      inputs.map((i) => `review-batches/${i.HumanLoopName}.json`).sort(),
    );
    // The two lines that are not feedback records are kept, with their object, line and reason.
    const [deadLetterKey, ...more] = await list('dead-letter/feedback-records/');
    expect(more).toEqual([]);
    const kept = parseDeadLetters(await read(deadLetterKey!));
    expect(kept.map((l) => [Buffer.from(l.data, 'base64').toString(), l.source.line])).toEqual([
      ['{not json', 3],
      ['{"utterance": "", "classifier": "intents"}', 5],
    ]);
    expect(kept[0]!.source).toMatchObject({ bucket: DATA, key });
    expect(kept.map((l) => l.reason)).toEqual([
      expect.stringMatching(/^not a feedback record: /),
      expect.stringContaining('utterance: must not be empty or blank'),
    ]);
  });

  it('drops batch records Firehose delivered twice in one object (same recordId): reviewed once', async () => {
    const key = 'feedback/2026/11/23/11/stream-2.jsonl';
    const line = (i: number, recordId = `f00d-${i}`) =>
      `${JSON.stringify({ utterance: `sentence ${i}`, prediction: 'CLASSIFY', confidence: 'NONE', classifier: 'intents', source: 'batch', recordId })}\n`;
    const body = [0, 1, 2].map((i) => line(i)).join('') + [1, 2].map((i) => line(i)).join('');
    await s3.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: body }));
    a2i.requests.length = 0;
    expect(await start(objectCreated(key))).toEqual({ started: 2, alreadyStarted: 0, items: 3 });
    const utterances = a2i.requests.flatMap((r) =>
      (JSON.parse(r.input.HumanLoopInput.InputContent) as ReviewBatch['input']).items.map((i) => i.utterance),
    );
    expect(utterances.sort()).toEqual(['sentence 0', 'sentence 1', 'sentence 2']);
  });

  it('a re-delivered event starts nothing twice: A2I answers ConflictException, counted as already started', async () => {
    const key = 'feedback/2026/11/23/10/stream-1.jsonl';
    a2i.requests.length = 0;
    expect(await start(objectCreated(key))).toEqual({ started: 0, alreadyStarted: 3, items: 4 });
    expect(a2i.requests.map((r) => r.input.HumanLoopName).sort()).toEqual(firstNames);
    expect(firstNames).toHaveLength(3);
  });

  it('fails the event when A2I fails for another reason (EventBridge retries)', async () => {
    a2i.reset();
    a2i.failWith = { status: 500, type: 'InternalServerException', message: 'boom' };
    await expect(start(objectCreated('feedback/2026/11/23/10/stream-1.jsonl'))).rejects.toThrow('boom');
    a2i.reset();
  });

  it('reports a misconfigured back end by name', async () => {
    process.env.REVIEW_BACKEND = 'carrier-pigeon';
    resetStarter();
    await expect(start(objectCreated('feedback/x.jsonl'))).rejects.toThrow(
      'REVIEW_BACKEND is "carrier-pigeon"; supported review back ends: portal, a2i',
    );
    process.env.REVIEW_BACKEND = 'a2i';
    resetStarter();
  });

  it.each([false, true])(
    'turns a completed review into training CSV (portal event: %s) through the same code path',
    async (portal) => {
      const name = portal ? 'portal-task-1' : 'al-0123456789abcdef0123456789abcdef01234567-0';
      const outputKey = `review-output/flow/2026/11/23/10/30/00/${name}/output.json`;
      const output = JSON.parse(readFileSync(join(fixtures, 'a2i-output-11-items-3-workers.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      await s3.send(
        new PutObjectCommand({
          Bucket: DATA,
          Key: outputKey,
          Body: JSON.stringify({ ...output, humanLoopName: name }),
        }),
      );
      const event = statusEvent(
        {
          humanLoopName: name,
          humanLoopStatus: 'Completed',
          humanLoopOutput: { outputS3Uri: `s3://${DATA}/${outputKey}` },
        },
        portal,
      );
      expect(await consolidate(event)).toEqual({ status: 'Completed', rows: 9 });
      const csvKey = `training-data/intents/2026/11/23/${name}.csv`;
      expect(await read(csvKey)).toBe(
        readFileSync(join(fixtures, 'a2i-output-11-items-3-workers.expected.csv'), 'utf8'),
      );
      const report = JSON.parse(await read(`review-reports/${name}.json`)) as {
        unresolved: { index: number; status: string }[];
      };
      expect(report.unresolved.map((u) => [u.index, u.status])).toEqual([
        [2, 'no-majority'],
        [7, 'no-majority'],
      ]);
      // Re-delivered: the same object, not a second one.
      await consolidate(event);
      expect(await list(`training-data/intents/2026/11/23/${name}`)).toEqual([csvKey]);
    },
  );

  it('consolidates an output.json of the original sample (comprehendPredictions, labels, answers from 1) into the same CSV, and reports the answers it could not use', async () => {
    const name = 'original-sample-loop-1';
    const outputKey = `review-output/old-flow/2026/11/23/10/30/00/${name}/output.json`;
    const output = JSON.parse(readFileSync(join(fixtures, 'original-sample-output.json'), 'utf8')) as {
      humanAnswers: { answerContent: Record<string, unknown> }[];
    };
    output.humanAnswers[0]!.answerContent.textCategory40 = { label: 'BILLING' };
    await s3.send(new PutObjectCommand({ Bucket: DATA, Key: outputKey, Body: JSON.stringify(output) }));
    const event = statusEvent({
      humanLoopName: name,
      humanLoopStatus: 'Completed',
      humanLoopOutput: { outputS3Uri: `s3://${DATA}/${outputKey}` },
    });
    expect(await consolidate(event)).toEqual({ status: 'Completed', rows: 9 });
    expect(await read(`training-data/intents/2026/11/23/${name}.csv`)).toBe(
      readFileSync(join(fixtures, 'a2i-output-11-items-3-workers.expected.csv'), 'utf8'),
    );
    expect(JSON.parse(await read(`review-reports/${name}.json`))).toMatchObject({
      output: `s3://${DATA}/${outputKey}`,
      ignoredAnswers: { invalid: 1, orphan: 1 },
    });
  });

  it('reports the items of a failed or stopped review', async () => {
    const batch: ReviewBatch = {
      id: 'al-failed-0',
      input: { categories: ['A'], items: [{ index: 0, utterance: 'u', classifier: 'c' }] },
    };
    await s3.send(
      new PutObjectCommand({ Bucket: DATA, Key: 'review-batches/al-failed-0.json', Body: JSON.stringify(batch) }),
    );
    expect(
      await consolidate(
        statusEvent({
          humanLoopName: 'al-failed-0',
          humanLoopStatus: 'Failed',
          failureCode: 'ValidationError',
          failureReason: 'bad template',
        }),
      ),
    ).toEqual({ status: 'Failed', rows: 0 });
    expect(JSON.parse(await read('review-reports/al-failed-0.json'))).toMatchObject({
      status: 'Failed',
      failureReason: 'bad template',
      items: batch.input.items,
    });
    await consolidate(statusEvent({ humanLoopName: 'al-unknown-0', humanLoopStatus: 'Stopped' }));
    expect(JSON.parse(await read('review-reports/al-unknown-0.json'))).toMatchObject({
      status: 'Stopped',
      items: null,
    });
  });

  it('rejects malformed status events and completed events without output', async () => {
    await expect(consolidate({ detail: {} })).rejects.toThrow('Not a review status event');
    await expect(consolidate(statusEvent({ humanLoopName: 'x', humanLoopStatus: 'Completed' }))).rejects.toThrow(
      'has no humanLoopOutput.outputS3Uri',
    );
  });
});
