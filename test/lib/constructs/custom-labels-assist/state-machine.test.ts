import { readFileSync } from 'node:fs';
import { DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeProjectsCommand,
  RekognitionClient,
  StopProjectVersionCommand,
  UpdateDatasetEntriesCommand,
} from '@aws-sdk/client-rekognition';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { CUSTOM_LABELS_ASSIST_ENV, CLA_STATES as S, runKeys } from '../../../../lambdas/custom-labels-assist/contract';
import { runIdOf } from '../../../../lambdas/custom-labels-assist/core/run-id';
import { type PageProposals } from '../../../../lambdas/custom-labels-assist/core/tasks';
import { type RunSummary } from '../../../../lambdas/custom-labels-assist/summarize-run';
import { TASK_TABLE } from '../../../../lambdas/review-portal/contract';
import { completionDetail, buildOutput, outputKey } from '../../../../lambdas/review-portal/core/output';
import { TaskStore } from '../../../../lambdas/review-portal/adapters/task-store';
import { type BoxAnswerSubmission, REVIEW_ENV, boxFieldFor } from '../../../../lambdas/review/contract';
import { realApp, stackOf } from '../../../helpers/app';
import { localDynamoDbClient, localS3Client, useLocalServices } from '../../../helpers/local-services';
import { createTaskTable } from '../../../helpers/review-portal';
import { ExecutionFailed, runStateMachine, synthesizedDefinition } from '../../../helpers/state-machine';
import { fixturePath } from '../../../helpers/custom-labels-assist-fixtures';
import { FakeRekognition, serviceError } from '../../../helpers/fake-rekognition';

/**
 * The synthesized Custom Labels assist state machine, run in aws-local-stepfunctions with the REAL handlers (s3rver
 * for the images and the run's files, dynalite for the review portal's tasks, reviewers acting through the portal's
 * own task store) and a small Rekognition stand-in for the SDK integration states.
 */
const services = useLocalServices('s3', 'dynamodb');
const BUCKET = 'assist-images';
const RESULTS = 'portal-results';
const TABLE = 'assist-review-tasks';
const PROJECT = 'arn:aws:rekognition:us-east-1:123456789012:project/rooftops/1700000000000';
const PORTAL_ID = 'arn:aws:apigateway:us-east-1::/restapis/portal1';
const SETTINGS = { reviewersPerItem: 1, leaseMs: 600_000, retentionDays: 90 };

const definition = synthesizedDefinition(
  stackOf(
    realApp({ 'customLabelsAssist.imagesPerPage': '2', 'customLabelsAssist.maxImagesPerRun': '100' }),
    'Mlw-CustomLabelsAssist',
  ),
);
delete definition.TimeoutSeconds; // days overflow the runner's 32-bit timer; the template test checks it

const rekognitionMock = mockClient(RekognitionClient);
// ReleaseModel asks Step Functions which runs still run: the executions this test has started and not yet seen end.
const sfnMock = mockClient(SFNClient);
const live = new Set<string>();
let world: FakeRekognition;
let run = 0;

const s3 = () => localS3Client(services.s3.endpoint);
async function text(bucket: string, key: string): Promise<string> {
  const answer = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return answer.Body!.transformToString();
}
async function exists(key: string): Promise<boolean> {
  const answer = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
  return (answer.KeyCount ?? 0) > 0;
}

/** What reviewers decide for an image (by its key): default, accept every proposal. */
type Decide = (key: string, proposals: number) => BoxAnswerSubmission;
const acceptAll: Decide = (_key, n) => ({
  decisions: Array.from({ length: n }, () => ({ decision: 'accept' as const })),
});

