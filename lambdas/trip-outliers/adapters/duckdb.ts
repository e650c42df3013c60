import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile } from 'hyparquet';
import {
  type OutlierBounds,
  type ResultStep,
  type Step,
  DEFAULT_BOUNDS,
  DEFAULT_TIME_ZONE,
  LATEST,
  OUTLIER_REASON_COLUMN,
  STEPS,
  duckdbExport,
  duckdbPlan,
  duckdbRawView,
} from '../contract';
import { type ResultRow, type TripReport, assembleReport } from '../core/report';
import { type SchemaReport, SchemaMismatchError, checkSchema, presentRawColumns } from '../core/schema-check';
import { type ParquetFooter, readParquetFooter } from './parquet-footer';

/** Progress of a local analysis: the step running, its position, and DuckDB's estimate of the step's progress (0–1). */
export interface AnalysisProgress {
  readonly step: Step | 'export';
  readonly index: number;
  readonly total: number;
  readonly fraction: number;
}

/** Options of {@link analyzeLocally}. */
export interface LocalAnalysisOptions {
  /** Parquet files of trips (one month or several, read as one table). */
  readonly files: readonly string[];
  /** What the report calls the input. @default the file names */
  readonly source?: string;
  /** @default one day, 100 mph */
  readonly bounds?: OutlierBounds;
  /** @default America/New_York */
  readonly timeZone?: string;
  /** Also write `cleaned.parquet` and `outliers.parquet` (every column plus `outlier_reason`) into this folder. */
  readonly exportDir?: string;
  /** Called as the steps run (about ten times a second during a step). */
  readonly onProgress?: (progress: AnalysisProgress) => void;
  /** @default the current time */
  readonly now?: () => Date;
}

/** A file checked against the trip table. */
export interface CheckedFile {
  readonly file: string;
  readonly footer: ParquetFooter;
  readonly report: SchemaReport;
}

/** The outcome of a local analysis. */
export interface LocalAnalysis {
  readonly report: TripReport;
  readonly files: readonly CheckedFile[];
  /** Files written by `exportDir`. */
  readonly exported: readonly string[];
}

/** Read each file's footer and check its columns against the trip table (no data is read). */
export async function checkLocalFiles(files: readonly string[]): Promise<CheckedFile[]> {
  return Promise.all(
    files.map(async (file) => {
      const footer = await readParquetFooter(await asyncBufferFromFile(file), file);
      return { file, footer, report: checkSchema(footer.columns) };
    }),
  );
}

/**
 * The whole analysis in embedded DuckDB, in memory: check the files' schemas (failing early, as the ingest step does
 * on AWS), build the raw view shaped like the Athena table, then run every step of the shared SQL in order.
 * @throws SchemaMismatchError for the first file the table cannot read as declared.
 */
export async function analyzeLocally(options: LocalAnalysisOptions): Promise<LocalAnalysis> {
  if (options.files.length === 0) throw new Error('No input files');
  const checked = await checkLocalFiles(options.files);
  const rejected = checked.find((c) => !c.report.ok);
  if (rejected) throw new SchemaMismatchError(rejected.file, rejected.report);
  const present = new Map<string, string>();
  for (const c of checked) for (const [raw, actual] of presentRawColumns(c.report)) present.set(raw, actual);

  const bounds = options.bounds ?? DEFAULT_BOUNDS;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const plan = duckdbPlan({ bounds, timeZone });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const exported: string[] = [];
  try {
    // Timestamps stored as instants (isAdjustedToUTC) are shown in UTC, whatever the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run('SET enable_progress_bar = true');
    await connection.run('SET enable_progress_bar_print = false');
    await connection.run(duckdbRawView(options.files, present));
    const total = STEPS.length + (options.exportDir ? 1 : 0);
    const rows: Partial<Record<ResultStep, ResultRow[]>> = {};
    for (const [index, step] of STEPS.entries()) {
      const answer = await runWithProgress(connection, plan[step], (fraction) =>
        options.onProgress?.({ step, index, total, fraction }),
      );
      if (step !== 'normalize' && step !== 'flag' && step !== 'clean') rows[step] = answer;
    }
    if (options.exportDir) {
      const cleaned = join(options.exportDir, 'cleaned.parquet');
      const outliers = join(options.exportDir, 'outliers.parquet');
      const progress = (fraction: number) =>
        options.onProgress?.({ step: 'export', index: STEPS.length, total, fraction });
      await runWithProgress(connection, duckdbExport(`SELECT * FROM ${LATEST.cleaned}`, cleaned), progress);
      await runWithProgress(
        connection,
        duckdbExport(`SELECT * FROM ${LATEST.flagged} WHERE ${OUTLIER_REASON_COLUMN} IS NOT NULL`, outliers),
        progress,
      );
      exported.push(cleaned, outliers);
    }
    const report = assembleReport(
      {
        source: options.source ?? options.files.join(', '),
        engine: 'duckdb',
        generatedAt: (options.now?.() ?? new Date()).toISOString(),
        bounds,
        timeZone,
      },
      {
        profile: rows.profile ?? [],
        summary: rows.summary ?? [],
        'outliers-by-day': rows['outliers-by-day'] ?? [],
        'duration-histogram': rows['duration-histogram'] ?? [],
      },
    );
    return { report, files: checked, exported };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Run one statement, reporting DuckDB's progress estimate while it runs, and return its rows as JSON-friendly values
 * (BIGINT as decimal strings, timestamps as text).
 */
export async function runWithProgress(
  connection: DuckDBConnection,
  sql: string,
  onProgress?: (fraction: number) => void,
): Promise<ResultRow[]> {
  const timer = onProgress
    ? setInterval(() => {
        const { percentage } = connection.progress;
        if (percentage >= 0) onProgress(Math.min(1, percentage / 100));
      }, 100)
    : undefined;
  try {
    const reader = await connection.runAndReadAll(sql);
    onProgress?.(1);
    return reader.getRowObjectsJson();
  } finally {
    if (timer) clearInterval(timer);
  }
}
