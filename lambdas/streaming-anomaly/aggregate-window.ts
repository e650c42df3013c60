import { parse } from '@aws-lambda-powertools/parser';
import { KinesisDataStreamRecord, KinesisDataStreamRecordPayload } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type DeadLetter, deadLetter, s3DeadLetterSink } from '../shared/dead-letter';
import { defineEnv, envBool } from '../shared/env';
import { RetryableError, describeError } from '../shared/errors';
import { createLogger, createMetrics, flushMetrics, MetricUnit } from '../shared/observability';
import {
  type AggregatedRow,
  CAMERA_DIMENSION,
  DEAD_LETTER_PREFIX,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_EVENT_AGE_SECONDS,
  DEFAULT_MAX_STATE_BYTES,
  STREAMING_ANOMALY_ENV as ENV,
  STREAMING_ANOMALY_METRICS as METRICS,
} from './contract';
import { CameraEventReader } from './core/camera-event';
import { rowPartitionKey, userRecordsOf } from './core/kinesis-records';
import {
  PUT_RECORDS_LIMITS,
  type PutRecordsPort,
  type StreamEntry,
  entryBytes,
  putAllRecords,
} from './core/put-records';
import { WindowAggregator, type WindowState, countPoints, serializeRow } from './core/window';

const env = defineEnv({
  [ENV.PROCESSED_STREAM]: z.string().min(1),
  [ENV.WINDOW_SECONDS]: z.coerce.number().int().min(60).max(900),
  [ENV.PUBLISH_COUNT_METRICS]: envBool(),
  [ENV.MAX_STATE_BYTES]: z.coerce.number().int().min(10_000).max(1_000_000).default(DEFAULT_MAX_STATE_BYTES),
  [ENV.DEAD_LETTER_BUCKET]: z.string().min(1),
  [ENV.MAX_EVENT_AGE_SECONDS]: z.coerce.number().int().min(60).default(DEFAULT_MAX_EVENT_AGE_SECONDS),
  [ENV.MAX_CLOCK_SKEW_SECONDS]: z.coerce.number().int().min(0).default(DEFAULT_MAX_CLOCK_SKEW_SECONDS),
});
const logger = createLogger();
const metrics = createMetrics();
const countMetrics = createMetrics();
const kinesis = new KinesisClient({});
const s3 = new S3Client({});

/**
 * A Kinesis tumbling-window event. Unlike the Powertools `KinesisDataStreamSchema` (which requires at least one
 * record), `Records` may be empty: the final invocation of a window often carries none. Record data stays base64 here
 * and is decoded per record, so one bad record cannot reject the whole batch.
 */
export const TumblingWindowEventSchema = z.object({
  Records: z.array(
    KinesisDataStreamRecord.extend({ kinesis: KinesisDataStreamRecordPayload.extend({ data: z.string() }) }),
  ),
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  state: z.record(z.string(), z.unknown()).nullish(),
  shardId: z.string().min(1),
  eventSourceARN: z.string(),
  isFinalInvokeForWindow: z.boolean(),
  isWindowTerminatedEarly: z.boolean().default(false),
});

/** The answer Lambda expects from a tumbling-window handler: the state to carry, and the records to retry. */
export interface TumblingWindowResponse {
  state: WindowState | Record<string, never>;
  batchItemFailures: { itemIdentifier: string }[];
}

const putRows: PutRecordsPort = async (entries) => {
  const answer = await kinesis.send(
    new PutRecordsCommand({
      StreamName: env()[ENV.PROCESSED_STREAM],
      Records: entries.map((e) => ({ Data: e.Data, PartitionKey: e.PartitionKey })),
    }),
  );
  return (answer.Records ?? []).map((r) => r.ErrorCode ?? undefined);
};

/**
 * The processed-stream entries of rows. A row whose partition key would pass 256 characters gets a digest key instead
 * (the row keeps its camera id); a row over the Kinesis record size can never be written and becomes a dead letter.
 */
function entriesOf(rows: readonly AggregatedRow[], deadLetters: DeadLetter[], shardId: string): StreamEntry[] {
  let hashed = 0;
  const entries: StreamEntry[] = [];
  for (const row of rows) {
    const entry = { Data: Buffer.from(serializeRow(row), 'utf8'), PartitionKey: rowPartitionKey(row) };
    if (entry.PartitionKey.startsWith('sha256:')) hashed += 1;
    if (entryBytes(entry) > PUT_RECORDS_LIMITS.MAX_RECORD_BYTES)
      deadLetters.push(
        deadLetter(entry.Data, 'aggregated row is larger than a Kinesis record may be (1 MiB with its partition key)', {
          shardId,
          partitionKey: entry.PartitionKey,
        }),
      );
    else entries.push(entry);
  }
  if (hashed > 0) metrics.addMetric(METRICS.HASHED_PARTITION_KEYS, MetricUnit.Count, hashed);
  return entries;
}

/** Write rows to the processed stream; a row that still fails after the retries fails the invocation (Lambda retries). */
async function emit(entries: readonly StreamEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const result = await putAllRecords(entries, putRows);
  if (result.failed.length > 0) {
    throw new RetryableError(
      `${result.failed.length} of ${entries.length} rows were not accepted by the processed stream (${[...new Set(result.failed.map((f) => f.errorCode))].join(', ')})`,
    );
  }
}

