import { DomainError } from '../../shared/errors';
import { type DeclaredType, type FileType, RAW_COLUMNS, READABLE_AS, TRIP_COLUMNS } from '../contract';

/** A Parquet leaf column as its footer describes it (the shape of a Parquet `SchemaElement`). */
export interface ParquetColumnType {
  /** Physical type: `INT32`, `INT64`, `INT96`, `FLOAT`, `DOUBLE`, `BYTE_ARRAY`, `FIXED_LEN_BYTE_ARRAY`, `BOOLEAN`. */
  readonly type?: string;
  /** Legacy converted type, e.g. `UTF8`, `TIMESTAMP_MICROS`. */
  readonly converted_type?: string;
  /** Logical type, e.g. `{type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: false}`. */
  readonly logical_type?: {
    readonly type: string;
    readonly unit?: string;
    readonly bitWidth?: number;
    readonly isSigned?: boolean;
  };
  /** Nested columns (a group) have children. */
  readonly num_children?: number;
}

/** A column of a file, classified. */
export interface FileColumn {
  /** Name as spelled in the file. */
  readonly name: string;
  /** Physical and logical type as the footer says, e.g. `INT64 TIMESTAMP(MICROS)`. */
  readonly parquetType: string;
  readonly fileType: FileType;
}

/** The result of checking one file against the raw table. */
export interface SchemaReport {
  /** No unknown, retyped or duplicate columns, and every required column present. */
  readonly ok: boolean;
  /** Every file column with the raw column it feeds (absent for unknown columns). */
  readonly columns: readonly (FileColumn & { readonly rawColumn?: string; readonly declared?: DeclaredType })[];
  /** File columns the table does not declare (Athena would never read them). */
  readonly unknown: readonly FileColumn[];
  /** File columns whose type the table cannot read as its declared type. */
  readonly retyped: readonly (FileColumn & { readonly declared: DeclaredType })[];
  /** Raw columns that two file columns map to (names that differ only by case). */
  readonly duplicates: readonly string[];
  /** Trip columns with no spelling in the file (read as NULL: columns added later, or dropped). */
  readonly missing: readonly string[];
  /** Required trip columns with no spelling in the file. */
  readonly missingRequired: readonly string[];
}

/**
 * Classify a Parquet column's physical and logical type into what it holds.
 * Source: Apache Parquet format, "Logical Types" (LogicalTypes.md).
 */
export function classifyParquetType(column: ParquetColumnType): FileType {
  if ((column.num_children ?? 0) > 0) return 'other';
  const logical = column.logical_type?.type;
  const converted = column.converted_type;
  switch (column.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
      if (logical === 'DATE' || converted === 'DATE') return 'date';
      if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'decimal';
      if (logical === 'TIME' || converted === 'TIME_MILLIS') return 'other';
      if (logical === 'INTEGER' && column.logical_type?.isSigned === false) return 'bigint';
      if (converted === 'UINT_32') return 'bigint';
      return 'int';
    case 'INT64':
      if (logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') {
        return 'timestamp';
      }
      if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'decimal';
      if (logical === 'TIME' || converted === 'TIME_MICROS') return 'other';
      if ((logical === 'INTEGER' && column.logical_type?.isSigned === false) || converted === 'UINT_64') return 'other';
      return 'bigint';
    case 'INT96':
      return 'timestamp';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'BYTE_ARRAY':
      if (logical === 'STRING' || logical === 'ENUM' || logical === 'JSON') return 'string';
      if (converted === 'UTF8' || converted === 'ENUM' || converted === 'JSON') return 'string';
      if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'decimal';
      return 'binary';
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'decimal';
      return logical === undefined && converted === undefined ? 'binary' : 'other';
    default:
      return 'other';
  }
}

