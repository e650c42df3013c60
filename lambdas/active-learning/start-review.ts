import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type DeadLetter, deadLetter, s3DeadLetterSink } from '../shared/dead-letter';
import { defineEnv, envBool, envInt, envList } from '../shared/env';
import { ValidationError, describeError } from '../shared/errors';
import { readJsonLines } from '../shared/jsonl';
import { MetricUnit, createLogger, createMetrics, flushMetrics } from '../shared/observability';
import * as z from '../shared/zod';
import { type ReviewBackend, type ReviewBatch } from '../review/contract';
import { createReviewBackend } from '../review/adapters';
import { openS3Object } from '../shared/s3';
import { ACTIVE_LEARNING_ENV, ACTIVE_LEARNING_METRICS, DATA_PREFIX, DEAD_LETTER_PREFIX } from './contract';
import { type FeedbackRecord, encodeRecord, parseFeedbackRecord } from './core/records';
import { planReviews } from './core/review-plan';
import { objectsOfEvent, versionOf } from './core/s3-events';

const env = defineEnv({
  [ACTIVE_LEARNING_ENV.DATA_BUCKET]: z.string().check(z.minLength(1)),
  [ACTIVE_LEARNING_ENV.CATEGORIES]: envList().check(z.refine((l: string[]) => l.length > 0, 'at least one category')),
  [ACTIVE_LEARNING_ENV.MULTI_LABEL]: z._default(envBool(), false),
  [ACTIVE_LEARNING_ENV.MAX_ITEMS_PER_REVIEW]: envInt(z.minimum(1), z.maximum(1000)),
});
const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
let backend: ReviewBackend | undefined;

/** Reviews started at once. */
const CONCURRENCY = 4;

/** Key of the stored input of a review batch. */
export const reviewBatchKey = (id: string) => `${DATA_PREFIX.REVIEW_BATCHES}${id}.json`;

/** Run `work` over `items` with at most `limit` in flight; every item is tried; the first error is rethrown at the end. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  });
  await Promise.all(lanes);
  if (errors.length > 0) throw errors[0];
}

/**
 * S3 "Object Created" for a Firehose feedback object (`feedback/…`) → group its records into reviews of at most N
 * items (exact duplicate utterances of a classifier dropped; one classifier per review) and hand each to the review
 * back end (A2I or the review portal, whichever `bindStarter` wired) under a deterministic id derived from bucket,
 * key, version and batch index. A re-delivered event starts nothing twice: the back end reports `already-exists`.
 * Each batch's input is stored under `review-batches/<id>.json` first, so a failed review can be reported with its
 * items. A record whose `recordId` came earlier in the object (re-sent by a producer) is dropped and counted. Lines
 * that are not feedback records, and records too large for a review, are kept under `dead-letter/feedback-records/`
 * in the data bucket with the reason and their object and line (metric `FeedbackRecordsDeadLettered`, alarmed); they
 * are never fatal. AWS failures propagate (EventBridge retries, then the dead-letter queue).
 */
export const handler = async (event: unknown): Promise<{ started: number; alreadyStarted: number; items: number }> => {
  const objects = objectsOfEvent(event);
  if (objects === undefined) throw new ValidationError('Not an S3 "Object Created" event');
  const config = env();
  backend ??= createReviewBackend();
  const reviews = backend;
  let started = 0;
  let alreadyStarted = 0;
  let items = 0;
  let deadLettered = 0;
  let redelivered = 0;
  try {
    for (const object of objects) {
      const opened = await openS3Object(s3, { bucket: object.bucket, key: object.key, versionId: object.versionId });
      const records: FeedbackRecord[] = [];
      const lines = new Map<FeedbackRecord, number>();
      const letters: DeadLetter[] = [];
      const version = opened.versionId ?? versionOf({ ...object, eTag: object.eTag ?? opened.eTag });
      const source = (line: number) => ({ bucket: object.bucket, key: object.key, version, line });
      for await (const line of readJsonLines(opened.body, {
        gunzip: object.key.endsWith('.gz') || opened.contentEncoding === 'gzip',
      })) {
        const parsed = line.ok ? parseFeedbackRecord(line.value) : { ok: false as const, reason: line.error };
        if (parsed.ok) {
          records.push(parsed.record);
          lines.set(parsed.record, line.lineNumber);
        } else letters.push(deadLetter(line.text, `not a feedback record: ${parsed.reason}`, source(line.lineNumber)));
      }
      const plan = planReviews(
        records,
        { bucket: object.bucket, key: object.key, version },
        {
          categories: config[ACTIVE_LEARNING_ENV.CATEGORIES],
          multiLabel: config[ACTIVE_LEARNING_ENV.MULTI_LABEL],
          maxItems: config[ACTIVE_LEARNING_ENV.MAX_ITEMS_PER_REVIEW],
        },
      );
      for (const record of plan.oversized)
        letters.push(
          deadLetter(
            encodeRecord(record),
            'record too large for a review (the review input limit, see LIMITS.REVIEW_INPUT_BYTES)',
            source(lines.get(record) ?? 0),
          ),
        );
      // Kept before any review starts: if this write fails, the event is retried and nothing was started yet.
      await s3DeadLetterSink(
        s3,
        config[ACTIVE_LEARNING_ENV.DATA_BUCKET],
        DEAD_LETTER_PREFIX.FEEDBACK_RECORDS,
        logger,
      ).write(letters, { key: object.key });
      deadLettered += letters.length;
      redelivered += plan.redelivered;
      await forEachLimited(plan.batches, CONCURRENCY, async (batch: ReviewBatch) => {
        await s3.send(
          new PutObjectCommand({
            Bucket: config[ACTIVE_LEARNING_ENV.DATA_BUCKET],
            Key: reviewBatchKey(batch.id),
            Body: JSON.stringify(batch),
            ContentType: 'application/json',
          }),
        );
        const result = await reviews.start(batch);
        if (result === 'started') started += 1;
        else alreadyStarted += 1;
        items += batch.input.items.length;
      });
      logger.info('Reviews planned and started', {
        key: object.key,
        records: records.length,
        setAside: letters.length,
        duplicates: plan.duplicates,
        redelivered: plan.redelivered,
        batches: plan.batches.length,
      });
    }
  } catch (error) {
    logger.error('Starting reviews failed; the event will be retried', { error: describeError(error) });
    throw error;
  } finally {
    metrics.addMetric(ACTIVE_LEARNING_METRICS.REVIEWS_STARTED, MetricUnit.Count, started);
    metrics.addMetric(ACTIVE_LEARNING_METRICS.REVIEWS_ALREADY_STARTED, MetricUnit.Count, alreadyStarted);
    metrics.addMetric(ACTIVE_LEARNING_METRICS.REVIEW_ITEMS, MetricUnit.Count, items);
    metrics.addMetric(ACTIVE_LEARNING_METRICS.DEAD_LETTERED_RECORDS, MetricUnit.Count, deadLettered);
    metrics.addMetric(ACTIVE_LEARNING_METRICS.REDELIVERED_RECORDS, MetricUnit.Count, redelivered);
    flushMetrics(metrics);
  }
  return { started, alreadyStarted, items };
};

/** Forget the memoized back end and environment (tests). */
export function resetForTests(): void {
  backend = undefined;
  env.reset();
}
