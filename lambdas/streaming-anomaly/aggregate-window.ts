import { parse } from '@aws-lambda-powertools/parser';
import { KinesisDataStreamRecord, KinesisDataStreamRecordPayload } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { defineEnv, envBool } from '../shared/env';
import { RetryableError, describeError } from '../shared/errors';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import {
  type AggregatedRow,
  CAMERA_DIMENSION,
  DEFAULT_MAX_STATE_BYTES,
  STREAMING_ANOMALY_ENV as ENV,
  STREAMING_ANOMALY_METRICS as METRICS,
} from './contract';
import { type PutRecordsPort, putAllRecords } from './core/put-records';
import { WindowAggregator, type WindowState, countPoints, parseCameraEvent, serializeRow } from './core/window';

const env = defineEnv({
  [ENV.PROCESSED_STREAM]: z.string().min(1),
  [ENV.WINDOW_SECONDS]: z.coerce.number().int().min(60).max(900),
  [ENV.PUBLISH_COUNT_METRICS]: envBool(),
  [ENV.MAX_STATE_BYTES]: z.coerce.number().int().min(10_000).max(1_000_000).default(DEFAULT_MAX_STATE_BYTES),
});
const logger = createLogger();
const metrics = createMetrics();
const countMetrics = createMetrics();
const kinesis = new KinesisClient({});

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

/** Write rows to the processed stream; a row that still fails after the retries fails the invocation (Lambda retries). */
async function emit(rows: readonly AggregatedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const entries = rows.map((row) => ({
    Data: Buffer.from(serializeRow(row), 'utf8'),
    PartitionKey: `${row.camera_id}|${row.window_start}`,
  }));
  const result = await putAllRecords(entries, putRows);
  if (result.failed.length > 0) {
    throw new RetryableError(
      `${result.failed.length} of ${rows.length} rows were not accepted by the processed stream (${[...new Set(result.failed.map((f) => f.errorCode))].join(', ')})`,
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
    countMetrics.publishStoredMetrics();
  }
}

/**
 * Tumbling-window aggregator on the input stream. Mid-window invocations add the batch's distinct track ids to the
 * state; the final invocation of a window writes one row per camera per event-time window to the processed stream and
 * publishes the counts. When the state would pass its bound, the largest cells are written early as partial rows (the
 * detector sums rows). A record that is not a camera event is skipped and logged (retrying cannot fix it); an
 * unexpected error on a record reports it as the first failed item, and Lambda retries from there.
 */
export const handler = async (event: unknown): Promise<TumblingWindowResponse> => {
  const config = env();
  const parsed = parse(event, undefined, TumblingWindowEventSchema);
  const aggregator = WindowAggregator.fromState(parsed.state, {
    windowSeconds: config[ENV.WINDOW_SECONDS],
    shardId: parsed.shardId,
  });
  const batchItemFailures: { itemIdentifier: string }[] = [];
  let invalid = 0;
  try {
    for (const record of parsed.Records) {
      try {
        const data = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
        const result = parseCameraEvent(data, Math.round(record.kinesis.approximateArrivalTimestamp * 1000));
        if (!result.ok) {
          invalid += 1;
          logger.warn('Skipped a record that is not a camera event', {
            sequenceNumber: record.kinesis.sequenceNumber,
            reason: result.reason,
          });
          continue;
        }
        for (const observation of result.observations) aggregator.add(observation);
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
    await emit(rows);
    if (config[ENV.PUBLISH_COUNT_METRICS]) publishCounts(rows);

    const stateBytes = final ? 0 : aggregator.stateBytes();
    metrics.addMetric(METRICS.EVENTS, MetricUnit.Count, aggregator.added);
    metrics.addMetric(METRICS.INVALID_EVENTS, MetricUnit.Count, invalid);
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
    metrics.publishStoredMetrics();
  }
};
