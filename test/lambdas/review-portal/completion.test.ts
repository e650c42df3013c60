import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { REVIEW_PORTAL_ENV as ENV } from '../../../lambdas/review-portal/contract';
import { type QueueStats } from '../../../lambdas/review-portal/core/stats';
import { type TaskView } from '../../../lambdas/review-portal/core/task';
import {
  type HumanReviewOutput,
  REVIEW_PORTAL_DETAIL_TYPE,
  REVIEW_PORTAL_EVENT_SOURCE,
  answerFieldFor,
  itemIndexOfAnswerField,
} from '../../../lambdas/review/contract';
import { PortalReviewBackend } from '../../../lambdas/review/adapters/portal';
import { lambdaContext } from '../../helpers/lambda-context';
import { localDynamoDbClient, localS3Client, useLocalServices } from '../../helpers/local-services';
import {
  type TestUser,
  apiEvent,
  createTaskTable,
  rawItem,
  reviewBatch,
  streamEvent,
  submitAnswersEvent,
} from '../../helpers/review-portal';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

const services = useLocalServices('dynamodb', 's3');
const TABLE = 'review-tasks-multi';
const BUCKET = 'review-results';
const PORTAL_ID = 'arn:aws:apigateway:us-east-1::/restapis/abc123';
const eventBridge = mockClient(EventBridgeClient);
const reviewers: TestUser[] = [{ sub: 'rev-a' }, { sub: 'rev-b' }, { sub: 'rev-c' }];

let dynamodb: DynamoDBClient;
let s3: S3Client;
let claim: ApiHandler;
let submit: ApiHandler;
let publish: StreamHandler;
let measure: (event: unknown, context: Context) => Promise<QueueStats>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
    AWS_ENDPOINT_URL_S3: services.s3.endpoint,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    [ENV.TASK_TABLE]: TABLE,
    [ENV.REVIEWERS_PER_ITEM]: '2',
    [ENV.LEASE_SECONDS]: '600',
    [ENV.OUTPUT_BUCKET]: BUCKET,
    [ENV.OUTPUT_PREFIX]: 'review-output/',
    [ENV.PORTAL_NAME]: 'review-portal',
    [ENV.PORTAL_ID]: PORTAL_ID,
  });
  dynamodb = localDynamoDbClient(services.dynamodb.endpoint);
  s3 = localS3Client(services.s3.endpoint);
  await createTaskTable(dynamodb, TABLE);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const { portalEnv } = await import('../../../lambdas/review-portal/adapters/api');
  portalEnv.reset();
  claim = ((await import('../../../lambdas/review-portal/claim-task')) as { handler: ApiHandler }).handler;
  submit = ((await import('../../../lambdas/review-portal/submit-answers')) as { handler: ApiHandler }).handler;
  publish = ((await import('../../../lambdas/review-portal/publish-results')) as { handler: StreamHandler }).handler;
  measure = ((await import('../../../lambdas/review-portal/queue-metrics')) as { handler: typeof measure }).handler;
});

