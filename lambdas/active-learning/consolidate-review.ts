import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defineEnv } from '../shared/env';
import { ValidationError, awsErrorName, describeError } from '../shared/errors';
import { MetricUnit, createLogger, createMetrics, flushMetrics } from '../shared/observability';
import { type ReviewCompletedDetail } from '../review/contract';
import { parseS3Uri } from '../shared/s3-keys';
import { ACTIVE_LEARNING_ENV, ACTIVE_LEARNING_METRICS, DATA_PREFIX } from './contract';
import { consolidate, parseReviewOutput, trainingCsvByClassifier, trainingDataKey } from './core/consolidate';

const env = defineEnv({ [ACTIVE_LEARNING_ENV.DATA_BUCKET]: z.string().min(1) });
const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});

/**
 * A review status event, from A2I (`aws.sagemaker`) or from the review portal: the same detail shape, in the
 * EventBridge envelope of the Powertools parser (`EventBridgeSchema`).
 */
const eventSchema = EventBridgeSchema.extend({
  detail: z.looseObject({
    humanLoopName: z.string().min(1),
    flowDefinitionArn: z.string(),
    humanLoopStatus: z.enum(['Completed', 'Failed', 'Stopped']),
    failureCode: z.string().optional(),
    failureReason: z.string().optional(),
    humanLoopOutput: z.object({ outputS3Uri: z.string() }).optional(),
  }),
});

/** Key of the report of a review. */
export const reviewReportKey = (humanLoopName: string) => `${DATA_PREFIX.REVIEW_REPORTS}${humanLoopName}.json`;

async function readJson(bucket: string, key: string): Promise<unknown> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await answer.Body?.transformToString('utf8');
  if (text === undefined) throw new Error(`Empty body for s3://${bucket}/${key}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError(`s3://${bucket}/${key} is not valid JSON`);
  }
}

async function putJson(bucket: string, key: string, value: unknown): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(value, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}

/** The stored input of a review batch, if the starter wrote one. */
async function batchItems(bucket: string, humanLoopName: string): Promise<unknown> {
  try {
    const batch = (await readJson(bucket, `${DATA_PREFIX.REVIEW_BATCHES}${humanLoopName}.json`)) as {
      input?: { items?: unknown };
    };
    return batch.input?.items;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
}

/**
 * A review finished (A2I "HumanLoop Status Change" or the portal's event; one code path for both):
 * - `Completed`: read `output.json` from `detail.humanLoopOutput.outputS3Uri`, pair answers with items by index,
 *   consolidate workers by majority vote and write Comprehend training CSV under
 *   `training-data/<classifier>/<yyyy>/<mm>/<dd>/<review>.csv` (deterministic key: a re-delivered event rewrites the
 *   same object); items without a majority, and answers that were not used (invalid labels, fields of no item), are
 *   listed in `review-reports/<review>.json` with the output's location (metrics `UnresolvedReviewItems`,
 *   `ReviewAnswersIgnored`). Outputs of the original active-learning sample are read too;
 * - `Failed` / `Stopped`: count `ReviewsFailed` (alarmed) and report the review's items in
 *   `review-reports/<review>.json`.
 */
export const handler = async (event: unknown): Promise<{ status: string; rows: number }> => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      'Not a review status event',
      parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`),
    );
  }
  const detail = parsed.data.detail as ReviewCompletedDetail;
  const bucket = env()[ACTIVE_LEARNING_ENV.DATA_BUCKET];
  const time = parsed.data.time ? new Date(parsed.data.time) : new Date();
  const context = { review: detail.humanLoopName, status: detail.humanLoopStatus, source: parsed.data.source };
  try {
    if (detail.humanLoopStatus !== 'Completed') {
      metrics.addMetric(ACTIVE_LEARNING_METRICS.REVIEWS_FAILED, MetricUnit.Count, 1);
      const items = await batchItems(bucket, detail.humanLoopName);
      await putJson(bucket, reviewReportKey(detail.humanLoopName), {
        review: detail.humanLoopName,
        status: detail.humanLoopStatus,
        failureCode: detail.failureCode,
        failureReason: detail.failureReason,
        flowDefinitionArn: detail.flowDefinitionArn,
        items: items ?? null,
      });
      logger.error('Review did not complete; its items are reported', {
        ...context,
        failureCode: detail.failureCode,
        failureReason: detail.failureReason,
        report: reviewReportKey(detail.humanLoopName),
      });
      return { status: detail.humanLoopStatus, rows: 0 };
    }
    const uri = detail.humanLoopOutput?.outputS3Uri;
    if (!uri) throw new ValidationError(`Completed review ${detail.humanLoopName} has no humanLoopOutput.outputS3Uri`);
    const location = parseS3Uri(uri);
    const consolidation = consolidate(parseReviewOutput(await readJson(location.bucket, location.key)));
    let rows = 0;
    for (const [classifier, csv] of trainingCsvByClassifier(consolidation)) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: trainingDataKey(classifier, detail.humanLoopName, time),
          Body: csv,
          ContentType: 'text/csv; charset=utf-8',
        }),
      );
      rows += csv.split('\n').length - 1;
    }
    const unresolved = consolidation.items.filter((i) => i.status !== 'resolved');
    const invalidAnswers = consolidation.items.reduce((n, i) => n + i.invalidAnswers, 0);
    const ignoredAnswers = invalidAnswers + consolidation.orphanAnswers;
    if (unresolved.length > 0)
      metrics.addMetric(ACTIVE_LEARNING_METRICS.UNRESOLVED_ITEMS, MetricUnit.Count, unresolved.length);
    if (ignoredAnswers > 0)
      metrics.addMetric(ACTIVE_LEARNING_METRICS.IGNORED_ANSWERS, MetricUnit.Count, ignoredAnswers);
    if (unresolved.length > 0 || ignoredAnswers > 0) {
      // Nothing a reviewer answered vanishes: the report names what was not used and where the answers are kept.
      await putJson(bucket, reviewReportKey(detail.humanLoopName), {
        review: detail.humanLoopName,
        status: 'Completed',
        output: uri,
        workers: consolidation.workers,
        unresolved: unresolved.map(({ item: _item, ...rest }) => rest),
        ignoredAnswers: {
          invalid: invalidAnswers,
          orphan: consolidation.orphanAnswers,
          note: 'invalid: a label outside the categories, or several labels for a multi-class item; orphan: an answer field whose index matches no item. The answers are in the output above.',
        },
      });
    }
    metrics.addMetric(ACTIVE_LEARNING_METRICS.REVIEWS_COMPLETED, MetricUnit.Count, 1);
    metrics.addMetric(ACTIVE_LEARNING_METRICS.TRAINING_ROWS, MetricUnit.Count, rows);
    logger.info('Review consolidated', {
      ...context,
      items: consolidation.items.length,
      rows,
      unresolved: unresolved.length,
      workers: consolidation.workers,
    });
    return { status: 'Completed', rows };
  } catch (error) {
    logger.error('Consolidation failed; the event will be retried', { ...context, error: describeError(error) });
    throw error;
  } finally {
    flushMetrics(metrics);
  }
};
