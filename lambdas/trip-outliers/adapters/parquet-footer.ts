import { type AsyncBuffer, parquetMetadataAsync, parquetSchema } from 'hyparquet';
import { ValidationError } from '../../shared/errors';
import { type ParquetFooter } from '../core/ingest';
import { fileColumns } from '../core/schema-check';

/** Defined beside the ingest port that reads it (`core/ingest.ts`); re-exported for the adapters. */
export type { ParquetFooter } from '../core/ingest';

/**
 * Read a Parquet file's footer (the last bytes of the file: its schema and row count) through any byte-range reader:
 * a local file, a ranged HTTP GET or a ranged S3 `GetObject`. Only the footer is read, never the data.
 * @throws ValidationError when the bytes are not a Parquet file (no `PAR1` magic, truncated footer).
 */
export async function readParquetFooter(buffer: AsyncBuffer, name: string): Promise<ParquetFooter> {
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new ValidationError(
      `${name} is not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const tree = parquetSchema(metadata);
  const columns = fileColumns(
    tree.children.map((child) => ({ ...child.element, num_children: child.children.length })),
  );
  return { columns, rows: Number(metadata.num_rows), bytes: buffer.byteLength };
}