afterAll(() => {
  for (const key of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3']) delete process.env[key];
});

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

const claimAs = async (user: TestUser) =>
  (
    JSON.parse(
      (await claim(apiEvent({ method: 'POST', resource: '/tasks/claim', path: '/tasks/claim', user }), lambdaContext()))
        .body,
    ) as { task: TaskView | null }
  ).task;
const answer = async (user: TestUser, taskId: string, answers: Record<string, string>) =>
  JSON.parse((await submit(submitAnswersEvent(user, taskId, answers), lambdaContext())).body) as Record<
    string,
    unknown
  >;

async function readOutput(uri: string): Promise<HumanReviewOutput> {
  const key = uri.replace(`s3://${BUCKET}/`, '');
  return JSON.parse(
    await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString(),
  ) as HumanReviewOutput;
}

describe('multi-reviewer completion → A2I-shaped output.json (s3rver) and completion event', () => {
  it('needs two answers, writes the result in exactly the A2I shape and publishes the event once per completion', async () => {
    const batch = reviewBatch('multi-task', 12);
    expect(await new PortalReviewBackend({ tableName: TABLE, client: dynamodb }).start(batch)).toBe('started');

    // Two reviewer slots: A and B both hold the task, C gets nothing.
    expect((await claimAs(reviewers[0]!))?.taskId).toBe('multi-task');
    expect((await claimAs(reviewers[1]!))?.taskId).toBe('multi-task');
    expect(await claimAs(reviewers[2]!)).toBeNull();

    const answersOf = (label: (i: number) => string) =>
      Object.fromEntries(batch.input.items.map((item) => [answerFieldFor(item.index), label(item.index)]));
    const first = answersOf((i) => (i % 2 === 0 ? 'Positive' : 'Negative'));
    const second = answersOf((i) => (i === 10 ? 'Neutral' : i % 2 === 0 ? 'Positive' : 'Negative'));

    const before = await rawItem(dynamodb, TABLE, 'multi-task');
    expect(await answer(reviewers[0]!, 'multi-task', first)).toMatchObject({
      status: 'recorded',
      completed: false,
      answersReceived: 1,
    });
    const middle = await rawItem(dynamodb, TABLE, 'multi-task');
    expect(await answer(reviewers[1]!, 'multi-task', second)).toMatchObject({
      status: 'recorded',
      completed: true,
      answersReceived: 2,
    });
    const after = await rawItem(dynamodb, TABLE, 'multi-task');
    expect(after.status).toEqual({ S: 'COMPLETED' });
    expect(after.queue).toBeUndefined(); // out of the queue index
    expect(Number(after.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);

    // The stream delivers both changes; only the completion publishes. A re-delivery publishes the same result again.
    const response = await publish(
      streamEvent(TABLE, [
        { old: before, new: middle },
        { old: middle, new: after },
      ]),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      Source: REVIEW_PORTAL_EVENT_SOURCE,
      DetailType: REVIEW_PORTAL_DETAIL_TYPE,
      EventBusName: 'default',
      Resources: [PORTAL_ID],
    });
    const detail = JSON.parse(entry.Detail!) as Record<string, unknown> & { humanLoopOutput: { outputS3Uri: string } };
    expect(Object.keys(detail).sort()).toEqual([
      'creationTime',
      'flowDefinitionArn',
      'humanLoopName',
      'humanLoopOutput',
      'humanLoopStatus',
    ]);
    expect(detail).toMatchObject({
      humanLoopName: 'multi-task',
      flowDefinitionArn: PORTAL_ID,
      humanLoopStatus: 'Completed',
    });
    expect(detail.humanLoopOutput.outputS3Uri).toMatch(
      new RegExp(
        `^s3://${BUCKET}/review-output/review-portal/\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{2}/\\d{2}/multi-task/output\\.json$`,
      ),
    );

    const output = await readOutput(detail.humanLoopOutput.outputS3Uri);
    expect(Object.keys(output).sort()).toEqual(['flowDefinitionArn', 'humanAnswers', 'humanLoopName', 'inputContent']);
    expect(output.flowDefinitionArn).toBe(PORTAL_ID);
    expect(output.humanLoopName).toBe('multi-task');
    expect(output.inputContent).toEqual(batch.input); // exactly what was sent
    expect(output.humanAnswers.map((a) => a.workerId)).toEqual(['rev-a', 'rev-b']);
    expect(output.humanAnswers[0]!.answerContent).toEqual(first);
    expect(output.humanAnswers[1]!.answerContent).toEqual(second);
    for (const a of output.humanAnswers) {
      expect(Date.parse(a.submissionTime)).not.toBeNaN();
      expect(Date.parse(a.acceptanceTime!)).toBeLessThanOrEqual(Date.parse(a.submissionTime));
      expect(a.timeSpentInSeconds).toBeGreaterThanOrEqual(0);
      expect(a.workerMetadata).toEqual({
        identityData: {
          identityProviderType: 'Cognito',
          sub: a.workerId,
          issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST',
        },
      });
    }
    // Answers pair with items by the index in the field name (textCategory10 sorts before textCategory2).
    const paired = Object.entries(output.humanAnswers[1]!.answerContent).map(([field, label]) => [
      itemIndexOfAnswerField(field),
      label,
    ]);
    expect(paired.find(([index]) => index === 10)?.[1]).toBe('Neutral');

    await publish(streamEvent(TABLE, [{ old: middle, new: after }]), lambdaContext());
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key);
    expect(keys).toHaveLength(1);
  });

  it('reports a record whose event EventBridge refused as a partial batch failure (the mapping retries it)', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const batch = reviewBatch('refused-task', 1);
    await new PortalReviewBackend({ tableName: TABLE, client: dynamodb }).start(batch);
    await claimAs(reviewers[0]!);
    await claimAs(reviewers[1]!);
    const before = await rawItem(dynamodb, TABLE, 'refused-task');
    await answer(reviewers[0]!, 'refused-task', { textCategory0: 'Positive' });
    const middle = await rawItem(dynamodb, TABLE, 'refused-task');
    await answer(reviewers[1]!, 'refused-task', { textCategory0: 'Positive' });
    const after = await rawItem(dynamodb, TABLE, 'refused-task');
    const response = await publish(
      streamEvent(TABLE, [
        { old: before, new: middle },
        { old: middle, new: after },
      ]),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1001' }]);
    // When every record fails the whole invocation fails, and the mapping retries (bisecting) the batch.
    await expect(publish(streamEvent(TABLE, [{ old: middle, new: after }]), lambdaContext())).rejects.toThrow(
      'All records failed',
    );
  });

  it('measures the queue for the dashboard and the waiting-too-long alarm', async () => {
    await new PortalReviewBackend({ tableName: TABLE, client: dynamodb }).start(reviewBatch('waiting-task', 1));
    const stats = await measure({}, lambdaContext());
    expect(stats).toMatchObject({ open: 1, leased: 0, available: 1, answersNeeded: 2, waitingTooLong: 0 });
    expect(stats.oldestTaskAgeSeconds).toBeLessThan(60);
  });
});
