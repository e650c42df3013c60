/** `mlw trips schema`: read a Parquet footer (local, s3:// or http(s)://) and check it against the trip table. */
import { type Command } from 'commander';
import {
  type SchemaReport,
  checkSchema,
  describeSchemaProblems,
} from '../../../lambdas/trip-outliers/core/schema-check';
import { awsOptions, clientConfig, explainErrors } from '../../aws';

/** Read a Parquet footer from a local path, an `s3://` URI or an `http(s)://` URL and check it. */
export async function schemaOf(
  source: string,
  command: Command,
): Promise<{ report: SchemaReport; rows: number; columns: number }> {
  const { readParquetFooter } = await import('../../../lambdas/trip-outliers/adapters/parquet-footer');
  let footer;
  if (source.startsWith('s3://')) {
    const [{ S3Client }, { s3AsyncBuffer }, { parseS3Uri }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('../../../lambdas/trip-outliers/adapters/s3'),
      import('../../../lambdas/shared/s3-keys'),
    ]);
    const global = awsOptions(command);
    const s3 = explainErrors(
      new S3Client({ ...clientConfig(global), forcePathStyle: global.endpointUrl !== undefined }),
      global,
    );
    footer = await readParquetFooter(await s3AsyncBuffer(s3, parseS3Uri(source)), source);
  } else if (/^https?:\/\//.test(source)) {
    const { headSource, sourceFooter } = await import('../../../lambdas/trip-outliers/adapters/source');
    footer = await sourceFooter(await headSource(source));
  } else {
    const { asyncBufferFromFile } = await import('hyparquet');
    footer = await readParquetFooter(await asyncBufferFromFile(source), source);
  }
  return { report: checkSchema(footer.columns), rows: footer.rows, columns: footer.columns.length };
}

/** The schema check as `mlw trips schema` prints it: one line per column, then the verdict. */
export function schemaText(source: string, rows: number, report: SchemaReport): string {
  const status = (c: SchemaReport['columns'][number]) =>
    !c.rawColumn
      ? 'UNKNOWN: the table does not declare it'
      : report.retyped.some((r) => r.name === c.name)
        ? `RETYPED: the table reads ${c.declared}`
        : `→ ${c.rawColumn} ${c.declared}`;
  const width = Math.max(...report.columns.map((c) => c.name.length), 6);
  return [
    `${source}: ${rows} rows, ${report.columns.length} columns`,
    ...report.columns.map((c) => `  ${c.name.padEnd(width)}  ${c.parquetType.padEnd(26)} ${status(c)}`),
    report.missing.length > 0 ? `not in the file (read as NULL): ${report.missing.join(', ')}` : '',
    report.ok ? 'matches the trip table' : `does NOT match the trip table: ${describeSchemaProblems(report)}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}