/** Reviewers answer every task of the run in the portal; the results are published and recorded like in AWS. */
async function reviewAll(runId: string, decide: Decide): Promise<number> {
  const store = new TaskStore(localDynamoDbClient(services.dynamodb.endpoint), TABLE);
  const { handler: record } = await import('../../../../lambdas/custom-labels-assist/record-review');
  const pages = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: runKeys(runId).proposalsPrefix }));
  let reviewed = 0;
  for (const { Key } of pages.Contents ?? []) {
    const page = JSON.parse(await text(BUCKET, Key!)) as PageProposals;
    for (const batch of page.batches) {
      const reviewer = { workerId: `reviewer-${reviewed % 2}` };
      const now = Date.now();
      const claim = await store.claimNext(reviewer, now, SETTINGS);
      expect(claim?.task.taskId).toBe(batch.id);
      const answers = Object.fromEntries(
        batch.input.items.map((item) => [
          boxFieldFor(item.index),
          decide(item.image.replace(`s3://${BUCKET}/`, ''), item.proposals.length),
        ]),
      );
      const { task } = await store.submit(batch.id, reviewer, answers, now + 42_000, SETTINGS);
      const key = outputKey('review-output/', 'review-portal', task.completedAt!, task.taskId);
      await s3().send(
        new PutObjectCommand({ Bucket: RESULTS, Key: key, Body: JSON.stringify(buildOutput(task, PORTAL_ID)) }),
      );
      const detail = completionDetail(task, PORTAL_ID, `s3://${RESULTS}/${key}`);
      await record({ detail, time: task.completedAt!, 'detail-type': 'x', source: 'x' } as never);
      reviewed += 1;
    }
  }
  return reviewed;
}

/** Replace a task's handler in one execution (the replacement may call the real one). */
type Wrap = Record<string, (real: (input: never) => Promise<unknown>) => (input: never) => Promise<unknown>>;

async function execute(input: Record<string, unknown>, decide: Decide = acceptAll, wrap: Wrap = {}) {
  run += 1;
  const executionArn = `arn:aws:states:us-east-1:123456789012:execution:Assist:run-${run}`;
  const runId = runIdOf(executionArn);
  const handler = async (file: string) =>
    (
      (await import(`../../../../lambdas/custom-labels-assist/${file}`)) as {
        handler: (e: unknown) => Promise<unknown>;
      }
    ).handler;
  let checks = 0;
  const release = await handler('release-model');
  const checkReviews = await handler('check-reviews');
  const handlers: Record<string, (input: never) => Promise<unknown>> = {
    [S.LIST_IMAGES]: await handler('list-images'),
    [S.PROPOSE]: await handler('propose-boxes'),
    [S.BUILD_MANIFEST]: await handler('build-manifest'),
    [S.SEND_CHUNK]: await handler('update-dataset'),
    [S.SUMMARIZE]: await handler('summarize-run'),
    [S.CHECK_REVIEWS]: async (event: never) => {
      const progress = await checkReviews(event);
      // People review while the run waits: after the first check, every task gets its answer.
      if ((checks += 1) === 1) await reviewAll(runId, decide);
      return progress;
    },
    // S3 SDK integrations, answered by s3rver.
    ...Object.fromEntries(
      [S.RECORD_MODEL_USE, 'RecordModelStart'].map((name) => [
        name,
        async (i: { Bucket: string; Key: string; Body: string }) => {
          world.calls.push(`${name} ${i.Body}`);
          await s3().send(new PutObjectCommand({ Bucket: i.Bucket, Key: i.Key, Body: i.Body }));
          return {};
        },
      ]),
    ),
    // The real ReleaseModel (its S3 calls answered by s3rver; StopProjectVersion by the fake, through the SDK mock).
    ...Object.fromEntries(
      [S.RELEASE_MODEL, S.RELEASE_MODEL_ON_FAILURE].map((name) => [
        name,
        async (event: never) => {
          world.calls.push(name);
          return release(event);
        },
      ]),
    ),
    [S.LOAD_PAGE]: async (i: { Bucket: string; Key: string }) => ({ Body: await text(i.Bucket, i.Key) }),
    // Rekognition SDK integrations.
    [S.DESCRIBE_MODEL]: world.describeVersions,
    [S.DESCRIBE_TRAINED]: world.describeVersions,
    [S.DESCRIBE_PREVIOUS]: world.describeVersions,
    [S.START_MODEL]: world.start,
    [S.DETECT]: world.detect,
    [S.CREATE_TRAIN_DATASET]: world.createDataset,
    [S.CREATE_TEST_DATASET]: world.createDataset,
    [S.DESCRIBE_TRAIN_DATASET]: world.describeDataset,
    [S.DESCRIBE_TEST_DATASET]: world.describeDataset,
    [S.DESCRIBE_UPDATED_DATASET]: world.describeDataset,
    [S.DESCRIBE_DISTRIBUTED_DATASET]: world.describeDataset,
    [S.DISTRIBUTE_ENTRIES]: world.distribute,
    [S.CREATE_VERSION]: world.createVersion,
  };
  for (const [name, replace] of Object.entries(wrap)) handlers[name] = replace(handlers[name]!);
  live.add(executionArn);
  const result = runStateMachine(
    definition,
    input,
    { taskResourceLocalHandlers: handlers as never },
    { Execution: { Id: executionArn, StartTime: new Date().toISOString() } },
  ).finally(() => live.delete(executionArn));
  return { runId, result, checks: () => checks };
}

