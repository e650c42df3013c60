import { RetryableError, ValidationError } from '../../shared/errors';
import { type FileColumn, type SchemaReport, SchemaMismatchError, checkSchema } from './schema-check';

/** What a `HEAD` of a published file says. */
export interface SourceHead {
  readonly url: string;
  /** `Content-Length`. */
  readonly bytes: number;
  /** `ETag`, when the server sends one (CloudFront does). */
  readonly etag?: string;
}

/** What a Parquet footer says about a file. */
export interface ParquetFooter {
  /** Top-level columns, classified. */
  readonly columns: readonly FileColumn[];
  /** Rows in the file. */
  readonly rows: number;
  /** Size of the file in bytes. */
  readonly bytes: number;
}

/** A copy of the file the store already holds. */
export interface StoredCopy {
  readonly bytes: number;
  /** The source ETag recorded when it was copied. */
  readonly etag?: string;
}

/** What ingesting needs from the world: the source (HTTP) and the store (S3, or a local folder for the CLI). */
export interface IngestPorts {
  head(url: string): Promise<SourceHead>;
  footer(head: SourceHead): Promise<ParquetFooter>;
  /** The copy the store holds, if any. */
  stored(): Promise<StoredCopy | undefined>;
  /** Copy the file into the store, streaming; returns the bytes written. */
  store(head: SourceHead): Promise<number>;
}

/** The outcome of ingesting one file. */
export interface IngestResult {
  readonly url: string;
  readonly bytes: number;
  readonly rows: number;
  /** False when the store already held the same file (same size and ETag): nothing was copied. */
  readonly copied: boolean;
  readonly schema: SchemaReport;
}

/**
 * Ingest one published file: read its size and Parquet footer first and check the columns against the trip table —
 * an unknown or retyped column fails here, before a byte is copied — then stream the file into the store unless the
 * store holds the same file already (a re-run copies nothing).
 *
 * @param maxBytes the largest file the store takes in one write (5 GiB for one S3 `PutObject`)
 * @throws SchemaMismatchError naming every unknown, retyped or missing column; ValidationError for a file over
 *   `maxBytes`; RetryableError when the copy is shorter than the source said.
 */
export async function ingestFile(url: string, ports: IngestPorts, maxBytes: number): Promise<IngestResult> {
  const head = await ports.head(url);
  if (head.bytes > maxBytes) {
    throw new ValidationError(`${url} has ${head.bytes} bytes; at most ${maxBytes} can be stored in one write`);
  }
  const footer = await ports.footer(head);
  const schema = checkSchema(footer.columns);
  if (!schema.ok) throw new SchemaMismatchError(url, schema);
  const stored = await ports.stored();
  const same =
    stored !== undefined &&
    stored.bytes === head.bytes &&
    (head.etag === undefined || stored.etag === undefined || stored.etag === head.etag);
  if (same) return { url, bytes: head.bytes, rows: footer.rows, copied: false, schema };
  const written = await ports.store(head);
  if (written !== head.bytes) {
    throw new RetryableError(`Copied ${written} of ${head.bytes} bytes of ${url}: the transfer was cut short`);
  }
  return { url, bytes: written, rows: footer.rows, copied: true, schema };
}
