import { BatchPutter, type BatchPutPort } from '../../shared/batch-put';
import { RetryableError, ValidationError } from '../../shared/errors';
import { LIMITS } from '../contract';

/**
 * The Firehose `PutRecordBatch` call, as a port: each record's error code in request order
 * (`RequestResponses[i].ErrorCode`), `undefined` for a record Firehose accepted.
 */
export type PutRecordBatch = BatchPutPort<Uint8Array>;

/** One record of a fan-out: its bytes and the caller's id for it (e.g. its index in the uploaded file). */
interface Entry {
  readonly id: number;
  readonly data: Uint8Array;
}

/** Options of {@link FirehoseFanOut}. */
export interface FanOutOptions {
  /** Calls per batch before giving up on entries that keep failing. @default 4 */
  readonly maxAttempts?: number;
  /** Wait before retry `n` (1-based): `baseDelayMs * 2^(n-1)`. @default 100 */
  readonly baseDelayMs?: number;
  /** Waits (injected: tests and benchmarks pass a no-op). */
  readonly delay?: (ms: number) => Promise<void>;
  /** @default 500 (the PutRecordBatch limit) */
  readonly maxRecords?: number;
  /** @default 4 MiB (the PutRecordBatch limit) */
  readonly maxBytes?: number;
  /**
   * Called after each call with the ids of the records it accepted, before anything else is sent: persist progress
   * here, so a retried invocation resends only what was not accepted. An error stops the fan-out.
   */
  readonly onAccepted?: (ids: readonly number[]) => Promise<void>;
}

/** Counters of a fan-out. */
export interface FanOutStats {
  records: number;
  bytes: number;
  calls: number;
  /** Records Firehose accepted. */
  accepted: number;
  /** Entries sent again after a partial failure. */
  retriedEntries: number;
}

const defaultDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Packs records into `PutRecordBatch` calls of at most 500 records and 4 MiB and re-sends only the entries a call
 * reports as failed (bounded attempts with a short exponential back-off, the documented Firehose practice), through
 * the shared batch-put engine. Memory holds one batch. After each call it reports the ids of the accepted records
 * ({@link FanOutOptions.onAccepted}). When entries still fail after the last attempt it throws
 * {@link RetryableError}, so the trigger's own retry (EventBridge, then the dead-letter queue) takes over.
 *
 * Limits: Amazon Data Firehose API Reference, `PutRecordBatch` (500 records, 4 MiB per call) and `Record` (1,000 KiB
 * of data per record, before base64 encoding).
 */
export class FirehoseFanOut {
  private readonly putter: BatchPutter<Entry>;
  private nextId = 0;

  constructor(put: PutRecordBatch, options: FanOutOptions = {}) {
    const baseDelayMs = options.baseDelayMs ?? 100;
    const delay = options.delay ?? defaultDelay;
    this.putter = new BatchPutter<Entry>((entries) => put(entries.map((e) => e.data)), {
      limits: {
        maxEntries: options.maxRecords ?? LIMITS.FIREHOSE_BATCH_RECORDS,
        maxBytes: options.maxBytes ?? LIMITS.FIREHOSE_BATCH_BYTES,
        maxEntryBytes: LIMITS.FIREHOSE_RECORD_BYTES,
      },
      sizeOf: (e) => e.data.byteLength,
      maxAttempts: options.maxAttempts ?? 4,
      beforeRetry: (round) => delay(baseDelayMs * 2 ** (round - 1)),
      onAccepted: options.onAccepted && ((accepted) => options.onAccepted!(accepted.map((e) => e.id))),
      onFailed: (failed) => {
        const codes = [...new Set(failed.map((f) => f.errorCode))];
        throw new RetryableError(
          `${failed.length} records were still rejected by Firehose after ${options.maxAttempts ?? 4} attempts (${codes.join(', ')})`,
        );
      },
    });
  }

  /** Counters so far. */
  public get stats(): FanOutStats {
    const s = this.putter.stats;
    return { records: s.entries, bytes: s.bytes, calls: s.calls, accepted: s.accepted, retriedEntries: s.retried };
  }

  /**
   * Queue one record (sent when its batch is full, or on {@link flush}).
   * @param id the caller's id of the record, reported back by `onAccepted` (default: 0, 1, 2, … in call order)
   * @throws ValidationError for a record over the Firehose record limit (never sent; the caller checks sizes first).
   */
  public async add(data: string | Uint8Array, id: number = this.nextId): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.byteLength > LIMITS.FIREHOSE_RECORD_BYTES) {
      throw new ValidationError(
        `A record of ${bytes.byteLength} bytes exceeds the Firehose record limit of ${LIMITS.FIREHOSE_RECORD_BYTES} bytes`,
      );
    }
    this.nextId = id + 1;
    await this.putter.add({ id, data: bytes });
  }

  /** Send what is queued. */
  public async flush(): Promise<void> {
    await this.putter.flush();
  }
}
