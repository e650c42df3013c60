import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ENDPOINT_PLACEHOLDER } from '../../../../lambdas/active-learning/contract';
import {
  RETRAINING_EVENT,
  CLASSIFIER_RETRAINING_ENV,
  RUN_TABLE,
} from '../../../../lambdas/classifier-retraining/contract';
import { realApp, stackOf } from '../../../helpers/app';
import { localDynamoDbClient, localS3Client, useLocalServices } from '../../../helpers/local-services';
import {
  ExecutionFailed,
  RENDER_ACCOUNT,
  RENDER_REGION,
  runStateMachine,
  synthesizedDefinition,
} from '../../../helpers/state-machine';
import { RetrainingWorld } from '../../../helpers/classifier-retraining-world';

const services = useLocalServices('s3', 'dynamodb');
const BUCKET = 'loop-data';
const SM = `arn:aws:states:${RENDER_REGION}:${RENDER_ACCOUNT}:stateMachine:Retraining`;

function definitionOf(context: Record<string, unknown>) {
  const definition = synthesizedDefinition(stackOf(realApp(context), 'Mlw-ClassifierRetraining'), 'Retraining');
  // The execution timeout (2 days) overflows nothing, but a local run needs no timer at all.
  delete definition.TimeoutSeconds;
  return definition;
}
const autoDefinition = definitionOf({ 'classifierRetraining.approval': 'auto' });
const manualDefinition = definitionOf({});
const flywheelDefinition = definitionOf({
  'classifierRetraining.approval': 'auto',
  'classifierRetraining.mode': 'flywheel',
});
const tableName = (JSON.stringify(autoDefinition).match(/"TableName":"([^"]+)"/) ?? [])[1]!;

type Handler = (input: never) => Promise<unknown>;

/** The real handlers, loaded fresh with the given settings (their environment is read once per module). */
async function handlersWith(settings: Record<string, string> = {}) {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: services.s3.endpoint,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    [CLASSIFIER_RETRAINING_ENV.DATA_BUCKET]: BUCKET,
    [CLASSIFIER_RETRAINING_ENV.REVIEWED_PREFIX]: 'training-data/default/',
    [CLASSIFIER_RETRAINING_ENV.BASE_TRAINING_DATA_URI]: '',
    [CLASSIFIER_RETRAINING_ENV.MULTI_LABEL]: 'false',
    [CLASSIFIER_RETRAINING_ENV.MIN_NEW_ROWS]: '100',
    [CLASSIFIER_RETRAINING_ENV.MODE]: 'versions',
    [CLASSIFIER_RETRAINING_ENV.MIN_IMPROVEMENT]: '0',
    [CLASSIFIER_RETRAINING_ENV.MIN_F1]: '0',
    [CLASSIFIER_RETRAINING_ENV.APPROVAL]: 'auto',
    [CLASSIFIER_RETRAINING_ENV.COMPREHEND_CLASSIFIER_NAME]: 'default',
    [CLASSIFIER_RETRAINING_ENV.KEEP_VERSIONS]: '3',
    ...settings,
  });
  let loaded: { prepare: Handler; evaluate: Handler; cleanUp: Handler } | undefined;
  await jest.isolateModulesAsync(async () => {
    const prepare = await import('../../../../lambdas/classifier-retraining/prepare');
    const evaluate = await import('../../../../lambdas/classifier-retraining/evaluate');
    const cleanUp = await import('../../../../lambdas/classifier-retraining/clean-up');
    loaded = {
      prepare: prepare.handler,
      evaluate: evaluate.handler,
      cleanUp: cleanUp.handler,
    };
  });
  return loaded!;
}

function rows(n: number, label: string, tag: string): string {
  return Array.from({ length: n }, (_, i) => `${label},"${tag}: a ${label} message, number ${i}"\n`).join('');
}

