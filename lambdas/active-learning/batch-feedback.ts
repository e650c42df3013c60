import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defineEnv } from '../shared/env';
import { ConflictError, ValidationError, awsErrorName, describeError } from '../shared/errors';
import { MetricUnit, createLogger, createMetrics, flushMetrics } from '../shared/observability';
import { derivedKey } from '../shared/s3-keys';
import { ACTIVE_LEARNING_ENV, ACTIVE_LEARNING_METRICS, UPLOAD_PREFIX } from './contract';
import { batchFeedbackRecordChunks, checkBatchFile, errorReportLines, isMalformed } from './core/batch-file';
import { FirehoseFanOut, type PutRecordBatch } from './core/fan-out';
import { encodeRecord } from './core/records';
import { type ObjectRef, objectsOfEvent, versionOf } from './core/s3-events';
import { AcceptedRecords, parseProgress, progressDocument } from './core/upload-progress';

const env = defineEnv({ [ACTIVE_LEARNING_ENV.DELIVERY_STREAM]: z.string().min(1) });
const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
const firehose = new FirehoseClient({});

/** What happened to one uploaded file. */
export type UploadOutcome = 'sent' | 'partial' | 'rejected' | 'already-processed' | 'ignored';

/** Key of the error report of an upload (the upload key is hashed when the key would pass the S3 limit). */
export const errorReportKey = (key: string) => derivedKey(UPLOAD_PREFIX.ERRORS, key, '.errors.jsonl');
const versionSegment = (object: ObjectRef) => versionOf(object).replace(/[^A-Za-z0-9._-]/g, '_');
/** Key of the marker written once an upload version is fully processed. */
export const markerKey = (object: ObjectRef) =>
  derivedKey(UPLOAD_PREFIX.PROCESSED, object.key, `/${versionSegment(object)}.done`);
/**
 * Key of the progress object of an upload version: which sentences Firehose accepted so far, written after every
 * accepted `PutRecordBatch` call, so a retried invocation resumes after them.
 */
export const progressKey = (object: ObjectRef) =>
  derivedKey(UPLOAD_PREFIX.PROCESSED, object.key, `/${versionSegment(object)}.progress.json`);

/** The Firehose port of the fan-out: each record's `RequestResponses[i].ErrorCode`. */
export const putRecordBatch =
  (client: FirehoseClient, streamName: string): PutRecordBatch =>
  async (records) => {
    const answer = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: streamName, Records: records.map((Data) => ({ Data })) }),
    );
    if ((answer.FailedPutCount ?? 0) === 0) return records.map(() => undefined);
    const responses = answer.RequestResponses ?? [];
    if (responses.length !== records.length) return records.map(() => 'MissingResponse');
    return responses.map((r) => r.ErrorCode ?? undefined);
  };

/**
 * The progress of an upload version in S3, written with conditional writes (`If-None-Match: *` for the first write,
 * `If-Match: <ETag>` after): two invocations sending the same upload at once cannot both record progress; the loser
 * fails with ConflictError and its retry resumes from the winner's progress.
 */
class ProgressStore {
  private eTag: string | undefined;

  private constructor(
    private readonly bucket: string,
    private readonly key: string,
    public readonly accepted: AcceptedRecords,
    eTag: string | undefined,
  ) {
    this.eTag = eTag;
  }

  public static async open(bucket: string, key: string): Promise<ProgressStore> {
    try {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await answer.Body?.transformToString('utf8')) ?? '';
      return new ProgressStore(bucket, key, parseProgress(JSON.parse(text)), answer.ETag);
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') return new ProgressStore(bucket, key, new AcceptedRecords(), undefined);
      throw error;
    }
  }

  public async record(ids: readonly number[]): Promise<void> {
    this.accepted.add(ids);
    try {
      const answer = await s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: JSON.stringify(progressDocument(this.accepted, new Date())),
          ContentType: 'application/json',
          ...(this.eTag === undefined ? { IfNoneMatch: '*' } : { IfMatch: this.eTag }),
        }),
      );
      this.eTag = answer.ETag;
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict')
        throw new ConflictError(`Another invocation is sending s3://${this.bucket}/${this.key}`, { cause: error });
      throw error;
    }
  }
}

async function open(object: ObjectRef): Promise<Readable> {
  const answer = await s3.send(
    new GetObjectCommand({
      Bucket: object.bucket,
      Key: object.key,
      VersionId: object.versionId,
      // Without versioning, make sure both passes read the same content.
      IfMatch: object.versionId === undefined ? object.eTag : undefined,
    }),
  );
  if (!answer.Body) throw new Error(`Empty body for s3://${object.bucket}/${object.key}`);
  return answer.Body instanceof Readable
    ? answer.Body
    : Readable.from(answer.Body as unknown as AsyncIterable<Uint8Array>);
}

async function exists(bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw error;
  }
}