const box = (Left: number, Top: number, Width: number, Height: number) => ({
  Geometry: { BoundingBox: { Left, Top, Width, Height } },
});

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: services.s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
    [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: BUCKET,
    [CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN]: PROJECT,
    [CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_PAGE]: '2',
    [CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_TASK]: '1',
    [CUSTOM_LABELS_ASSIST_ENV.REVIEW]: 'portal',
    [REVIEW_ENV.BACKEND]: 'portal',
    [REVIEW_ENV.TASK_TABLE]: TABLE,
    [REVIEW_ENV.PORTAL_ID]: PORTAL_ID,
  });
  await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(new CreateBucketCommand({ Bucket: RESULTS }));
  await createTaskTable(localDynamoDbClient(services.dynamodb.endpoint), TABLE);
  const put = (key: string, body: Buffer | string) =>
    s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  await put('batch-7/a-wide.png', readFileSync(fixturePath('images/wide-640x360.png')));
  await put('batch-7/b-tall.jpg', readFileSync(fixturePath('images/tall-300x800.jpg')));
  await put('batch-7/c-square.jpg', readFileSync(fixturePath('images/square-1024.jpg')));
  await put('batch-7/d-rotated.jpg', readFileSync(fixturePath('images/rotated-exif6-300x800.jpg')));
  await put('batch-7/notes.txt', 'not an image');
  await put('batch-7/e-fake.jpg', readFileSync(fixturePath('images/fake.jpg')));
}, 60_000);

beforeEach(async () => {
  // Tasks a failed run left in the portal stay there (see docs); each scenario starts with an empty queue.
  const dynamodb = localDynamoDbClient(services.dynamodb.endpoint);
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: TABLE }));
  for (const item of Items) {
    await dynamodb.send(
      new DeleteItemCommand({ TableName: TABLE, Key: { [TASK_TABLE.PARTITION_KEY]: item[TASK_TABLE.PARTITION_KEY]! } }),
    );
  }
  world = new FakeRekognition(PROJECT, 'rooftops', (bucket, key) => text(bucket, key));
  world.versions.set('v1', { Status: 'STOPPED', F1: 0.85 });
  world.detections.set('batch-7/a-wide.png', [
    { Name: 'Chimney', Confidence: 87.25, ...box(0.1, 0.25, 0.5, 0.5) },
    { Name: 'Skylight', Confidence: 41.5, ...box(0.55, 0.5, 0.3, 0.3) },
  ]);
  world.detections.set('batch-7/b-tall.jpg', [{ Name: 'Skylight', Confidence: 63, ...box(0.5, 0.5, 0.3, 0.3) }]);
  world.detections.set('batch-7/c-square.jpg', []);
  world.detections.set('batch-7/d-rotated.jpg', [{ Name: 'Chimney', Confidence: 99.1, ...box(-0.1, 0, 0.2, 0.5) }]);
  rekognitionMock.reset();
  rekognitionMock
    .on(UpdateDatasetEntriesCommand)
    .callsFake((input: Parameters<FakeRekognition['updateEntries']>[0]) => world.updateEntries(input));
  rekognitionMock
    .on(StopProjectVersionCommand)
    .callsFake((input: Parameters<FakeRekognition['stop']>[0]) => world.stop(input));
  sfnMock.reset();
  sfnMock
    .on(DescribeExecutionCommand)
    .callsFake((i: { executionArn: string }) => ({ status: live.has(i.executionArn) ? 'RUNNING' : 'SUCCEEDED' }));
  rekognitionMock
    .on(DescribeProjectsCommand)
    .callsFake((input: { ProjectNames?: string[] }) => world.describeProjects(input));
});

afterAll(() => {
  rekognitionMock.restore();
  sfnMock.restore();
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
});

const request = (extra: Record<string, unknown> = {}) => ({
  images: `s3://${BUCKET}/batch-7/`,
  modelVersionArn: world.versionArn('v1'),
  labels: ['Chimney', 'Skylight', 'Solar panel'],
  ...extra,
});

