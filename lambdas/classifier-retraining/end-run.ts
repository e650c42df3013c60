import {
  ComprehendClient,
  DescribeDocumentClassifierCommand,
  StopTrainingDocumentClassifierCommand,
} from '@aws-sdk/client-comprehend';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { awsErrorName, RetryableError, ValidationError } from '../shared/errors';
import { defineEnv } from '../shared/env';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { RETRAINING_EVENT, RETRAINING_MODES, RUN_TABLE, RUN_END_ENV, RUN_END_METRICS } from './contract';
import {
  type RunEnd,
  type TrainingEnd,
  candidateVersionArn,
  mustStopTraining,
  parseRunEnd,
  runEndOutcome,
} from './core/run-end';

const logger = createLogger();
const metrics = createMetrics();
const comprehend = new ComprehendClient({});
const dynamodb = new DynamoDBClient({});
const eventBridge = new EventBridgeClient({});

const env = defineEnv({
  [RUN_END_ENV.RUN_TABLE]: z.string().min(3),
  [RUN_END_ENV.CLASSIFIER]: z.string().min(1),
  [RUN_END_ENV.MODE]: z.enum(RETRAINING_MODES),
  [RUN_END_ENV.COMPREHEND_CLASSIFIER_NAME]: z.string().min(1),
  [RUN_END_ENV.COMPREHEND_CLASSIFIER_ARN]: z.string().startsWith('arn:'),
});
type Config = ReturnType<typeof env>;

/** What the function did (also logged). */
export interface EndRunResult {
  readonly runId: string;
  readonly training: TrainingEnd;
  /** The execution still held the run lock: the event was sent and the lock released. */
  readonly lockReleased: boolean;
  readonly eventSent: boolean;
}

/** Stop the run's training job if it is still SUBMITTED or TRAINING. Describe/stop errors count and are rethrown. */
async function stopTraining(config: Config, end: RunEnd): Promise<TrainingEnd> {
  if (config[RUN_END_ENV.MODE] !== 'versions') return { action: 'not-applicable' };
  const versionArn = candidateVersionArn(config[RUN_END_ENV.COMPREHEND_CLASSIFIER_ARN], end.runId);
  if (!versionArn) return { action: 'never-started' };
  try {
    const described = await comprehend.send(
      new DescribeDocumentClassifierCommand({ DocumentClassifierArn: versionArn }),
    );
    const status = described.DocumentClassifierProperties?.Status ?? 'UNKNOWN';
    if (!mustStopTraining(status)) return { action: 'none', versionArn, status };
    await comprehend.send(new StopTrainingDocumentClassifierCommand({ DocumentClassifierArn: versionArn }));
    metrics.addMetric(RUN_END_METRICS.TRAINING_STOPPED, MetricUnit.Count, 1);
    logger.warn('Training stopped', { versionArn, statusBefore: status, executionStatus: end.status });
    return { action: 'stopped', versionArn, statusBefore: status };
  } catch (error) {
    // No version of this run: CreateDocumentClassifier never ran (refused, not enough data, approve, rollback, …).
    if (awsErrorName(error) === 'ResourceNotFoundException') return { action: 'never-started', versionArn };
    metrics.addMetric(RUN_END_METRICS.STOP_FAILURES, MetricUnit.Count, 1);
    throw error;
  }
}

/** The lock's holder, read consistently. */
async function lockHolder(config: Config): Promise<string | undefined> {
  const answer = await dynamodb.send(
    new GetItemCommand({
      TableName: config[RUN_END_ENV.RUN_TABLE],
      Key: {
        [RUN_TABLE.PARTITION_KEY]: { S: config[RUN_END_ENV.CLASSIFIER] },
        [RUN_TABLE.SORT_KEY]: { S: RUN_TABLE.LOCK },
      },
      ConsistentRead: true,
    }),
  );
  return answer.Item?.executionArn?.S;
}

/** Delete the lock if this execution still holds it (the same condition as the state machine's release). */
async function releaseLock(config: Config, executionArn: string): Promise<boolean> {
  try {
    await dynamodb.send(
      new DeleteItemCommand({
        TableName: config[RUN_END_ENV.RUN_TABLE],
        Key: {
          [RUN_TABLE.PARTITION_KEY]: { S: config[RUN_END_ENV.CLASSIFIER] },
          [RUN_TABLE.SORT_KEY]: { S: RUN_TABLE.LOCK },
        },
        ConditionExpression: 'executionArn = :me',
        ExpressionAttributeValues: { ':me': { S: executionArn } },
      }),
    );
    return true;
  } catch (error) {
    // Released meanwhile, or taken over by the next run: not ours to delete.
    if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

async function sendRunFinished(config: Config, end: RunEnd, training: TrainingEnd): Promise<void> {
  const answer = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: RETRAINING_EVENT.SOURCE,
          DetailType: RETRAINING_EVENT.DETAIL_TYPE,
          // The fields the state machine's own Notify states send (steps.ts), with this run's outcome.
          Detail: JSON.stringify({
            classifier: config[RUN_END_ENV.CLASSIFIER],
            mode: config[RUN_END_ENV.MODE],
            comprehendName: config[RUN_END_ENV.COMPREHEND_CLASSIFIER_NAME],
            runId: end.runId,
            executionArn: end.executionArn,
            input: end.input,
            outcome: runEndOutcome(end, training),
          }),
          Resources: [end.executionArn],
        },
      ],
    }),
  );
  if ((answer.FailedEntryCount ?? 0) > 0) {
    const entry = answer.Entries?.[0];
    throw new RetryableError(
      `Run event of ${end.runId} was not accepted: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  }
}

/**
 * EventBridge target of the rule on `Step Functions Execution Status Change` (FAILED, TIMED_OUT, ABORTED) of the
 * retraining state machine. A timed-out or aborted execution runs none of its own Catch branches, and an unexpected
 * failure may skip them, so this function finishes the run:
 *
 * 1. Versions mode: `DescribeDocumentClassifier` of the run's version; `StopTrainingDocumentClassifier` when it is
 *    SUBMITTED or TRAINING (a missing version means training never started).
 * 2. When the execution still holds the run lock (it did not reach its own failure tail, which notifies and releases):
 *    send `Retraining Run Finished` with outcome `Failed`, `TimedOut` or `Aborted`, then delete the lock with the
 *    condition `executionArn = <this execution>`.
 *
 * Idempotent: a re-delivered event finds the version stopping (`STOP_REQUESTED`) or stopped and the lock gone, and does
 * nothing. An event sent whose lock release then failed is sent again on the retry (at least once, never lost). Errors
 * are rethrown: the asynchronous invoke retries, then the event lands in the function's dead-letter queue.
 *
 * @throws ValidationError for an event that is not an execution status change (dead-lettered for a person to read).
 */
export const handler = async (event: unknown): Promise<EndRunResult> => {
  const config = env();
  const { end, problem } = parseRunEnd(event);
  if (!end) throw new ValidationError(`Not a retraining execution status change: ${problem}`);
  try {
    const training = await stopTraining(config, end);
    let lockReleased = false;
    let eventSent = false;
    if ((await lockHolder(config)) === end.executionArn) {
      await sendRunFinished(config, end, training);
      eventSent = true;
      lockReleased = await releaseLock(config, end.executionArn);
      if (lockReleased) metrics.addMetric(RUN_END_METRICS.LOCKS_RELEASED, MetricUnit.Count, 1);
    }
    const result = { runId: end.runId, training, lockReleased, eventSent };
    logger.info('Retraining execution ended abnormally', { ...result, status: end.status, error: end.error });
    return result;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