async function put(bucket: string, key: string, body: string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/**
 * Process one uploaded batch file (two streaming passes: validate, then send). Sentences Firehose accepted in an
 * earlier, failed invocation (the progress object) are not sent again.
 */
export async function processUpload(object: ObjectRef): Promise<UploadOutcome> {
  if (
    object.key.startsWith(UPLOAD_PREFIX.ERRORS) ||
    object.key.startsWith(UPLOAD_PREFIX.PROCESSED) ||
    !object.key.endsWith('.json')
  ) {
    logger.info('Not a batch-feedback upload; ignored', { key: object.key });
    return 'ignored';
  }
  const marker = markerKey(object);
  if (await exists(object.bucket, marker)) {
    logger.info('Upload already processed (re-delivered event)', { key: object.key, version: versionOf(object) });
    return 'already-processed';
  }
  const check = await checkBatchFile(await open(object));
  const report = async (sent: number) =>
    put(
      object.bucket,
      errorReportKey(object.key),
      errorReportLines({ ...object }, check, sent).join(''),
      'application/x-ndjson',
    );

  if (isMalformed(check) || check.classifier === undefined) {
    metrics.addMetric(ACTIVE_LEARNING_METRICS.MALFORMED_UPLOADS, MetricUnit.Count, 1);
    logger.error('Malformed batch-feedback upload: nothing sent, error report written', {
      key: object.key,
      problems: check.fileProblems,
      report: errorReportKey(object.key),
    });
    await report(0);
    await put(
      object.bucket,
      marker,
      JSON.stringify({ outcome: 'rejected', problems: check.fileProblems }),
      'application/json',
    );
    return 'rejected';
  }

  const idPrefix = createHash('sha256')
    .update(`${object.bucket}\n${object.key}\n${versionOf(object)}`)
    .digest('hex')
    .slice(0, 16);
  const timestamp = new Date().toISOString();
  const progress = await ProgressStore.open(object.bucket, progressKey(object));
  const resumedFrom = progress.accepted.size;
  const fanOut = new FirehoseFanOut(putRecordBatch(firehose, env()[ACTIVE_LEARNING_ENV.DELIVERY_STREAM]), {
    onAccepted: (ids) => progress.record(ids),
  });
  let sent = 0;
  let skipped = 0;
  for await (const records of batchFeedbackRecordChunks(await open(object), {
    classifier: check.classifier,
    idPrefix,
    timestamp,
  })) {
    for (const record of records) {
      if (progress.accepted.has(record.index)) skipped += 1;
      else await fanOut.add(encodeRecord(record.record), record.index);
    }
    sent += records.length;
  }
  await fanOut.flush();
  if (sent !== check.valid)
    throw new ValidationError(`Upload changed between passes: validated ${check.valid} sentences, sent ${sent}`);
  if (resumedFrom > 0)
    logger.info('Resumed an upload: sentences accepted by an earlier invocation were not sent again', {
      key: object.key,
      skipped,
    });
  metrics.addMetric(ACTIVE_LEARNING_METRICS.BATCH_RECORDS_SENT, MetricUnit.Count, sent - skipped);
  metrics.addMetric(ACTIVE_LEARNING_METRICS.FIREHOSE_CALLS, MetricUnit.Count, fanOut.stats.calls);
  if (check.rejectedCount > 0) {
    metrics.addMetric(ACTIVE_LEARNING_METRICS.BATCH_RECORDS_REJECTED, MetricUnit.Count, check.rejectedCount);
    logger.warn('Some sentences of the upload were rejected; error report written', {
      key: object.key,
      rejected: check.rejectedCount,
      sent,
    });
    await report(sent);
  }
  await put(
    object.bucket,
    marker,
    JSON.stringify({
      outcome: check.rejectedCount > 0 ? 'partial' : 'sent',
      sent,
      rejected: check.rejectedCount,
      calls: fanOut.stats.calls,
    }),
    'application/json',
  );
  logger.info('Batch feedback sent', {
    key: object.key,
    sent,
    rejected: check.rejectedCount,
    calls: fanOut.stats.calls,
    retried: fanOut.stats.retriedEntries,
  });
  return check.rejectedCount > 0 ? 'partial' : 'sent';
}

/**
 * S3 "Object Created" for `*.json` in the upload bucket (EventBridge, or an S3 notification with several records) →
 * every named upload is validated and its sentences sent to Firehose as explicit feedback (`source: "batch"`).
 * A malformed file is reported (log, metric, `errors/<key>.errors.jsonl`) and nothing of it is sent; rejected
 * sentences of an otherwise valid file are listed in the same report. A marker under `processed/` makes a
 * re-delivered event harmless. Failures of AWS calls propagate (after every object was tried), so EventBridge retries
 * and then dead-letters the event.
 */
export const handler = async (event: unknown): Promise<{ outcomes: Record<string, UploadOutcome> }> => {
  const objects = objectsOfEvent(event);
  if (objects === undefined)
    throw new ValidationError('Not an S3 "Object Created" event (EventBridge or S3 notification)');
  const outcomes: Record<string, UploadOutcome> = {};
  const failures: string[] = [];
  try {
    for (const object of objects) {
      try {
        outcomes[object.key] = await processUpload(object);
      } catch (error) {
        failures.push(`${object.key}: ${describeError(error)}`);
        logger.error('Upload failed; the event will be retried', { key: object.key, error: describeError(error) });
      }
    }
  } finally {
    flushMetrics(metrics);
  }
  if (failures.length > 0)
    throw new Error(`${failures.length} of ${objects.length} uploads failed: ${failures.join('; ')}`);
  return { outcomes };
};
