import {
  type PlanOptions,
  type RelationNames,
  type Step,
  DIALECTS,
  LATEST,
  STEPS,
  type TABLE_STEPS,
  literal,
  stepSelects,
  stepTable,
} from './sql';
import { RAW_COLUMNS, RAW_PARTITION_KEYS } from './schema';

/**
 * The Athena side of the analysis: one run's CTAS, queries and views, and the declared raw table's properties.
 */

/** Options of an Athena run. */
export interface AthenaRunOptions extends Omit<PlanOptions, 'rawFilter'> {
  /** Run id: lower-case letters, digits and underscores (part of table names). */
  readonly runId: string;
  /** Partition of the month: `2024`, `01`. */
  readonly year: string;
  readonly month: string;
  /** `s3://bucket/prefix` under which each run's tables get their own location. */
  readonly tablesLocation: string;
}

/** One query of an Athena run. */
export interface PlannedQuery {
  readonly step: string;
  readonly queryString: string;
  /** Idempotency token of `StartQueryExecution` (32–128 characters): a retried start runs nothing twice. */
  readonly clientRequestToken: string;
}

/** Every query of an Athena run, and the views that then point at its tables. */
export interface AthenaRunPlan {
  readonly tables: RelationNames;
  /** Each table step's S3 location (CTAS refuses a location that holds objects). */
  readonly locations: Readonly<Record<(typeof TABLE_STEPS)[number], string>>;
  readonly queries: Readonly<Record<Step, PlannedQuery>>;
  /** `CREATE OR REPLACE VIEW` statements, run last so the views switch only after a complete run. */
  readonly views: readonly PlannedQuery[];
}

/** Run ids: what Glue and Athena accept in a table name. */
export const RUN_ID_PATTERN = /^[a-z0-9_]{1,64}$/;

/**
 * Athena: every step of one run. Each table step is a CTAS into a location of its own under `tablesLocation`; the
 * views `trips_normalized`, `trips_flagged` and `trips_cleaned` then switch to this run's tables.
 * @throws Error for a run id or partition that cannot be part of a table name or filter.
 */
export function athenaRunPlan(options: AthenaRunOptions): AthenaRunPlan {
  if (!RUN_ID_PATTERN.test(options.runId)) throw new Error(`Invalid run id ${JSON.stringify(options.runId)}`);
  if (!/^\d{4}$/.test(options.year) || !/^(0[1-9]|1[0-2])$/.test(options.month)) {
    throw new Error(`Invalid partition year=${options.year} month=${options.month}`);
  }
  const tables: RelationNames = {
    raw: LATEST.raw,
    normalized: `normalized_${options.runId}`,
    flagged: `flagged_${options.runId}`,
    cleaned: `cleaned_${options.runId}`,
  };
  const base = options.tablesLocation.replace(/\/+$/, '');
  const locations = {
    normalize: `${base}/normalized/${options.runId}/`,
    flag: `${base}/flagged/${options.runId}/`,
    clean: `${base}/cleaned/${options.runId}/`,
  };
  const [year, month] = RAW_PARTITION_KEYS;
  const selects = stepSelects(DIALECTS.athena, tables, {
    ...options,
    rawFilter: `${year} = ${literal(options.year)} AND ${month} = ${literal(options.month)}`,
  });
  const token = (step: string) => `trip-outliers-${options.runId}-${step}`.padEnd(32, '0');
  const planned = (step: string, queryString: string): PlannedQuery => ({
    step,
    queryString,
    clientRequestToken: token(step),
  });
  const ctas = (step: (typeof TABLE_STEPS)[number]) =>
    planned(
      step,
      [
        `CREATE TABLE ${stepTable(step, tables)}`,
        `WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = ${literal(locations[step])})`,
        'AS',
        selects[step],
      ].join('\n'),
    );
  const queries = Object.fromEntries(
    STEPS.map((step) => [
      step,
      step === 'normalize' || step === 'flag' || step === 'clean' ? ctas(step) : planned(step, selects[step]),
    ]),
  ) as Record<Step, PlannedQuery>;
  const views = (['normalized', 'flagged', 'cleaned'] as const).map((kind) =>
    planned(`view-${kind}`, `CREATE OR REPLACE VIEW ${LATEST[kind]} AS\nSELECT * FROM ${tables[kind]}`),
  );
  return { tables, locations, queries, views };
}

/**
 * Athena DDL equivalent of the declared raw table (the stack declares it as a `CfnTable`; this is for reading and for
 * accounts that manage tables by DDL).
 */
export function athenaRawTableDdl(location: string): string {
  const base = location.replace(/\/+$/, '');
  const [year, month] = RAW_PARTITION_KEYS;
  return [
    `CREATE EXTERNAL TABLE ${LATEST.raw} (`,
    RAW_COLUMNS.map((c) => `  ${c.name} ${c.type}`).join(',\n'),
    `)`,
    `PARTITIONED BY (${year} string, ${month} string)`,
    'STORED AS PARQUET',
    `LOCATION ${literal(`${base}/`)}`,
    'TBLPROPERTIES (',
    Object.entries(rawTableProperties(location))
      .map(([key, value]) => `  ${literal(key)} = ${literal(value)}`)
      .join(',\n'),
    ')',
  ].join('\n');
}

/**
 * Table properties of the raw table: Parquet, and partition projection over `year=YYYY/month=MM` so that no crawler
 * and no partition metadata are needed (Athena computes the partitions from these properties).
 */
export function rawTableProperties(location: string): Record<string, string> {
  const base = location.replace(/\/+$/, '');
  const [year, month] = RAW_PARTITION_KEYS;
  return {
    classification: 'parquet',
    'projection.enabled': 'true',
    [`projection.${year}.type`]: 'integer',
    [`projection.${year}.range`]: '2009,2099',
    [`projection.${month}.type`]: 'integer',
    [`projection.${month}.range`]: '1,12',
    [`projection.${month}.digits`]: '2',
    'storage.location.template': `${base}/${year}=\${${year}}/${month}=\${${month}}/`,
  };
}
