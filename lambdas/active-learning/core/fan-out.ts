import { RetryableError, ValidationError } from '../../shared/errors';
import { LIMITS } from '../contract';

/** One entry that a `PutRecordBatch` call did not accept. */
export interface FailedEntry {
  /** Index in the records passed to the call. */
  readonly index: number;
  readonly code?: string;
  readonly message?: string;
}

/** The Firehose `PutRecordBatch` call, as a port: returns the entries that failed (`RequestResponses[i].ErrorCode`). */
export type PutRecordBatch = (records: readonly Uint8Array[]) => Promise<readonly FailedEntry[]>;

/** Options of {@link FirehoseFanOut}. */
export interface FanOutOptions {
  /** Calls per batch before giving up on entries that keep failing. @default 4 */
  readonly maxAttempts?: number;
  /** Wait before retry `n` (0-based): `baseDelayMs * 2^n`. @default 100 */
  readonly baseDelayMs?: number;
  /** Waits (injected: tests and benchmarks pass a no-op). */
  readonly delay?: (ms: number) => Promise<void>;
  /** @default 500 (the PutRecordBatch limit) */
  readonly maxRecords?: number;
  /** @default 4 MiB (the PutRecordBatch limit) */
  readonly maxBytes?: number;
}

/** Counters of a fan-out. */
export interface FanOutStats {
  records: number;
  bytes: number;
  calls: number;
  /** Entries sent again after a partial failure. */
  retriedEntries: number;
}

const defaultDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Packs records into `PutRecordBatch` calls of at most 500 records and 4 MiB, and retries only the entries a call
 * reports as failed (bounded attempts with a short exponential back-off, the documented Firehose practice). Memory
 * holds one batch. When entries still fail after the last attempt it throws {@link RetryableError}, so the trigger's
 * own retry (EventBridge, then the dead-letter queue) takes over.
 */
export class FirehoseFanOut {
  public readonly stats: FanOutStats = { records: 0, bytes: 0, calls: 0, retriedEntries: 0 };
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(
    private readonly put: PutRecordBatch,
    options: FanOutOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.delay = options.delay ?? defaultDelay;
    this.maxRecords = options.maxRecords ?? LIMITS.FIREHOSE_BATCH_RECORDS;
    this.maxBytes = options.maxBytes ?? LIMITS.FIREHOSE_BATCH_BYTES;
  }

  /** Queue one record (sent when its batch is full, or on {@link flush}). */
  public async add(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length > LIMITS.FIREHOSE_RECORD_BYTES) {
      throw new ValidationError(
        `A record of ${bytes.length} bytes exceeds the Firehose record limit of ${LIMITS.FIREHOSE_RECORD_BYTES} bytes`,
      );
    }
    if (this.batch.length >= this.maxRecords || this.batchBytes + bytes.length > this.maxBytes) await this.flush();
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    this.stats.records += 1;
    this.stats.bytes += bytes.length;
  }

  /** Send what is queued. */
  public async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    await this.send(batch);
  }

  private async send(batch: Uint8Array[]): Promise<void> {
    let pending = batch;
    let codes: string[] = [];
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      if (attempt > 0) {
        this.stats.retriedEntries += pending.length;
        await this.delay(this.baseDelayMs * 2 ** (attempt - 1));
      }
      this.stats.calls += 1;
      const failed = await this.put(pending);
      if (failed.length === 0) return;
      codes = [...new Set(failed.map((f) => f.code ?? 'unknown'))];
      const current = pending;
      pending = failed.map((f) => {
        const entry = current[f.index];
        if (entry === undefined)
          throw new Error(`PutRecordBatch reported a failed entry ${f.index} outside the batch of ${current.length}`);
        return entry;
      });
    }
    throw new RetryableError(
      `${pending.length} records were still rejected by Firehose after ${this.maxAttempts} attempts (${codes.join(', ')})`,
    );
  }
}
