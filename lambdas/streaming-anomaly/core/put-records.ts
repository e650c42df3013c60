import { type BatchLimits, type FailedBatchEntry, putInBatches } from '../../shared/batch-put';

/** One record for Kinesis `PutRecords`. */
export interface StreamEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
}

/** Per-entry outcome of one `PutRecords` call, in request order: an error code, or undefined when stored. */
export type PutOutcome = (string | undefined)[];

/** The one call this module needs: send ≤ 500 entries, report each entry's error code (from `Records[i].ErrorCode`). */
export type PutRecordsPort = (entries: readonly StreamEntry[]) => Promise<PutOutcome>;

/**
 * Limits of Kinesis `PutRecords` (Kinesis Data Streams API Reference, `PutRecords` and `PutRecordsRequestEntry`):
 * 500 records and 5 MiB per call including partition keys; a record's data plus its partition key at most the
 * stream's maximum record size, 1 MiB unless the stream's `MaxRecordSizeInKiB` was raised (up to 10 MiB); a partition
 * key is 1–256 Unicode characters.
 */
export const PUT_RECORDS_LIMITS = {
  /** Records per call. */
  MAX_RECORDS: 500,
  /** Bytes per call (data plus partition keys). */
  MAX_BYTES: 5 * 1024 * 1024,
  /** Bytes per record (data plus partition key), at the default maximum record size. */
  MAX_RECORD_BYTES: 1024 * 1024,
  /** Characters of a partition key. */
  MAX_PARTITION_KEY_CHARS: 256,
} as const;

const LIMITS: BatchLimits = {
  maxEntries: PUT_RECORDS_LIMITS.MAX_RECORDS,
  maxBytes: PUT_RECORDS_LIMITS.MAX_BYTES,
  maxEntryBytes: PUT_RECORDS_LIMITS.MAX_RECORD_BYTES,
};

/** Size of an entry as Kinesis counts it: data plus the partition key's UTF-8 bytes. */
export function entryBytes(entry: StreamEntry): number {
  return entry.Data.byteLength + Buffer.byteLength(entry.PartitionKey, 'utf8');
}

/** Options of {@link putAllRecords}. */
export interface PutAllOptions {
  /**
   * Calls per entry at most (the first plus retries of entries reported with an error code).
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Called before each retry round with its number (1, 2, …) — the CLI waits here; a Lambda passes nothing and lets
   * the event source mapping own longer back-off.
   */
  readonly beforeRetry?: (round: number, failed: number) => Promise<void>;
  /** Called after each call with the number of entries stored by it. */
  readonly onStored?: (count: number) => void;
}

/** What {@link putAllRecords} did. */
export interface PutAllResult {
  /** Entries stored. */
  readonly stored: number;
  /** `PutRecords` calls made. */
  readonly calls: number;
  /** Entry re-sends (an entry retried twice counts twice). */
  readonly retried: number;
  /**
   * Entries not stored, with their last error code (`RecordTooLarge` for an entry over the record size, never sent).
   */
  readonly failed: readonly FailedBatchEntry<StreamEntry>[];
}

/**
 * Send every entry with `PutRecords` (≤ 500 records and 5 MiB per call) and re-send the entries a call reports with
 * an `ErrorCode` (`FailedPutCount` > 0), up to `maxAttempts` calls per entry, through the shared batch-put engine
 * (`lambdas/shared/batch-put.ts`). Errors of a whole call (throttling after the SDK's own retries, access denied)
 * propagate. Entries that still fail are returned, not thrown: the caller decides (the Lambda throws so the batch is
 * retried; the CLI reports them).
 */
export async function putAllRecords(
  entries: readonly StreamEntry[],
  put: PutRecordsPort,
  options: PutAllOptions = {},
): Promise<PutAllResult> {
  const result = await putInBatches(entries, put, {
    limits: LIMITS,
    sizeOf: entryBytes,
    maxAttempts: options.maxAttempts,
    beforeRetry: options.beforeRetry,
    onAccepted: options.onStored && ((accepted) => options.onStored?.(accepted.length)),
  });
  return { stored: result.accepted, calls: result.calls, retried: result.retried, failed: result.failed };
}
