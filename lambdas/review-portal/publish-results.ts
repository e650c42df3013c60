import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { defineEnv } from '../shared/env';
import { RetryableError } from '../shared/errors';
import { createLogger, flushMetrics, MetricUnit } from '../shared/observability';
import { REVIEW_PORTAL_DETAIL_TYPE, REVIEW_PORTAL_EVENT_SOURCE } from '../review/contract';
import { formatS3Uri } from '../shared/s3-keys';
import { portalMetrics } from './adapters/metrics';
import { REVIEW_PORTAL_ENV as ENV, REVIEW_PORTAL_METRICS } from './contract';
import { buildOutput, completionDetail, outputKey } from './core/output';
import { type TaskRecord } from './core/task';

const env = defineEnv({
  [ENV.TASK_TABLE]: z.string().min(1),
  [ENV.OUTPUT_BUCKET]: z.string().min(1),
  [ENV.OUTPUT_PREFIX]: z.string().default(''),
  [ENV.PORTAL_NAME]: z.string().min(1),
  [ENV.PORTAL_ID]: z.string().min(1),
  [ENV.EVENT_BUS]: z.string().min(1).default('default'),
});
const logger = createLogger();
const s3 = new S3Client({});
const eventBridge = new EventBridgeClient({});
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** True when a stream record is the moment a task completed (OPEN → COMPLETED). */
export function isCompletion(record: z.infer<typeof DynamoDBStreamRecord>): boolean {
  const next = record.dynamodb.NewImage as { status?: string } | undefined;
  const previous = record.dynamodb.OldImage as { status?: string } | undefined;
  return record.eventName === 'MODIFY' && next?.status === 'COMPLETED' && previous?.status !== 'COMPLETED';
}

async function publish(raw: DynamoDBRecord): Promise<void> {
  const record = DynamoDBStreamRecord.parse(raw);
  if (!isCompletion(record)) return;
  const task = record.dynamodb.NewImage as unknown as TaskRecord;
  const config = env();
  const portalId = config[ENV.PORTAL_ID];
  const key = outputKey(
    config[ENV.OUTPUT_PREFIX],
    config[ENV.PORTAL_NAME],
    task.completedAt ?? new Date().toISOString(),
    task.taskId,
  );
  // The key depends only on the task: a re-delivered record overwrites the same object with the same content.
  await s3.send(
    new PutObjectCommand({
      Bucket: config[ENV.OUTPUT_BUCKET],
      Key: key,
      Body: JSON.stringify(buildOutput(task, portalId)),
      ContentType: 'application/json',
    }),
  );
  const detail = completionDetail(task, portalId, formatS3Uri({ bucket: config[ENV.OUTPUT_BUCKET], key }));
  const answer = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: REVIEW_PORTAL_EVENT_SOURCE,
          DetailType: REVIEW_PORTAL_DETAIL_TYPE,
          Detail: JSON.stringify(detail),
          EventBusName: config[ENV.EVENT_BUS],
          Resources: [portalId],
        },
      ],
    }),
  );
  if ((answer.FailedEntryCount ?? 0) > 0) {
    const entry = answer.Entries?.[0];
    throw new RetryableError(
      `Completion event for ${task.taskId} was not accepted: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  }
  portalMetrics(config[ENV.TASK_TABLE]).addMetric(REVIEW_PORTAL_METRICS.RESULTS_PUBLISHED, MetricUnit.Count, 1);
  logger.info('Result published', { taskId: task.taskId, key, answers: task.answeredBy.length });
}

/**
 * Task-table stream (filtered to completions) → write each completed task's `output.json` in the Amazon A2I shape and
 * publish its completion event (source `ml-workflows.review-portal`, A2I-shaped detail). Failed records are reported
 * as partial batch failures, so the mapping retries them (bisecting) and then sends them to its on-failure queue.
 */
export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  const metrics = portalMetrics(env()[ENV.TASK_TABLE]);
  try {
    return await processPartialResponse(event, publish, processor, { context });
  } finally {
    flushMetrics(metrics);
  }
};