/** `INT64 TIMESTAMP(MICROS)`, `BYTE_ARRAY STRING`, `DOUBLE`: the type as a person reads it. */
export function describeParquetType(column: ParquetColumnType): string {
  const physical = column.type ?? 'GROUP';
  const logical = column.logical_type;
  if (logical) {
    const detail =
      logical.type === 'TIMESTAMP' || logical.type === 'TIME'
        ? `(${logical.unit ?? '?'})`
        : logical.type === 'INTEGER'
          ? `(${logical.bitWidth ?? '?'}${logical.isSigned === false ? ', unsigned' : ''})`
          : '';
    return `${physical} ${logical.type}${detail}`;
  }
  return column.converted_type ? `${physical} ${column.converted_type}` : physical;
}

/** Classify a file's leaf columns. */
export function fileColumns(columns: readonly (ParquetColumnType & { readonly name: string })[]): FileColumn[] {
  return columns.map((column) => ({
    name: column.name,
    parquetType: describeParquetType(column),
    fileType: classifyParquetType(column),
  }));
}

const RAW_BY_NAME = new Map(RAW_COLUMNS.map((c) => [c.name, c]));

/**
 * Check a file's columns against the raw table: each file column must be a declared spelling (names compared
 * case-insensitively, as Athena does) of a type the table reads as its declared type (`READABLE_AS`).
 */
export function checkSchema(columns: readonly FileColumn[]): SchemaReport {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  const unknown: FileColumn[] = [];
  const retyped: (FileColumn & { declared: DeclaredType })[] = [];
  const checked: SchemaReport['columns'][number][] = [];
  for (const column of columns) {
    const lower = column.name.toLowerCase();
    const raw = RAW_BY_NAME.get(lower);
    if (!raw) {
      unknown.push(column);
      checked.push(column);
      continue;
    }
    if (seen.has(lower)) duplicates.push(`${seen.get(lower)} / ${column.name}`);
    seen.set(lower, column.name);
    if (!READABLE_AS[raw.type].includes(column.fileType)) retyped.push({ ...column, declared: raw.type });
    checked.push({ ...column, rawColumn: raw.name, declared: raw.type });
  }
  const missing = TRIP_COLUMNS.filter((t) => !t.sources.some((s) => seen.has(s))).map((t) => t.name);
  const missingRequired = missing.filter((name) => TRIP_COLUMNS.find((t) => t.name === name)?.required);
  return {
    ok: unknown.length === 0 && retyped.length === 0 && duplicates.length === 0 && missingRequired.length === 0,
    columns: checked,
    unknown,
    retyped,
    duplicates,
    missing,
    missingRequired,
  };
}

/** The problems of a report in one paragraph (empty when the report is ok). */
export function describeSchemaProblems(report: SchemaReport): string {
  const parts: string[] = [];
  if (report.unknown.length > 0) {
    parts.push(
      `${report.unknown.length} unknown column(s) the table does not declare: ${report.unknown
        .map((c) => `${c.name} (${c.parquetType})`)
        .join(', ')}`,
    );
  }
  if (report.retyped.length > 0) {
    parts.push(
      `${report.retyped.length} retyped column(s): ${report.retyped
        .map((c) => `${c.name} is ${c.parquetType}, the table reads ${c.declared}`)
        .join('; ')}`,
    );
  }
  if (report.duplicates.length > 0) {
    parts.push(`columns that differ only by case: ${report.duplicates.join(', ')}`);
  }
  if (report.missingRequired.length > 0) {
    parts.push(`required column(s) missing: ${report.missingRequired.join(', ')}`);
  }
  return parts.join('. ');
}

/** Lower-case raw column name → the file's own spelling, for the DuckDB raw view. */
export function presentRawColumns(report: SchemaReport): Map<string, string> {
  return new Map(report.columns.flatMap((c) => (c.rawColumn ? [[c.rawColumn, c.name] as const] : [])));
}

/**
 * A file whose columns the raw table cannot read as declared: unknown, retyped or duplicate columns, or a required
 * column missing. The message names every problem; `report` has the details.
 */
export class SchemaMismatchError extends DomainError {
  constructor(
    /** The file (path, URL or S3 URI). */
    public readonly file: string,
    public readonly report: SchemaReport,
  ) {
    super(`${file} does not match the trip table: ${describeSchemaProblems(report)}`);
  }
}
