import { S3Client } from '@aws-sdk/client-s3';
import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { defineEnv } from '../shared/env';
import { RunStore } from './adapters/run-store';
import { CUSTOM_LABELS_ASSIST_ENV, CUSTOM_LABELS_ASSIST_METRICS, runIdOfTask, runKeys } from './contract';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
const env = defineEnv({ [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: z.string().min(3) });

/** The A2I-shaped completion detail (the portal's events carry the same shape). */
const detailSchema = z.looseObject({
  humanLoopName: z.string().min(1),
  flowDefinitionArn: z.string().min(1),
  humanLoopStatus: z.enum(['Completed', 'Failed', 'Stopped']),
  humanLoopOutput: z.object({ outputS3Uri: z.string() }).optional(),
  failureReason: z.string().optional(),
});

/** What a run records for each finished review (`runs/<run id>/reviews/<task id>.json`). */
export type RecordedReview = z.infer<typeof detailSchema> & { readonly recordedAt: string };

/**
 * EventBridge target: a review of one of the runs' tasks ended (rule: the review back end's completion events for task
 * ids `cla-…`). Records it in the run's folder, where the run's `CheckReviews` step counts it. Re-delivered events
 * overwrite the same record. An event whose task id names no run is an error: after its retries it lands in the
 * dead-letter queue (with an alarm), never dropped.
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const detail = detailSchema.parse(event.detail);
  const runId = runIdOfTask(detail.humanLoopName);
  if (!runId) throw new ValidationError(`Review ${detail.humanLoopName} is not a task of a Custom Labels assist run`);
  const record: RecordedReview = { ...detail, recordedAt: event.time };
  await new RunStore(s3, env()[CUSTOM_LABELS_ASSIST_ENV.BUCKET]).put(
    runKeys(runId).review(detail.humanLoopName),
    JSON.stringify(record),
  );
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.REVIEWS_RECORDED, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  logger.info('Review recorded', { runId, taskId: detail.humanLoopName, status: detail.humanLoopStatus });
};