describe('the synthesized retraining state machine (aws-local-stepfunctions, dynalite, s3rver)', () => {
  let s3: S3Client;
  let world: RetrainingWorld;
  let runs = 0;

  beforeAll(async () => {
    s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'training-data/default/2026/11/02/loop-1.csv',
        Body: rows(60, 'BILLING', 'r1') + rows(60, 'ACCOUNT', 'r1'),
      }),
    );
  });

  beforeEach(async () => {
    world = new RetrainingWorld(localDynamoDbClient(services.dynamodb.endpoint), tableName);
    await world.resetTable();
  });
  afterEach(() => world.restore());

  async function run(
    definition: Record<string, unknown>,
    input: unknown,
    lambdas: { prepare: Handler; evaluate: Handler; cleanUp: Handler },
    name = `run-${++runs}`,
  ): Promise<{ runId: string; outcome: Record<string, unknown> }> {
    const Id = `${SM.replace(':stateMachine:', ':execution:')}:${name}`;
    world.executions.set(Id, 'RUNNING');
    try {
      return (await runStateMachine(
        definition,
        input,
        { taskResourceLocalHandlers: world.handlers(lambdas) as never },
        {
          Execution: {
            Id,
            Name: name,
            StartTime: '2026-11-30T10:00:00.000Z',
            RoleArn: 'arn:aws:iam::123456789012:role/r',
          },
          // aws-local-stepfunctions fills no `$$.State`; RecordPromotion reads its EnteredTime.
          State: { EnteredTime: '2026-11-30T10:05:00.000Z', Name: '', RetryCount: 0 },
        },
      )) as { runId: string; outcome: Record<string, unknown> };
    } finally {
      world.executions.set(Id, 'SUCCEEDED');
    }
  }

  async function failure(promise: Promise<unknown>): Promise<ExecutionFailed> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutionFailed);
    return error as ExecutionFailed;
  }

  const item = async (key: string) =>
    (
      await localDynamoDbClient(services.dynamodb.endpoint).send(
        new GetItemCommand({ TableName: tableName, Key: { classifier: { S: 'default' }, item: { S: key } } }),
      )
    ).Item;

  it('promote (auto): trains a version, beats the current model, updates the endpoint live, records, cleans up, notifies', async () => {
    const current = world.addVersion('default', 'v0', { F1Score: 0.8 });
    const endpoint = world.addEndpoint('loop-endpoint', current);
    world.scripts = [{ status: 'TRAINED', polls: 2, metrics: { F1Score: 0.9, Accuracy: 0.91 } }];
    const result = await run(autoDefinition, { action: 'start' }, await handlersWith(), 'run-promote');
    const candidate = `arn:aws:comprehend:${RENDER_REGION}:${RENDER_ACCOUNT}:document-classifier/default/version/run-promote`;
    expect(result).toEqual({
      runId: 'run-promote',
      outcome: {
        status: 'Promoted',
        modelArn: candidate,
        previousModelArn: current,
        endpointArn: endpoint,
        promotedRunId: 'run-promote',
      },
    });
    expect(world.calls).toEqual([
      'AcquireLock',
      'ReadEndpointParameter',
      'DescribeCurrentEndpoint',
      'ReadBaseline',
      'PrepareTrainingData',
      'CreateDocumentClassifier',
      'DescribeCandidate',
      'DescribeCandidate',
      'DescribeCandidate',
      'DescribeCurrentModel',
      'EvaluateCandidate',
      'UpdateEndpoint',
      'DescribeDeployedEndpoint',
      'DescribeDeployedEndpoint',
      'RecordPromotion',
      'CleanUpVersions',
      'ReleaseLockPromoted',
      'NotifyPromoted',
    ]);
    const request = world.versions.get(candidate)!.request as Record<string, unknown>;
    expect(request).toMatchObject({
      DocumentClassifierName: 'default',
      VersionName: 'run-promote',
      LanguageCode: 'en',
      Mode: 'MULTI_CLASS',
      ClientRequestToken: 'run-promote',
      InputDataConfig: { DataFormat: 'COMPREHEND_CSV', S3Uri: `s3://${BUCKET}/retraining/run-promote/train.csv` },
      Tags: [{ Key: 'ml-workflows:workflow', Value: 'classifier-retraining' }],
    });
    expect(world.endpoints.get(endpoint)).toMatchObject({ ModelArn: candidate, Status: 'IN_SERVICE' });
    expect(await item(RUN_TABLE.PROMOTED)).toMatchObject({
      modelArn: { S: candidate },
      previousModelArn: { S: current },
      runId: { S: 'run-promote' },
      sourcesUri: { S: `s3://${BUCKET}/retraining/run-promote/sources.json` },
    });
    expect(await item(RUN_TABLE.LOCK)).toBeUndefined();
    expect(world.events).toEqual([
      expect.objectContaining({
        source: RETRAINING_EVENT.SOURCE,
        detailType: RETRAINING_EVENT.DETAIL_TYPE,
        detail: expect.objectContaining({
          classifier: 'default',
          runId: 'run-promote',
          outcome: expect.objectContaining({ status: 'Promoted' }) as unknown,
        }) as unknown,
      }),
    ]);
    const summary = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retraining/run-promote/summary.json' }))
      ).Body!.transformToString(),
    ) as Record<string, unknown>;
    expect(summary).toMatchObject({
      candidate: { metrics: { F1Score: 0.9 } },
      current: { modelArn: current, metrics: { F1Score: 0.8 } },
      selection: { decision: 'promote', improvement: 0.1 },
    });
  });

  it('challenger worse: keeps the current model and makes no endpoint call at all', async () => {
    const current = world.addVersion('default', 'v0', { F1Score: 0.8 });
    world.addEndpoint('loop-endpoint', current);
    world.scripts = [{ status: 'TRAINED', metrics: { F1Score: 0.75 } }];
    const result = await run(autoDefinition, { action: 'start' }, await handlersWith());
    expect(result.outcome).toMatchObject({
      status: 'KeptCurrentModel',
      selection: { decision: 'keep', candidateScore: 0.75, currentScore: 0.8 },
    });
    expect(
      world.calls.filter((c) => /UpdateEndpoint|CreateEndpoint|WriteEndpointParameter|RecordPromotion/.test(c)),
    ).toEqual([]);
    expect(world.calls).toContain('CleanUpVersions');
    expect(await item(RUN_TABLE.LOCK)).toBeUndefined();
  });

  it("training IN_ERROR: a named failure with Comprehend's message; the lock is released and the failure announced", async () => {
    world.addEndpoint('loop-endpoint', world.addVersion('default', 'v0', { F1Score: 0.8 }));
    world.scripts = [{ status: 'IN_ERROR', message: 'Not enough documents for label OTHER' }];
    const failed = await failure(run(autoDefinition, { action: 'start' }, await handlersWith(), 'run-error'));
    expect(failed.error).toBe('TrainingFailed');
    expect(failed.cause).toBe('Comprehend could not train version run-error: Not enough documents for label OTHER');
    expect(world.calls.slice(-2)).toEqual(['ReleaseLockAfterFailure', 'NotifyFailure']);
    expect(world.events[0]).toMatchObject({ detail: { outcome: { status: 'Failed', error: 'TrainingFailed' } } });
    expect(await item(RUN_TABLE.LOCK)).toBeUndefined();
  });

  it('not enough data: stops before CreateDocumentClassifier with a report of the reasons', async () => {
    world.addEndpoint('loop-endpoint', world.addVersion('default', 'v0', { F1Score: 0.8 }));
    const result = await run(
      autoDefinition,
      {},
      await handlersWith({ [CLASSIFIER_RETRAINING_ENV.MIN_NEW_ROWS]: '1000' }),
    );
    expect(result.outcome).toMatchObject({
      status: 'NotEnoughData',
      reasons: ['120 new reviewed row(s) since the last promoted model; at least 1000 are needed'],
      shortClasses: [],
      rows: { documents: 120, newReviewed: 120 },
    });
    expect(world.calls).not.toContain('CreateDocumentClassifier');
    expect(world.calls.slice(-2)).toEqual(['ReleaseLockNotEnoughData', 'NotifyNotEnoughData']);
  });

  it('endpoint busy, then free: UpdateEndpoint is retried with backoff until it is accepted', async () => {
    const current = world.addVersion('default', 'v0', { F1Score: 0.8 });
    world.addEndpoint('loop-endpoint', current);
    world.endpointBusy = 2;
    const result = await run(autoDefinition, { action: 'start' }, await handlersWith());
    expect(result.outcome).toMatchObject({ status: 'Promoted' });
    expect(world.calls.filter((c) => c === 'UpdateEndpoint')).toHaveLength(3);
    const retry = (
      autoDefinition.States as Record<
        string,
        { Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; BackoffRate?: number; MaxAttempts?: number }[] }
      >
    ).UpdateEndpoint!.Retry!.find((r) => r.ErrorEquals.includes('Comprehend.ResourceInUseException'));
    expect(retry).toEqual({
      ErrorEquals: ['Comprehend.ResourceInUseException'],
      IntervalSeconds: 60,
      MaxAttempts: 6,
      BackoffRate: 2,
    });
  });

  it('an endpoint busy for too long ends in EndpointUpdateFailed and keeps the old model', async () => {
    const current = world.addVersion('default', 'v0', { F1Score: 0.8 });
    const endpoint = world.addEndpoint('loop-endpoint', current);
    world.endpointBusy = 100;
    const failed = await failure(run(autoDefinition, { action: 'start' }, await handlersWith()));
    expect(failed.error).toBe('EndpointUpdateFailed');
    expect(failed.cause).toMatch(/stayed busy/);
    expect(world.endpoints.get(endpoint)).toMatchObject({ ModelArn: current });
    expect(await item(RUN_TABLE.PROMOTED)).toBeUndefined();
  });

  it('first deployment: the parameter holds the placeholder → CreateEndpoint → the parameter gets its ARN', async () => {
    expect(world.parameter).toBe(ENDPOINT_PLACEHOLDER);
    const result = await run(autoDefinition, { action: 'start' }, await handlersWith(), 'run-first');
    const endpoint = `arn:aws:comprehend:${RENDER_REGION}:${RENDER_ACCOUNT}:document-classifier-endpoint/default`;
    expect(result.outcome).toMatchObject({ status: 'Promoted', endpointArn: endpoint, previousModelArn: '' });
    expect(world.calls).not.toContain('DescribeCurrentModel');
    expect(world.calls.filter((c) => /Endpoint/.test(c))).toEqual([
      'ReadEndpointParameter',
      'CreateEndpoint',
      'DescribeDeployedEndpoint',
      'DescribeDeployedEndpoint',
      'WriteEndpointParameter',
    ]);
    expect(world.endpoints.get(endpoint)).toMatchObject({ DesiredInferenceUnits: 1, Status: 'IN_SERVICE' });
    expect(world.parameter).toBe(endpoint);
  });

  it('manual approval: the run ends AwaitingApproval holding the lock; a new start is refused; approve deploys', async () => {
    const current = world.addVersion('default', 'v0', { F1Score: 0.8 });
    const endpoint = world.addEndpoint('loop-endpoint', current);
    const handlers = await handlersWith({ [CLASSIFIER_RETRAINING_ENV.APPROVAL]: 'manual' });
    const waiting = await run(manualDefinition, { action: 'start' }, handlers, 'run-manual');
    expect(waiting.outcome).toMatchObject({ status: 'AwaitingApproval', selection: { decision: 'await-approval' } });
    expect(world.calls).not.toContain('UpdateEndpoint');
    expect(await item(RUN_TABLE.LOCK)).toMatchObject({ phase: { S: 'awaiting-approval' }, runId: { S: 'run-manual' } });

    const refused = await failure(run(manualDefinition, { action: 'start' }, handlers));
    expect(refused.error).toBe('AwaitingApproval');
    expect(refused.cause).toBe(
      'Run run-manual awaits approval: mlw retrain approve run-manual (or reject run-manual) before another run',
    );
    const wrongRun = await failure(run(manualDefinition, { action: 'approve', runId: 'run-other' }, handlers));
    expect(wrongRun.error).toBe('NoRunAwaitingApproval');

    world.calls.length = 0;
    const approved = await run(manualDefinition, { action: 'approve', runId: 'run-manual' }, handlers, 'approve-1');
    const candidate = `arn:aws:comprehend:${RENDER_REGION}:${RENDER_ACCOUNT}:document-classifier/default/version/run-manual`;
    expect(approved.outcome).toMatchObject({ status: 'Promoted', modelArn: candidate, promotedRunId: 'run-manual' });
    expect(world.calls).not.toContain('CreateDocumentClassifier');
    expect(world.calls).toContain('UpdateEndpoint');
    expect(world.endpoints.get(endpoint)).toMatchObject({ ModelArn: candidate });
    expect(await item(RUN_TABLE.LOCK)).toBeUndefined();
    expect(await item(RUN_TABLE.PROMOTED)).toMatchObject({ runId: { S: 'run-manual' } });
  });

  it('manual approval then reject: the lock is released and nothing is deployed', async () => {
    world.addEndpoint('loop-endpoint', world.addVersion('default', 'v0', { F1Score: 0.8 }));
    const handlers = await handlersWith({ [CLASSIFIER_RETRAINING_ENV.APPROVAL]: 'manual' });
    await run(manualDefinition, { action: 'start' }, handlers, 'run-to-reject');
    const rejected = await run(manualDefinition, { action: 'reject', runId: 'run-to-reject' }, handlers);
    expect(rejected.outcome).toMatchObject({ status: 'Rejected', rejectedRunId: 'run-to-reject' });
    expect(world.calls).not.toContain('UpdateEndpoint');
    expect(await item(RUN_TABLE.LOCK)).toBeUndefined();
  });

  it('rollback: UpdateEndpoint back to the model promoted before', async () => {
    const current = world.addVersion('default', 'v0', { F1Score: 0.8 });
    const endpoint = world.addEndpoint('loop-endpoint', current);
    const handlers = await handlersWith();
    await run(autoDefinition, { action: 'start' }, handlers, 'run-before-rollback');
    const rolledBack = await run(autoDefinition, { action: 'rollback' }, handlers, 'rollback-1');
    expect(rolledBack.outcome).toMatchObject({ status: 'RolledBack', modelArn: current });
    expect(world.endpoints.get(endpoint)).toMatchObject({ ModelArn: current });
    expect(await item(RUN_TABLE.PROMOTED)).toMatchObject({ modelArn: { S: current } });
  });

  it('rollback with nothing promoted is a named failure', async () => {
    world.addEndpoint('loop-endpoint', world.addVersion('default', 'v0', { F1Score: 0.8 }));
    const failed = await failure(run(autoDefinition, { action: 'rollback' }, await handlersWith()));
    expect(failed.error).toBe('NothingToRollBackTo');
    expect(await item(RUN_TABLE.LOCK)).toBeUndefined();
  });

  it('one run per classifier: of two executions started together exactly one runs; a stale lock is taken over', async () => {
    world.addEndpoint('loop-endpoint', world.addVersion('default', 'v0', { F1Score: 0.8 }));
    const handlers = await handlersWith();
    const results = await Promise.allSettled([
      run(autoDefinition, { action: 'start' }, handlers, 'race-a'),
      run(autoDefinition, { action: 'start' }, handlers, 'race-b'),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatchObject({ error: 'RunInProgress' });
    expect(world.calls.filter((c) => c === 'CreateDocumentClassifier')).toHaveLength(1);

    // A lock left by an execution that timed out is taken over by the next run.
    await run(autoDefinition, {}, handlers).catch(() => undefined);
    const stale = `${SM.replace(':stateMachine:', ':execution:')}:timed-out`;
    world.executions.set(stale, 'TIMED_OUT');
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    await localDynamoDbClient(services.dynamodb.endpoint).send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          classifier: { S: 'default' },
          item: { S: 'LOCK' },
          runId: { S: 'timed-out' },
          executionArn: { S: stale },
          phase: { S: 'running' },
        },
      }),
    );
    world.calls.length = 0;
    const next = await run(autoDefinition, { action: 'start' }, handlers);
    expect(world.calls.slice(0, 4)).toEqual(['AcquireLock', 'ReadLock', 'DescribeLockHolder', 'TakeOverLock']);
    expect(next.outcome.status).toMatch(/Promoted|KeptCurrentModel|NotEnoughData/);
  });

  it('flywheel mode: ingests a dataset, runs an iteration, promotes with UpdateFlywheel and the endpoint follows', async () => {
    const active = world.addVersion('flywheel-model', 'v0', { F1Score: 0.7 });
    world.activeModel = active;
    const endpoint = world.addEndpoint('loop-endpoint', active);
    world.iteration = { trained: { AverageF1Score: 0.82 }, evaluated: { AverageF1Score: 0.74 } };
    const result = await run(
      flywheelDefinition,
      { action: 'start' },
      await handlersWith({ [CLASSIFIER_RETRAINING_ENV.MODE]: 'flywheel' }),
      'run-fly',
    );
    const trained = `arn:aws:comprehend:${RENDER_REGION}:${RENDER_ACCOUNT}:document-classifier/flywheel-model/version/iteration-1`;
    expect(result.outcome).toMatchObject({ status: 'Promoted', modelArn: trained });
    expect(world.calls).toEqual([
      'AcquireLock',
      'ReadEndpointParameter',
      'DescribeCurrentEndpoint',
      'ReadBaseline',
      'PrepareTrainingData',
      'CreateDataset',
      'DescribeDataset',
      'RecordIngestedDataset',
      'StartFlywheelIteration',
      'DescribeFlywheelIteration',
      'EvaluateCandidate',
      'UpdateFlywheel',
      'UpdateEndpoint',
      'DescribeDeployedEndpoint',
      'DescribeDeployedEndpoint',
      'RecordPromotion',
      'ReleaseLockPromoted',
      'NotifyPromoted',
    ]);
    expect(world.datasets[0]).toMatchObject({
      DatasetName: 'run-fly',
      DatasetType: 'TRAIN',
      InputDataConfig: {
        DataFormat: 'COMPREHEND_CSV',
        DocumentClassifierInputDataConfig: { S3Uri: `s3://${BUCKET}/retraining/run-fly/train.csv` },
      },
    });
    expect(world.activeModel).toBe(trained);
    expect(world.endpoints.get(endpoint)).toMatchObject({ ModelArn: trained });
    expect(world.endpoints.get(endpoint)!.FlywheelArn).toBeDefined();
    expect(await item(RUN_TABLE.INGESTED)).toMatchObject({ runId: { S: 'run-fly' } });
  });
});