/** Per-camera and all-cameras counts as EMF metrics, timestamped at each window's start. */
function publishCounts(rows: readonly AggregatedRow[]): void {
  for (const point of countPoints(rows)) {
    countMetrics.setTimestamp(point.timestamp);
    if (point.cameraId !== undefined) countMetrics.addDimension(CAMERA_DIMENSION, point.cameraId);
    countMetrics.addMetric(METRICS.PERSONS, MetricUnit.Count, point.person);
    countMetrics.addMetric(METRICS.CARS, MetricUnit.Count, point.car);
    flushMetrics(countMetrics);
  }
}

/**
 * Tumbling-window aggregator on the input stream. Mid-window invocations add the batch's distinct track ids to the
 * state; the final invocation of a window writes one row per camera per event-time window to the processed stream and
 * publishes the counts. When the state would pass its bound, the largest cells are written early as partial rows (the
 * detector sums rows).
 *
 * KPL-aggregated records are de-aggregated (MD5 checked). A record that is not a usable camera event — not JSON, a
 * bad KPL checksum, an event time older than the stream's retention or too far ahead of its arrival, a camera id too
 * long for a metric dimension — is written, with its raw bytes, the reason and its shard and sequence number, to
 * `dead-letter/aggregator/` in the pipeline's bucket (metric `TrafficInvalidEvents`, alarmed), and its neighbours are
 * counted. If that write fails the invocation fails (nothing is dropped). An unexpected error on a record reports it
 * as the first failed item, and Lambda retries from there.
 */
export const handler = async (event: unknown): Promise<TumblingWindowResponse> => {
  const config = env();
  const parsed = parse(event, undefined, TumblingWindowEventSchema);
  const aggregator = WindowAggregator.fromState(parsed.state, {
    windowSeconds: config[ENV.WINDOW_SECONDS],
    shardId: parsed.shardId,
  });
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const deadLetters: DeadLetter[] = [];
  const reader = new CameraEventReader();
  const maxAgeMs = config[ENV.MAX_EVENT_AGE_SECONDS] * 1000;
  const maxSkewMs = config[ENV.MAX_CLOCK_SKEW_SECONDS] * 1000;
  let kplRecords = 0;
  try {
    for (const record of parsed.Records) {
      const source = { shardId: parsed.shardId, sequenceNumber: record.kinesis.sequenceNumber };
      try {
        const arrival = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
        const range = { min: arrival - maxAgeMs, max: arrival + maxSkewMs };
        const unpacked = userRecordsOf(record.kinesis);
        if (!unpacked.ok) {
          deadLetters.push(deadLetter(Buffer.from(record.kinesis.data, 'base64'), unpacked.reason, source));
          continue;
        }
        if (unpacked.aggregated) kplRecords += 1;
        for (const user of unpacked.records) {
          if (reader.read(user.data.toString('utf8'), arrival, range)) aggregator.addEvent(reader);
          else
            deadLetters.push(
              deadLetter(user.data, reader.reason, {
                ...source,
                ...(user.subSequenceNumber === undefined ? {} : { subSequenceNumber: user.subSequenceNumber }),
              }),
            );
        }
      } catch (error) {
        // Kinesis checkpoints at the first failed record: report it and stop; the state covers the records before it.
        logger.error('Record failed; Lambda will retry from it', {
          sequenceNumber: record.kinesis.sequenceNumber,
          error: describeError(error),
        });
        batchItemFailures.push({ itemIdentifier: record.kinesis.sequenceNumber });
        break;
      }
    }

    const final = parsed.isFinalInvokeForWindow && batchItemFailures.length === 0;
    const rows = final ? aggregator.rows() : aggregator.spill(config[ENV.MAX_STATE_BYTES]);
    const entries = entriesOf(rows, deadLetters, parsed.shardId);
    // Dead letters first: if this write fails, the invocation fails and Lambda retries the same batch and state (the
    // object's name is a digest of its records, so the retry overwrites it); rows are written only after it.
    await s3DeadLetterSink(s3, config[ENV.DEAD_LETTER_BUCKET], DEAD_LETTER_PREFIX.AGGREGATOR, logger).write(
      deadLetters,
      { shardId: parsed.shardId },
    );
    await emit(entries);
    if (config[ENV.PUBLISH_COUNT_METRICS]) publishCounts(rows);

    const stateBytes = final ? 0 : aggregator.stateBytes();
    metrics.addMetric(METRICS.EVENTS, MetricUnit.Count, aggregator.added);
    metrics.addMetric(METRICS.INVALID_EVENTS, MetricUnit.Count, deadLetters.length);
    if (kplRecords > 0) metrics.addMetric(METRICS.KPL_RECORDS, MetricUnit.Count, kplRecords);
    metrics.addMetric(final ? METRICS.ROWS : METRICS.SPILLED_ROWS, MetricUnit.Count, rows.length);
    metrics.addMetric(METRICS.STATE_BYTES, MetricUnit.Bytes, stateBytes);
    if (final) {
      logger.info('Window closed', {
        shardId: parsed.shardId,
        window: parsed.window,
        rows: rows.length,
        terminatedEarly: parsed.isWindowTerminatedEarly,
      });
      return { state: {}, batchItemFailures: [] };
    }
    if (rows.length > 0)
      logger.warn('State reached its bound: wrote partial rows early', { rows: rows.length, stateBytes });
    return { state: aggregator.toState(), batchItemFailures };
  } finally {
    flushMetrics(metrics);
  }
};
