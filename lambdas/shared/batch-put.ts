/**
 * One batch-put engine for the AWS batch write calls that answer per entry — Kinesis `PutRecords` and Firehose
 * `PutRecordBatch`: pack entries into calls within the service's limits, re-send only the entries a call reports with
 * an error code, and tell the caller after each call which entries were accepted (so progress can be persisted and a
 * retried invocation resends nothing that already arrived).
 */

/** The limits of one batch call. */
export interface BatchLimits {
  /** Entries per call. */
  readonly maxEntries: number;
  /** Bytes per call, as {@link BatchPutOptions.sizeOf} counts them. */
  readonly maxBytes: number;
  /** Bytes per entry; a larger entry is never sent and is reported with {@link RECORD_TOO_LARGE}. */
  readonly maxEntryBytes: number;
}

/** Error code of an entry over {@link BatchLimits.maxEntryBytes} (not sent). */
export const RECORD_TOO_LARGE = 'RecordTooLarge';

/**
 * The batch call, as a port: send the entries (within the limits), answer each entry's error code in request order
 * (`undefined` when accepted) — `Records[i].ErrorCode` of `PutRecords`, `RequestResponses[i].ErrorCode` of
 * `PutRecordBatch`. Errors of a whole call (throttling after the SDK's own retries, access denied) are thrown.
 */
export type BatchPutPort<Entry> = (entries: readonly Entry[]) => Promise<readonly (string | undefined)[]>;

/** Options of {@link putInBatches} and {@link BatchPutter}. */
export interface BatchPutOptions<Entry> {
  readonly limits: BatchLimits;
  /** Size of one entry as the service counts it (data, plus the partition key for Kinesis). */
  readonly sizeOf: (entry: Entry) => number;
  /**
   * Calls per entry at most (the first plus retries of entries reported with an error code).
   * @default 3
   */
  readonly maxAttempts?: number;
  /** Called before retry round `round` (1, 2, …) with the number of entries to re-send: wait here (back-off). */
  readonly beforeRetry?: (round: number, pending: number) => Promise<void>;
  /** Called after each call with the entries it accepted (persist progress here; an error stops the put). */
  readonly onAccepted?: (accepted: readonly Entry[]) => void | Promise<void>;
}

/** An entry that was not accepted, with its last error code. */
export interface FailedBatchEntry<Entry> {
  readonly entry: Entry;
  readonly errorCode: string;
}

/** What a batch put did. */
export interface BatchPutResult<Entry> {
  /** Entries accepted. */
  readonly accepted: number;
  /** Calls made. */
  readonly calls: number;
  /** Entry re-sends (an entry retried twice counts twice). */
  readonly retried: number;
  /** Entries still not accepted after the last attempt (or never sent: {@link RECORD_TOO_LARGE}). */
  readonly failed: readonly FailedBatchEntry<Entry>[];
}

/**
 * Split entries into calls within `limits`, in order. Entries over `maxEntryBytes` are left out and returned in
 * `oversized`: the service would refuse the whole call for them.
 */
export function chunkEntries<Entry>(
  entries: readonly Entry[],
  sizeOf: (entry: Entry) => number,
  limits: BatchLimits,
): { chunks: Entry[][]; oversized: Entry[] } {
  const chunks: Entry[][] = [];
  const oversized: Entry[] = [];
  let current: Entry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = sizeOf(entry);
    if (size > limits.maxEntryBytes) {
      oversized.push(entry);
      continue;
    }
    if (current.length === limits.maxEntries || bytes + size > limits.maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversized };
}

/**
 * Send every entry in calls within the limits and re-send the entries a call reports with an error code, up to
 * `maxAttempts` calls per entry. Entries that still fail are returned, not thrown: the caller decides (a Lambda throws
 * so its trigger retries, the CLI reports them).
 * @throws the error of a whole call, and anything `onAccepted` throws.
 */
export async function putInBatches<Entry>(
  entries: readonly Entry[],
  put: BatchPutPort<Entry>,
  options: BatchPutOptions<Entry>,
): Promise<BatchPutResult<Entry>> {
  const maxAttempts = options.maxAttempts ?? 3;
  const first = chunkEntries(entries, options.sizeOf, options.limits);
  const failed: FailedBatchEntry<Entry>[] = first.oversized.map((entry) => ({ entry, errorCode: RECORD_TOO_LARGE }));
  let chunks = first.chunks;
  let accepted = 0;
  let calls = 0;
  let retried = 0;
  let lastErrors = new Map<Entry, string>();
  for (let attempt = 1; attempt <= maxAttempts && chunks.length > 0; attempt += 1) {
    if (attempt > 1) {
      const pending = chunks.reduce((n, c) => n + c.length, 0);
      retried += pending;
      await options.beforeRetry?.(attempt - 1, pending);
    }
    const failedNow: Entry[] = [];
    lastErrors = new Map();
    for (const chunk of chunks) {
      const outcome = await put(chunk);
      calls += 1;
      if (outcome.length !== chunk.length)
        throw new Error(`The batch call answered ${outcome.length} results for ${chunk.length} entries`);
      const acceptedHere: Entry[] = [];
      chunk.forEach((entry, i) => {
        const errorCode = outcome[i];
        if (errorCode === undefined) acceptedHere.push(entry);
        else {
          failedNow.push(entry);
          lastErrors.set(entry, errorCode);
        }
      });
      accepted += acceptedHere.length;
      if (acceptedHere.length > 0) await options.onAccepted?.(acceptedHere);
    }
    chunks = chunkEntries(failedNow, options.sizeOf, options.limits).chunks;
  }
  for (const chunk of chunks)
    for (const entry of chunk) failed.push({ entry, errorCode: lastErrors.get(entry) ?? 'Unknown' });
  return { accepted, calls, retried, failed };
}

/**
 * {@link putInBatches} for entries that arrive one at a time (a streamed file): {@link add} queues an entry and sends
 * a full call's worth when the next entry would not fit; {@link flush} sends the rest. Memory holds one call's
 * entries. Counters accumulate over every send.
 */
export class BatchPutter<Entry> {
  public readonly stats = { entries: 0, bytes: 0, accepted: 0, calls: 0, retried: 0 };
  private queue: Entry[] = [];
  private queueBytes = 0;

  constructor(
    private readonly put: BatchPutPort<Entry>,
    private readonly options: BatchPutOptions<Entry> & {
      /** Called with the entries of a send that are still not accepted; throw to stop (the default throws). */
      readonly onFailed: (failed: readonly FailedBatchEntry<Entry>[]) => void | Promise<void>;
    },
  ) {}

  /** Queue one entry (a full call is sent first when this one would not fit in it). */
  public async add(entry: Entry): Promise<void> {
    const size = this.options.sizeOf(entry);
    const { maxEntries, maxBytes } = this.options.limits;
    if (this.queue.length >= maxEntries || this.queueBytes + size > maxBytes) await this.flush();
    this.queue.push(entry);
    this.queueBytes += size;
    this.stats.entries += 1;
    this.stats.bytes += size;
  }

  /** Send what is queued. */
  public async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queueBytes = 0;
    const result = await putInBatches(batch, this.put, this.options);
    this.stats.accepted += result.accepted;
    this.stats.calls += result.calls;
    this.stats.retried += result.retried;
    if (result.failed.length > 0) await this.options.onFailed(result.failed);
  }
}
