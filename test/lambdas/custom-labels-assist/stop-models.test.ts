import {
  DescribeProjectVersionsCommand,
  RekognitionClient,
  StopProjectVersionCommand,
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
import {
  CUSTOM_LABELS_ASSIST_ENV,
  MODEL_USAGE_PREFIX,
  MODEL_WATCH_PREFIX,
  runKeys,
} from '../../../lambdas/custom-labels-assist/contract';
import { type ModelUsage, type ModelWatch } from '../../../lambdas/custom-labels-assist/core/idle';
import { runIdOf } from '../../../lambdas/custom-labels-assist/core/run-id';
import { localS3Client, useLocalServices } from '../../helpers/local-services';

/**
 * The model watchdog (`StopModels`) with its files in s3rver and Rekognition and Step Functions mocked: the scheduled
 * check stops a model idle for maxIdleMinutes or left by an ended run and never one a live run uses; the execution
 * event stops the model an aborted run started, once, also when the event comes again.
 */
const services = useLocalServices('s3');
const BUCKET = 'assist-watchdog';
const PROJECT = 'arn:aws:rekognition:us-east-1:123456789012:project/roofs/1700000000000';
const version = (name: string) =>
  `arn:aws:rekognition:us-east-1:123456789012:project/roofs/version/${name}/1700000000001`;
const execution = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:Assist:${name}`;
const rekognition = mockClient(RekognitionClient);
const sfn = mockClient(SFNClient);
const s3 = () => localS3Client(services.s3.endpoint);

async function put(key: string, value: unknown): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(value) }));
}
async function keys(prefix: string): Promise<string[]> {
  const answer = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((o) => o.Key!);
}
async function json<T>(key: string): Promise<T> {
  const answer = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await answer.Body!.transformToString()) as T;
}
const usage = (name: string, model: string, startedByRun: boolean): ModelUsage => ({
  runId: runIdOf(execution(name)),
  executionArn: execution(name),
  modelVersionArn: version(model),
  startedByRun,
});
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const stopped = () => rekognition.commandCalls(StopProjectVersionCommand).map((c) => c.args[0].input.ProjectVersionArn);

async function handler(event: unknown): Promise<{ stopped: string[] }> {
  const { handler: run } = await import('../../../lambdas/custom-labels-assist/stop-models');
  return run(event);
}

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL_S3 = services.s3.endpoint;
  await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(() => {
  delete process.env.AWS_ENDPOINT_URL_S3;
  rekognition.restore();
  sfn.restore();
});

beforeEach(async () => {
  // One bucket (the function reads its environment once); each scenario starts with no records.
  for (const key of [...(await keys(MODEL_USAGE_PREFIX)), ...(await keys(MODEL_WATCH_PREFIX))]) {
    await s3().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  }
  Object.assign(process.env, {
    [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: BUCKET,
    [CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN]: PROJECT,
    [CUSTOM_LABELS_ASSIST_ENV.STATE_MACHINE_ARN]: 'arn:aws:states:us-east-1:123456789012:stateMachine:Assist',
    [CUSTOM_LABELS_ASSIST_ENV.MAX_IDLE_MINUTES]: '60',
    [CUSTOM_LABELS_ASSIST_ENV.CHECK_INTERVAL_MINUTES]: '15',
  });
  rekognition.reset();
  sfn.reset();
  rekognition.on(StopProjectVersionCommand).resolves({ Status: 'STOPPING' });
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
    status: input.executionArn.endsWith(':live') ? 'RUNNING' : 'ABORTED',
  }));
});

describe('the model watchdog (StopModels)', () => {
  it('scheduled: stops a model idle for maxIdleMinutes, keeps one a live run uses and one first seen just now', async () => {
    rekognition.on(DescribeProjectVersionsCommand).resolves({
      ProjectVersionDescriptions: [
        { ProjectVersionArn: version('idle'), Status: 'RUNNING', MinInferenceUnits: 2 },
        { ProjectVersionArn: version('used'), Status: 'RUNNING', MinInferenceUnits: 1 },
        { ProjectVersionArn: version('new'), Status: 'RUNNING', MinInferenceUnits: 1 },
        { ProjectVersionArn: version('off'), Status: 'STOPPED' },
      ],
    });
    const watch = (model: string): ModelWatch => ({
      modelVersionArn: version(model),
      firstSeenRunning: minutesAgo(90),
    });
    // Watch records of the two models seen running 90 minutes ago (their keys are the watchdog's own).
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    for (const key of await keys(MODEL_WATCH_PREFIX)) {
      const w = await json<ModelWatch>(key);
      if (w.modelVersionArn === version('idle') || w.modelVersionArn === version('used'))
        await put(key, watch(w.modelVersionArn.split('/')[3]!));
    }
    expect(stopped()).toEqual([]); // first sight: nothing is idle yet
    await put(runKeys(runIdOf(execution('live'))).usage, usage('live', 'used', false));
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    expect(result.stopped).toEqual([version('idle')]);
    expect(stopped()).toEqual([version('idle')]);
    // The live run's record stays; the watch of the stopped model is kept until it is seen stopped.
    expect(await keys(MODEL_USAGE_PREFIX)).toEqual([runKeys(runIdOf(execution('live'))).usage]);
  });

  it('scheduled: stops at once a model that an ended run started and left running, and drops the stale record', async () => {
    rekognition.on(DescribeProjectVersionsCommand).resolves({
      ProjectVersionDescriptions: [{ ProjectVersionArn: version('left'), Status: 'RUNNING', MinInferenceUnits: 1 }],
    });
    await put(runKeys(runIdOf(execution('aborted'))).usage, usage('aborted', 'left', true));
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    expect(result.stopped).toEqual([version('left')]);
    expect(await keys(MODEL_USAGE_PREFIX)).toEqual([]);
  });

  it('execution aborted: stops the model the run started, once, also when the event is delivered again', async () => {
    await put(runKeys(runIdOf(execution('aborted'))).usage, usage('aborted', 'v1', true));
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: execution('aborted'), status: 'ABORTED' },
    };
    await handler(event);
    await handler(event);
    expect(stopped()).toEqual([version('v1')]);
    expect(await keys(MODEL_USAGE_PREFIX)).toEqual([]);
  });

  it('execution aborted: leaves alone a model the run did not start, and one another live run uses', async () => {
    await put(runKeys(runIdOf(execution('borrowed'))).usage, usage('borrowed', 'v1', false));
    await put(runKeys(runIdOf(execution('aborted'))).usage, usage('aborted', 'v2', true));
    await put(runKeys(runIdOf(execution('live'))).usage, usage('live', 'v2', false));
    const ended = (name: string) => ({
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: execution(name), status: 'ABORTED' },
    });
    await handler(ended('borrowed'));
    await handler(ended('aborted'));
    expect(stopped()).toEqual([]);
    expect(await keys(MODEL_USAGE_PREFIX)).toEqual([runKeys(runIdOf(execution('live'))).usage]);
  });

  it('a model already stopping is a stop done; any other stop failure fails the invocation (retried, then dead-lettered)', async () => {
    await put(runKeys(runIdOf(execution('a'))).usage, usage('a', 'v1', true));
    rekognition
      .on(StopProjectVersionCommand)
      .rejects(Object.assign(new Error('busy'), { name: 'ResourceInUseException' }));
    await expect(
      handler({
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: execution('a'), status: 'TIMED_OUT' },
      }),
    ).resolves.toEqual({ stopped: [] });
    await put(runKeys(runIdOf(execution('b'))).usage, usage('b', 'v1', true));
    rekognition
      .on(StopProjectVersionCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(
      handler({
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: execution('b'), status: 'FAILED' },
      }),
    ).rejects.toThrow('denied');
    // The record stays, so the scheduled check stops the model later.
    expect(await keys(MODEL_USAGE_PREFIX)).toEqual([runKeys(runIdOf(execution('b'))).usage]);
  });
});
