import { createHash } from 'node:crypto';
import { deaggregateSync } from 'aws-kinesis-agg';
import { type AggregatedRow } from '../contract';
import { PUT_RECORDS_LIMITS } from './put-records';

/** Magic bytes that open a record aggregated by the Kinesis Producer Library (KPL aggregation format). */
export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** The part of a Lambda Kinesis record this module reads. */
export interface KinesisPayload {
  readonly data: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly approximateArrivalTimestamp: number;
  readonly kinesisSchemaVersion?: string;
}

/** One user record of a Kinesis record: the record itself, or one record packed in a KPL aggregate. */
export interface UserRecord {
  readonly data: Buffer;
  /** Position in the KPL aggregate (absent for a plain record). */
  readonly subSequenceNumber?: number;
}

/** The user records of a Kinesis record, or why it cannot be unpacked. */
export type Unpacked =
  | { readonly ok: true; readonly aggregated: boolean; readonly records: readonly UserRecord[] }
  | { readonly ok: false; readonly reason: string };

/**
 * The user records of one Kinesis record. Lambda does not de-aggregate KPL records: a record that starts with
 * {@link KPL_MAGIC} is unpacked with `aws-kinesis-agg` (protobuf `AggregatedRecord`, MD5 trailer checked); any other
 * record is its own single user record. A KPL record with a bad checksum or a protobuf that does not decode is refused
 * whole (no user record of it can be trusted).
 */
export function userRecordsOf(payload: KinesisPayload): Unpacked {
  const bytes = Buffer.from(payload.data, 'base64');
  if (bytes.length < KPL_MAGIC.length || !bytes.subarray(0, KPL_MAGIC.length).equals(KPL_MAGIC))
    return { ok: true, aggregated: false, records: [{ data: bytes }] };
  let failure: string | undefined;
  let unpacked: { data: string; subSequenceNumber?: number }[] = [];
  deaggregateSync(
    {
      kinesisSchemaVersion: payload.kinesisSchemaVersion ?? '1.0',
      partitionKey: payload.partitionKey,
      sequenceNumber: payload.sequenceNumber,
      data: payload.data,
      approximateArrivalTimestamp: payload.approximateArrivalTimestamp,
    },
    true,
    (error, records) => {
      if (error) failure ??= error.message;
      else unpacked = records ?? [];
    },
  );
  if (failure !== undefined) {
    return {
      ok: false,
      reason: `KPL-aggregated record cannot be unpacked: ${/checksum/i.test(failure) ? 'invalid MD5 checksum' : failure}`,
    };
  }
  return {
    ok: true,
    aggregated: true,
    records: unpacked.map((r) => ({ data: Buffer.from(r.data, 'base64'), subSequenceNumber: r.subSequenceNumber })),
  };
}

/**
 * Partition key of a row on the processed stream: `<camera_id>|<window_start>`, or — when that passes Kinesis's
 * 256-character limit ({@link PUT_RECORDS_LIMITS}) — `sha256:<first 32 hex of the camera id's digest>|<window_start>`.
 * The key only chooses a shard: the row itself keeps the full camera id.
 */
export function rowPartitionKey(row: Pick<AggregatedRow, 'camera_id' | 'window_start'>): string {
  const plain = `${row.camera_id}|${row.window_start}`;
  if (plain.length <= PUT_RECORDS_LIMITS.MAX_PARTITION_KEY_CHARS) return plain;
  return `sha256:${createHash('sha256').update(row.camera_id, 'utf8').digest('hex').slice(0, 32)}|${row.window_start}`;
}
