/** One record for Kinesis `PutRecords`. */
export interface StreamEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
}

/** Per-entry outcome of one `PutRecords` call, in request order: an error code, or undefined when stored. */
export type PutOutcome = (string | undefined)[];

/** The one call this module needs: send ≤ 500 entries, report each entry's error code (from `Records[i].ErrorCode`). */
export type PutRecordsPort = (entries: readonly StreamEntry[]) => Promise<PutOutcome>;

/** Limits of Kinesis `PutRecords`. */
export const PUT_RECORDS_LIMITS = {
  /** Records per call. */
  MAX_RECORDS: 500,
  /** Bytes per call (data plus partition keys). */
  MAX_BYTES: 5 * 1024 * 1024,
  /** Bytes per record (data plus partition key). */
  MAX_RECORD_BYTES: 1024 * 1024,
} as const;

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
  /** Entries still failing after the last attempt, with their last error code. */
  readonly failed: { entry: StreamEntry; errorCode: string }[];
}

function entryBytes(entry: StreamEntry): number {
  return entry.Data.byteLength + Buffer.byteLength(entry.PartitionKey, 'utf8');
}

/** Split entries into calls of at most 500 records and 5 MiB. */
export function chunkEntries(entries: readonly StreamEntry[]): StreamEntry[][] {
  const chunks: StreamEntry[][] = [];
  let current: StreamEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entryBytes(entry);
    if (size > PUT_RECORDS_LIMITS.MAX_RECORD_BYTES) {
      throw new RangeError(
        `a record of ${size} bytes exceeds the Kinesis limit of ${PUT_RECORDS_LIMITS.MAX_RECORD_BYTES} bytes`,
      );
    }
    if (current.length === PUT_RECORDS_LIMITS.MAX_RECORDS || bytes + size > PUT_RECORDS_LIMITS.MAX_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Send every entry with `PutRecords` (≤ 500 records and 5 MiB per call) and re-send the entries a call reports with
 * an `ErrorCode` (`FailedPutCount` > 0), up to `maxAttempts` calls per entry. Errors of a whole call (throttling after
 * the SDK's own retries, access denied) propagate. Entries that still fail are returned, not thrown: the caller
 * decides (the Lambda throws so the batch is retried; the CLI reports them).
 */
export async function putAllRecords(
  entries: readonly StreamEntry[],
  put: PutRecordsPort,
  options: PutAllOptions = {},
): Promise<PutAllResult> {
  const maxAttempts = options.maxAttempts ?? 3;
  let pending: StreamEntry[] = [...entries];
  let stored = 0;
  let calls = 0;
  let retried = 0;
  let lastErrors = new Map<StreamEntry, string>();
  for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt += 1) {
    if (attempt > 1) {
      retried += pending.length;
      await options.beforeRetry?.(attempt - 1, pending.length);
    }
    const failedNow: StreamEntry[] = [];
    lastErrors = new Map();
    for (const chunk of chunkEntries(pending)) {
      const outcome = await put(chunk);
      calls += 1;
      if (outcome.length !== chunk.length)
        throw new Error(`PutRecords answered ${outcome.length} results for ${chunk.length} records`);
      let storedHere = 0;
      chunk.forEach((entry, i) => {
        const errorCode = outcome[i];
        if (errorCode === undefined) {
          storedHere += 1;
        } else {
          failedNow.push(entry);
          lastErrors.set(entry, errorCode);
        }
      });
      stored += storedHere;
      options.onStored?.(storedHere);
    }
    pending = failedNow;
  }
  return {
    stored,
    calls,
    retried,
    failed: pending.map((entry) => ({ entry, errorCode: lastErrors.get(entry) ?? 'Unknown' })),
  };
}
