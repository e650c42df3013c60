import {
  ComprehendClient,
  DescribeDocumentClassifierCommand,
  ResourceNotFoundException,
  StopTrainingDocumentClassifierCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-comprehend';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { LOCK_PHASES, RETRAINING_EVENT, RUN_TABLE, RUN_END_ENV } from '../../../lambdas/classifier-retraining/contract';
import type { EndRunResult } from '../../../lambdas/classifier-retraining/end-run';
import { localDynamoDbClient, useLocalServices } from '../../helpers/local-services';
import { createRunTable } from '../../helpers/classifier-retraining-world';

const services = useLocalServices('dynamodb');

/** The detail of a sent run event. */
interface SentDetail {
  readonly classifier: string;
  readonly runId: string;
  readonly executionArn: string;
  readonly input: unknown;
  readonly outcome: { status: string; executionStatus: string; error?: string; message: string };
}
const TABLE = 'retraining-runs';
const CLASSIFIER = 'support_intents';
const CLASSIFIER_ARN = 'arn:aws:comprehend:eu-west-1:123456789012:document-classifier/support-intents';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Retraining';
const executionArn = (runId: string) => `arn:aws:states:eu-west-1:123456789012:execution:Retraining:${runId}`;
const versionArn = (runId: string) => `${CLASSIFIER_ARN}/version/${runId}`;

const comprehend = mockClient(ComprehendClient);
const eventBridge = mockClient(EventBridgeClient);

function statusChange(runId: string, status: 'FAILED' | 'TIMED_OUT' | 'ABORTED', extra: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: `event-${runId}-${status}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2026-11-30T12:00:00Z',
    region: 'eu-west-1',
    resources: [executionArn(runId)],
    detail: {
      executionArn: executionArn(runId),
      stateMachineArn: STATE_MACHINE,
      name: runId,
      status,
      startDate: 1764500000000,
      stopDate: 1764503600000,
      input: '{"action":"start","trigger":"schedule"}',
      output: null,
      error: null,
      cause: null,
      ...extra,
    },
  };
}

describe('end-run handler (dynalite run table, mocked Comprehend and EventBridge)', () => {
  let dynamodb: DynamoDBClient;
  let handler: (event: unknown) => Promise<EndRunResult>;
  const lockKey = { [RUN_TABLE.PARTITION_KEY]: { S: CLASSIFIER }, [RUN_TABLE.SORT_KEY]: { S: RUN_TABLE.LOCK } };
  const holdLock = (runId: string) =>
    dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          ...lockKey,
          runId: { S: runId },
          executionArn: { S: executionArn(runId) },
          phase: { S: LOCK_PHASES.RUNNING },
          action: { S: 'start' },
        },
      }),
    );
  const lock = async () =>
    (await dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: lockKey, ConsistentRead: true }))).Item;
  const sentDetails = () =>
    eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => ({
        source: e.Source,
        detailType: e.DetailType,
        detail: JSON.parse(e.Detail!) as SentDetail,
      }));
  /** Comprehend answers a version's status; a stop moves it to STOP_REQUESTED, as the service does. */
  const trainingStatus = (status: string) => {
    let current = status;
    comprehend
      .on(DescribeDocumentClassifierCommand)
      .callsFake(() => ({ DocumentClassifierProperties: { Status: current } }));
    comprehend.on(StopTrainingDocumentClassifierCommand).callsFake(() => {
      current = 'STOP_REQUESTED';
      return {};
    });
  };

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
      [RUN_END_ENV.RUN_TABLE]: TABLE,
      [RUN_END_ENV.CLASSIFIER]: CLASSIFIER,
      [RUN_END_ENV.MODE]: 'versions',
      [RUN_END_ENV.COMPREHEND_CLASSIFIER_NAME]: 'support-intents',
      [RUN_END_ENV.COMPREHEND_CLASSIFIER_ARN]: CLASSIFIER_ARN,
    });
    dynamodb = localDynamoDbClient(services.dynamodb.endpoint);
    await createRunTable(dynamodb, TABLE);
    ({ handler } = await import('../../../lambdas/classifier-retraining/end-run'));
  });

  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  });

  beforeEach(() => {
    comprehend.reset();
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });

  it('timed out while TRAINING: stops that version once, sends TimedOut, releases the lock; a re-delivery does nothing', async () => {
    await holdLock('run-timed-out');
    trainingStatus('TRAINING');
    const event = statusChange('run-timed-out', 'TIMED_OUT');

    const first = await handler(event);
    expect(first).toMatchObject({ training: { action: 'stopped', statusBefore: 'TRAINING' }, lockReleased: true });
    expect(comprehend.commandCalls(DescribeDocumentClassifierCommand)[0]!.args[0].input).toEqual({
      DocumentClassifierArn: versionArn('run-timed-out'),
    });
    expect(comprehend.commandCalls(StopTrainingDocumentClassifierCommand).map((c) => c.args[0].input)).toEqual([
      { DocumentClassifierArn: versionArn('run-timed-out') },
    ]);
    expect(await lock()).toBeUndefined();
    const sent = sentDetails();
    expect(sent.map((e) => [e.source, e.detailType])).toEqual([
      [RETRAINING_EVENT.SOURCE, RETRAINING_EVENT.DETAIL_TYPE],
    ]);
    expect(sent[0]!.detail).toMatchObject({
      classifier: CLASSIFIER,
      runId: 'run-timed-out',
      executionArn: executionArn('run-timed-out'),
      input: { action: 'start', trigger: 'schedule' },
      outcome: { status: 'TimedOut', executionStatus: 'TIMED_OUT' },
    });

    // EventBridge delivers at least once: the same event again stops nothing and sends nothing.
    const again = await handler(event);
    expect(again).toMatchObject({ training: { action: 'none', status: 'STOP_REQUESTED' }, eventSent: false });
    expect(comprehend.commandCalls(StopTrainingDocumentClassifierCommand)).toHaveLength(1);
    expect(sentDetails()).toHaveLength(1);
  });

  it('aborted after training finished (TRAINED): no stop, the lock is released and the run announced as Aborted', async () => {
    await holdLock('run-aborted');
    trainingStatus('TRAINED');
    const result = await handler(statusChange('run-aborted', 'ABORTED'));
    expect(result).toMatchObject({ training: { action: 'none', status: 'TRAINED' }, lockReleased: true });
    expect(comprehend.commandCalls(StopTrainingDocumentClassifierCommand)).toHaveLength(0);
    expect(sentDetails().map((e) => e.detail.outcome.status)).toEqual(['Aborted']);
    expect(await lock()).toBeUndefined();
  });

  it('SUBMITTED counts as training too', async () => {
    trainingStatus('SUBMITTED');
    const result = await handler(statusChange('run-submitted', 'ABORTED'));
    expect(result.training).toMatchObject({ action: 'stopped', statusBefore: 'SUBMITTED' });
  });

  it('leaves a lock held by another execution alone (taken over, or a refused run) and sends nothing', async () => {
    await holdLock('run-current');
    comprehend
      .on(DescribeDocumentClassifierCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const result = await handler(
      statusChange('run-refused', 'FAILED', { error: 'RunInProgress', cause: 'Run run-current is in progress' }),
    );
    expect(result).toEqual({
      runId: 'run-refused',
      training: { action: 'never-started', versionArn: versionArn('run-refused') },
      lockReleased: false,
      eventSent: false,
    });
    expect(await lock()).toMatchObject({ runId: { S: 'run-current' } });
    expect(comprehend.commandCalls(StopTrainingDocumentClassifierCommand)).toHaveLength(0);
    expect(sentDetails()).toEqual([]);
  });

  it('a FAILED execution that already ran its failure tail (lock released, event sent): nothing to do', async () => {
    await holdLock('run-current');
    trainingStatus('IN_ERROR');
    const result = await handler(
      statusChange('run-failed-cleanly', 'FAILED', { error: 'TrainingFailed', cause: 'Comprehend could not train' }),
    );
    expect(result).toMatchObject({
      training: { action: 'none', status: 'IN_ERROR' },
      lockReleased: false,
      eventSent: false,
    });
    expect(comprehend.commandCalls(StopTrainingDocumentClassifierCommand)).toHaveLength(0);
    expect(sentDetails()).toEqual([]);
  });

  it('a FAILED execution that skipped its failure tail while training: stops, unlocks and announces Failed with the error', async () => {
    await holdLock('run-broken');
    trainingStatus('TRAINING');
    const result = await handler(
      statusChange('run-broken', 'FAILED', { error: 'States.Runtime', cause: 'The JSONPath $.x could not be found' }),
    );
    expect(result).toMatchObject({ training: { action: 'stopped' }, lockReleased: true, eventSent: true });
    expect(sentDetails()[0]!.detail.outcome).toMatchObject({
      status: 'Failed',
      error: 'States.Runtime',
    });
    expect(sentDetails()[0]!.detail.outcome.message).toContain('The JSONPath $.x could not be found');
  });

  it('a failed stop is rethrown (the async invoke retries, then dead-letters) and the lock stays for the retry', async () => {
    await holdLock('run-throttled');
    comprehend.on(DescribeDocumentClassifierCommand).resolves({ DocumentClassifierProperties: { Status: 'TRAINING' } });
    comprehend
      .on(StopTrainingDocumentClassifierCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'slow down', $metadata: {} }))
      .resolves({});
    const event = statusChange('run-throttled', 'TIMED_OUT');
    await expect(handler(event)).rejects.toThrow('slow down');
    expect(await lock()).toMatchObject({ runId: { S: 'run-throttled' } });
    expect(sentDetails()).toEqual([]);

    const retried = await handler(event);
    expect(retried).toMatchObject({ training: { action: 'stopped' }, lockReleased: true, eventSent: true });
    expect(sentDetails()).toHaveLength(1);
  });

  it('an event EventBridge refuses is retried with the lock still held: the run is announced, never lost', async () => {
    await holdLock('run-unannounced');
    trainingStatus('STOPPED');
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    const event = statusChange('run-unannounced', 'ABORTED');
    await expect(handler(event)).rejects.toThrow('InternalFailure');
    expect(await lock()).toBeDefined();
    expect(await handler(event)).toMatchObject({ lockReleased: true, eventSent: true });
    expect(await lock()).toBeUndefined();
  });

  it('an execution name that cannot be a version name never trained: no Comprehend call', async () => {
    const result = await handler(statusChange('mlw_approve_2026', 'FAILED'));
    expect(result.training).toEqual({ action: 'never-started' });
    expect(comprehend.calls()).toHaveLength(0);
  });

  it('rejects an event that is not an execution status change (it goes to the dead-letter queue)', async () => {
    await expect(handler({ 'detail-type': 'Object Created', detail: {} })).rejects.toThrow(
      'Not a retraining execution status change',
    );
    await expect(handler(statusChange('run-ok', 'SUCCEEDED' as never))).rejects.toThrow(/status/);
  });
});