describe('the synthesized Custom Labels assist state machine (aws-local-stepfunctions, real handlers)', () => {
  it('model already running: detects, never starts or stops it, builds the manifest and creates the dataset', async () => {
    world.versions.get('v1')!.Status = 'RUNNING';
    const { runId, result } = await execute(request());
    const summary = (await result) as RunSummary;
    expect(world.calls.filter((c) => /^(start|stop) /.test(c))).toEqual([]);
    expect(world.calls).not.toContain(S.RELEASE_MODEL_ON_FAILURE);
    expect(summary).toMatchObject({
      runId,
      images: 4,
      skipped: 2,
      modelStartedByRun: false,
      boxesProposed: 4,
      reviewTasks: 4,
      manifest: { lines: 4 },
      needsLabeling: { images: 0 },
      dataset: { created: true },
    });
    // The usage record is written for the idle check, and removed at the end.
    expect(world.calls.some((c) => c.startsWith(`RecordModelUse {"runId":"${runId}"`))).toBe(true);
    expect(await exists(runKeys(runId).usage)).toBe(false);
    // MinConfidence and MaxResults reach DetectCustomLabels.
    expect(world.detectRequests[0]).toMatchObject({ MinConfidence: 40, MaxResults: 50 });
    const skipped = (await text(BUCKET, runKeys(runId).skipped))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; reason: string });
    expect(skipped).toEqual([
      { key: 'batch-7/e-fake.jpg', reason: 'not a readable image (no PNG or JPEG header)' },
      { key: 'batch-7/notes.txt', reason: 'not a .jpg, .jpeg or .png name (.txt)' },
    ]);
    expect(world.createdFrom).toEqual([`s3://${BUCKET}/${runKeys(runId).manifest}`]);
  });

  it('model stopped: the run starts it, waits for RUNNING, and stops it right after detection (before people review)', async () => {
    const { runId, result, checks } = await execute(request());
    const summary = (await result) as RunSummary;
    expect(summary.modelStartedByRun).toBe(true);
    const lifecycle = world.calls.filter((c) => /^(start|stop|detect|describe v1|RecordModel|ReleaseModel)/.test(c));
    expect(lifecycle[0]).toMatch(/^RecordModelUse .*"startedByRun":false/);
    expect(lifecycle[2]).toMatch(/^RecordModelStart .*"startedByRun":true/); // recorded before it is started
    expect(lifecycle[3]).toBe('start v1 units=1');
    const lastDetect = lifecycle.map((c) => c.startsWith('detect ')).lastIndexOf(true);
    expect(lifecycle.slice(lastDetect + 1)).toEqual([S.RELEASE_MODEL, 'stop v1']);
    expect(world.versions.get('v1')!.Status).toBe('STOPPING');
    expect(checks()).toBe(2); // the model was stopped before the run waited for reviews
    expect(await exists(runKeys(runId).usage)).toBe(false);
  });

  it('detection failure mid-run: the run fails and the model it started is stopped', async () => {
    world.detections.set('batch-7/c-square.jpg', serviceError('InternalServerError', 'Rekognition had a problem'));
    const { runId, result } = await execute(request());
    const error = (await result.then(
      () => undefined,
      (e: unknown) => e,
    )) as ExecutionFailed;
    expect(error).toBeInstanceOf(ExecutionFailed);
    expect(error.error).toBe('RunFailed');
    expect(error.cause).toContain('Rekognition.InternalServerError');
    expect(world.calls.filter((c) => c === 'detect batch-7/c-square.jpg')).toHaveLength(7); // 1 + 6 retries
    expect(world.calls.slice(-2)).toEqual([S.RELEASE_MODEL_ON_FAILURE, 'stop v1']);
    expect(world.versions.get('v1')!.Status).toBe('STOPPING');
    expect(await exists(runKeys(runId).usage)).toBe(false);
    expect(world.calls.some((c) => c.startsWith('createDataset'))).toBe(false);
  });

  it('review completed → dataset updated in chunks → training → F1 comparison; rejected images need labeling', async () => {
    world.versions.get('v1')!.Status = 'RUNNING';
    world.datasets.push(
      {
        DatasetArn: `${PROJECT.replace(/\/\d+$/, '')}/dataset/train/1`,
        DatasetType: 'TRAIN',
        Status: 'CREATE_COMPLETE',
        polls: 0,
        entries: ['old'],
      },
      {
        DatasetArn: `${PROJECT.replace(/\/\d+$/, '')}/dataset/test/2`,
        DatasetType: 'TEST',
        Status: 'CREATE_COMPLETE',
        polls: 0,
        entries: [],
      },
    );
    // An image Rekognition refuses alone goes to the needs-labeling list; the run goes on.
    world.detections.set('batch-7/b-tall.jpg', serviceError('InvalidImageFormatException', 'Unsupported image'));
    world.datasets[0]!.Status = 'UPDATE_IN_PROGRESS'; // busy at first: UpdateDatasetEntries is retried
    world.datasets[0]!.polls = 2;
    const decide: Decide = (key, n) =>
      key.endsWith('c-square.jpg')
        ? { imageRejected: true }
        : key.endsWith('a-wide.png')
          ? {
              decisions: [{ decision: 'accept' }, { decision: 'relabel', label: 'Solar panel' }].slice(
                0,
                n,
              ) as BoxAnswerSubmission['decisions'],
              added: [{ label: 'Skylight', left: 10.4, top: 20, width: 30, height: 40.6 }],
            }
          : acceptAll(key, n);
    // Force the update path to wait for the dataset: it is busy until two describes.
    const { runId, result } = await execute(request({ train: true }), decide);
    const summary = (await result) as RunSummary;
    expect(summary.comparison).toMatchObject({
      previous: { modelVersionArn: world.versionArn('v1'), f1Score: 0.85 },
      trained: { modelVersionArn: world.versionArn(`assist-${runId}`), status: 'TRAINING_COMPLETED', f1Score: 0.91 },
      f1Change: 0.06,
      verdict: 'better',
    });
    expect(summary).toMatchObject({
      manifest: { lines: 2 },
      needsLabeling: { images: 2 },
      dataset: { created: false },
    });
    const order = world.calls.filter((c) => /^(updateEntries|describeDataset|train |createDataset)/.test(c));
    expect(order[0]).toBe('updateEntries TRAIN');
    expect(order).toContain(`train assist-${runId} → s3://${BUCKET}/runs/${runId}/training/`);
    expect(order.indexOf(`train assist-${runId} → s3://${BUCKET}/runs/${runId}/training/`)).toBeGreaterThan(
      order.lastIndexOf('describeDataset TRAIN'),
    );
    expect(world.calls.filter((c) => c === 'updateEntries TRAIN').length).toBeGreaterThan(1); // busy, then accepted
    expect(world.calls.some((c) => c.startsWith('createDataset'))).toBe(false);

    const lines = (await text(BUCKET, runKeys(runId).manifest))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(world.datasets[0]!.entries.slice(1).map((l) => JSON.parse(l) as unknown)).toEqual(lines);
    const wide = lines.find((l) => (l['source-ref'] as unknown as string).endsWith('a-wide.png'))!;
    expect(wide['bounding-box']).toEqual({
      image_size: [{ width: 640, height: 360, depth: 3 }],
      annotations: [
        { class_id: 0, left: 64, top: 90, width: 320, height: 180 },
        { class_id: 2, left: 352, top: 180, width: 192, height: 108 },
        { class_id: 1, left: 10, top: 20, width: 30, height: 41 },
      ],
    });
    expect(wide['bounding-box-metadata']).toMatchObject({
      objects: [{ confidence: 0.8725 }, { confidence: 1 }, { confidence: 1 }],
      'class-map': { '0': 'Chimney', '1': 'Skylight', '2': 'Solar panel' },
      type: 'groundtruth/object-detection',
      'human-annotated': 'yes',
    });
    expect(String((wide['bounding-box-metadata'] as Record<string, unknown>)['creation-date'])).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/,
    );
    // The rotated JPEG is 800 × 300 as displayed; its box reached past the left edge and is clamped.
    const rotated = lines.find((l) => (l['source-ref'] as unknown as string).endsWith('d-rotated.jpg'))!;
    expect(rotated['bounding-box']).toEqual({
      image_size: [{ width: 800, height: 300, depth: 3 }],
      annotations: [{ class_id: 0, left: 0, top: 0, width: 80, height: 150 }],
    });
    const needs = (await text(BUCKET, runKeys(runId).needsLabeling))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { 'source-ref': string; reason: string });
    expect(needs.map((n) => [n['source-ref'].replace(`s3://${BUCKET}/`, ''), n.reason.split(':')[0]]).sort()).toEqual([
      ['batch-7/b-tall.jpg', 'DetectCustomLabels failed for this image'],
      ['batch-7/c-square.jpg', 'rejected as a whole by the reviewer'],
    ]);
  });

  it('two overlapping runs: the first to leave does not stop the model the second still detects with; the last one stops it', async () => {
    // Nobody reviews in this scenario: each run's review wait ends at once (the images go to needs-labeling).
    const waitOver: Wrap[string] = () => async () => ({
      tasks: 0,
      finished: 0,
      pending: 0,
      done: true,
      timedOut: true,
    });
    let bDetecting!: () => void;
    const bAtDetect = new Promise<void>((resolve) => (bDetecting = resolve));
    let aLeft!: () => void;
    const aReleased = new Promise<void>((resolve) => (aLeft = resolve));
    let second: Promise<unknown> | undefined;
    let secondRunId = '';
    // Run A starts the model; run B starts meanwhile, sees it STARTING and waits (it did not start it).
    const first = await execute(request(), acceptAll, {
      [S.CHECK_REVIEWS]: waitOver,
      [S.START_MODEL]: (real) => async (event) => {
        const answer = await real(event);
        const b = await execute(request(), acceptAll, {
          [S.CHECK_REVIEWS]: waitOver,
          // B is in the middle of its detection when A leaves: its next image is detected only after A's release.
          [S.DETECT]: (detect) => async (image) => {
            bDetecting();
            await aReleased;
            return detect(image);
          },
        });
        secondRunId = b.runId;
        second = b.result;
        return answer;
      },
      [S.RELEASE_MODEL]: (release) => async (event) => {
        await bAtDetect;
        try {
          return await release(event);
        } finally {
          aLeft();
        }
      },
    });
    const a = (await first.result) as RunSummary;
    const b = (await second) as RunSummary;
    expect(a.modelStartedByRun).toBe(true);
    expect(b.modelStartedByRun).toBe(false);
    expect(b.images).toBe(4);
    const lifecycle = world.calls.filter((c) => /^(start|stop|ReleaseModel)/.test(c));
    // A released first (B still live: no stop, B is handed the duty), B released last and stopped the model.
    expect(lifecycle).toEqual(['start v1 units=1', S.RELEASE_MODEL, S.RELEASE_MODEL, 'stop v1']);
    expect(world.calls.filter((c) => c.startsWith('detect ')).length).toBe(8); // no detection of B failed
    expect(world.versions.get('v1')!.Status).toBe('STOPPING');
    expect(await exists(runKeys(first.runId).usage)).toBe(false);
    expect(await exists(runKeys(secondRunId).usage)).toBe(false);
  });

  it('failure path: a failed run leaves the model running for another live run, which later stops it', async () => {
    world.versions.get('v1')!.Status = 'RUNNING';
    const other = {
      runId: 'other-run',
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Assist:other',
      modelVersionArn: world.versionArn('v1'),
      startedByRun: false,
    };
    live.add(other.executionArn);
    await s3().send(
      new PutObjectCommand({ Bucket: BUCKET, Key: runKeys(other.runId).usage, Body: JSON.stringify(other) }),
    );
    // This run pretends it started the model, then its detection fails.
    world.detections.set('batch-7/c-square.jpg', serviceError('InternalServerError', 'Rekognition had a problem'));
    const { result } = await execute(request(), acceptAll, {
      [S.RECORD_MODEL_USE]: (record) => async (event: never) => {
        const usage = JSON.parse((event as { Body: string }).Body) as Record<string, unknown>;
        return record({ ...(event as object), Body: JSON.stringify({ ...usage, startedByRun: true }) } as never);
      },
    });
    await expect(result).rejects.toBeInstanceOf(ExecutionFailed);
    expect(world.calls).toContain(S.RELEASE_MODEL_ON_FAILURE);
    expect(world.calls.filter((c) => c.startsWith('stop '))).toEqual([]);
    expect(world.versions.get('v1')!.Status).toBe('RUNNING');
    const handed = JSON.parse(await text(BUCKET, runKeys(other.runId).usage)) as { startedByRun: boolean };
    expect(handed.startedByRun).toBe(true);
    live.delete(other.executionArn);
    await s3().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: runKeys(other.runId).usage }));
  });

  it('refuses images outside the images bucket before anything is started', async () => {
    const { result } = await execute(request({ images: 's3://other-bucket/x/' }));
    const error = (await result.then(
      () => undefined,
      (e: unknown) => e,
    )) as ExecutionFailed;
    expect(error.error).toBe('RunFailed');
    expect(error.cause).toContain('is not in the images bucket assist-images');
    expect(world.calls).toEqual([]);
  });
});
