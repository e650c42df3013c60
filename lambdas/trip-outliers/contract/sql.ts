import { type OutlierBounds, DURATION_HISTOGRAM, OUTLIER_REASONS } from './rules';
import { type DeclaredType, DEFAULT_TIME_ZONE, OUTLIER_REASON_COLUMN, RAW_COLUMNS, TRIP_COLUMNS } from './schema';

/**
 * The analysis as SQL, once, for two engines: DuckDB (embedded in the CLI) and Amazon Athena (engine version 3,
 * Trino). Every step is built here; the few places where the dialects differ go through {@link Dialect}:
 *
 * | what                         | DuckDB                                      | Athena (Trino)                                   |
 * |------------------------------|---------------------------------------------|--------------------------------------------------|
 * | percentile                   | `quantile_cont(x, p)` (exact)               | `approx_percentile(x, p)` (approximate)          |
 * | local time → epoch seconds   | `epoch(timezone(zone, ts))`                 | `to_unixtime(with_timezone(ts, zone))`           |
 * | epoch seconds → local time   | `timezone(zone, to_timestamp(s))`           | `CAST(from_unixtime(s, zone) AS timestamp)`      |
 * | local time as UTC → seconds  | `epoch(ts)`                                 | `to_unixtime(with_timezone(ts, 'UTC'))`          |
 * | a step's table               | normalize: `CREATE OR REPLACE TABLE t AS …` (memory); flag, clean: `CREATE OR REPLACE VIEW t AS …` | `CREATE TABLE t WITH (format = 'PARQUET', external_location = …) AS …` |
 * | export a table               | `COPY (…) TO 'file' (FORMAT parquet)`       | the CTAS location is the export                  |
 * | the raw relation             | a view over `read_parquet(…)` built from the file's own columns | the declared table `trips_raw` |
 * | a CTE read more than once    | `WITH t AS NOT MATERIALIZED (…)` (inlined)  | `WITH t AS (…)` (always inlined)                 |
 *
 * Everything else — `CAST`, `coalesce`, `count_if`, `CASE`, `floor`, `CAST(ts AS DATE)` — is spelled the same.
 */

/** The engines the analysis runs in. */
export const ENGINES = ['duckdb', 'athena'] as const;
/** An engine. */
export type Engine = (typeof ENGINES)[number];

/** The dialect differences of one engine. */
export interface Dialect {
  readonly engine: Engine;
  /** Percentile `fraction` (0–1) of a numeric expression; NULLs ignored; NULL for no rows. */
  percentile(expr: string, fraction: number): string;
  /** A local wall-clock TIMESTAMP in `zone` → seconds since 1970-01-01 UTC (DOUBLE). */
  localToEpoch(expr: string, zone: string): string;
  /** Seconds since 1970-01-01 UTC → the local wall-clock TIMESTAMP in `zone`. */
  epochToLocal(expr: string, zone: string): string;
  /** A TIMESTAMP read as if it were UTC → seconds (plain arithmetic, no time-zone rules). */
  naiveEpoch(expr: string): string;
  /**
   * Written between `AS` and `(` of a common table expression read more than once, so the engine inlines it instead
   * of materializing it: DuckDB materializes such a CTE by default (for normalize: every trip once more in memory),
   * Trino always inlines (and has no such keyword).
   */
  readonly inlineCte: string;
}

/** The dialect table. */
export const DIALECTS: Readonly<Record<Engine, Dialect>> = {
  duckdb: {
    engine: 'duckdb',
    percentile: (expr, fraction) => `quantile_cont(${expr}, ${fraction})`,
    localToEpoch: (expr, zone) => `epoch(timezone(${literal(zone)}, ${expr}))`,
    epochToLocal: (expr, zone) => `timezone(${literal(zone)}, to_timestamp(${expr}))`,
    naiveEpoch: (expr) => `epoch(${expr})`,
    inlineCte: 'NOT MATERIALIZED ',
  },
  athena: {
    engine: 'athena',
    percentile: (expr, fraction) => `approx_percentile(${expr}, ${fraction})`,
    localToEpoch: (expr, zone) => `to_unixtime(with_timezone(${expr}, ${literal(zone)}))`,
    epochToLocal: (expr, zone) => `CAST(from_unixtime(${expr}, ${literal(zone)}) AS timestamp)`,
    naiveEpoch: (expr) => `to_unixtime(with_timezone(${expr}, 'UTC'))`,
    inlineCte: '',
  },
};

/** The type of a column in `CAST` (Trino has no `string`, the DDL's word for `varchar`; DuckDB takes both). */
export function castType(type: DeclaredType): string {
  return type === 'string' ? 'VARCHAR' : type.toUpperCase();
}

/** A SQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A quoted identifier (both engines quote with double quotes). */
export function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const TRIP_NAMES = TRIP_COLUMNS.map((c) => c.name);
const list = (names: readonly string[]) => names.join(', ');

/** Options of the normalize step. */
export interface NormalizeOptions {
  /** The raw relation (`trips_raw`). */
  readonly from: string;
  /** A filter on the raw relation (Athena: the partition of one month), or none. */
  readonly where?: string;
  /** Zone of the local timestamps. @default America/New_York */
  readonly timeZone?: string;
}

/**
 * Normalize: one name and the widest type per column (coalescing the spellings), then the elapsed duration and the
 * speed. Durations are computed between instants, not wall-clock readings: a trip over the spring-forward change
 * lasts an hour less than its clock readings say, one over the fall-back change an hour more. A wall-clock time in
 * the repeated fall-back hour has two instants; of the readings of pick-up and drop-off, the one that gives the
 * shortest positive duration is taken (the same in both engines, whatever each engine's own choice for such a time),
 * and a trip that no reading makes positive keeps the longest reading.
 *
 * The zone rules are evaluated once per distinct local hour (a month has about 750), not per trip: a zone's offset
 * changes on the hour (true of America/New_York and of nearly every zone), so each trip's instant is its wall-clock
 * reading minus the offset of its hour, found by a join.
 */
export function normalizeSelect(dialect: Dialect, options: NormalizeOptions): string {
  const zone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const local = (epoch: string) => dialect.epochToLocal(epoch, zone);
  const typed = TRIP_COLUMNS.map((column) => {
    const sources = column.sources.map(identifier);
    const value = sources.length > 1 ? `coalesce(${list(sources)})` : sources[0];
    return `CAST(${value} AS ${castType(column.type)}) AS ${column.name}`;
  });
  const names = list(TRIP_NAMES);
  const typedNames = list(TRIP_NAMES.map((n) => `typed.${n}`));
  // Readings in ascending order: c1 ≤ c2 ≤ c3 ≤ c4.
  const c1 = 'dropoff_early - pickup_late';
  const c2 = 'least(dropoff_early - pickup_early, dropoff_late - pickup_late)';
  const c3 = 'greatest(dropoff_early - pickup_early, dropoff_late - pickup_late)';
  const c4 = 'dropoff_late - pickup_early';
  const naive = (column: string) => dialect.naiveEpoch(`typed.${column}`);
  return [
    `WITH typed AS ${dialect.inlineCte}(`,
    '  SELECT',
    typed.map((t) => `    ${t}`).join(',\n'),
    `  FROM ${options.from}${options.where ? `\n  WHERE ${options.where}` : ''}`,
    '),',
    // Each local hour: its earliest and latest instant (the same unless the hour repeats), as offsets from UTC.
    'hours AS (',
    '  SELECT hour, naive - early AS offset_early, naive - late AS offset_late',
    '  FROM (',
    `    SELECT hour, naive, early, CASE WHEN ${local('early + 3600')} = hour THEN early + 3600 ELSE early END AS late`,
    '    FROM (',
    `      SELECT hour, naive, CASE WHEN ${local('reading - 3600')} = hour THEN reading - 3600 ELSE reading END AS early`,
    '      FROM (',
    `        SELECT hour, ${dialect.naiveEpoch('hour')} AS naive, ${dialect.localToEpoch('hour', zone)} AS reading`,
    '        FROM (',
    "          SELECT date_trunc('hour', pickup_at) AS hour FROM typed",
    '          UNION',
    "          SELECT date_trunc('hour', dropoff_at) AS hour FROM typed",
    '        ) AS distinct_hours',
    '        WHERE hour IS NOT NULL',
    '      ) AS readings',
    '    ) AS earliest',
    '  ) AS latest',
    ')',
    `SELECT ${names}, duration_seconds,`,
    '  CASE WHEN duration_seconds > 0 THEN trip_distance * 3600 / duration_seconds END AS speed_mph',
    'FROM (',
    `  SELECT ${names},`,
    `    CASE WHEN ${c1} > 0 THEN ${c1} WHEN ${c2} > 0 THEN ${c2} WHEN ${c3} > 0 THEN ${c3} ELSE ${c4} END`,
    '      AS duration_seconds',
    '  FROM (',
    `    SELECT ${typedNames},`,
    `      ${naive('pickup_at')} - p.offset_early AS pickup_early,`,
    `      ${naive('pickup_at')} - p.offset_late AS pickup_late,`,
    `      ${naive('dropoff_at')} - d.offset_early AS dropoff_early,`,
    `      ${naive('dropoff_at')} - d.offset_late AS dropoff_late`,
    '    FROM typed',
    "    LEFT JOIN hours AS p ON p.hour = date_trunc('hour', typed.pickup_at)",
    "    LEFT JOIN hours AS d ON d.hour = date_trunc('hour', typed.dropoff_at)",
    '  ) AS instants',
    ') AS durations',
  ].join('\n');
}

/** The rule expression: the first reason that applies, NULL for a clean trip. */
export function outlierReasonExpression(bounds: OutlierBounds): string {
  const amounts = TRIP_COLUMNS.filter((c) => c.amount).map((c) => `${c.name} < 0`);
  const when: Record<(typeof OUTLIER_REASONS)[number], string> = {
    missing_timestamp: 'pickup_at IS NULL OR dropoff_at IS NULL',
    non_positive_duration: 'duration_seconds <= 0',
    duration_too_long: `duration_seconds > ${number(bounds.maxDurationSeconds)}`,
    speed_too_high: `speed_mph > ${number(bounds.maxSpeedMph)}`,
    negative_amount: amounts.join(' OR '),
  };
  return ['CASE', ...OUTLIER_REASONS.map((reason) => `    WHEN ${when[reason]} THEN ${literal(reason)}`), `  END`].join(
    '\n',
  );
}

/** Flag: every normalized trip with its `outlier_reason`. */
export function flagSelect(from: string, bounds: OutlierBounds): string {
  return [
    `SELECT ${list([...TRIP_NAMES, 'duration_seconds', 'speed_mph'])},`,
    `  ${outlierReasonExpression(bounds)} AS ${OUTLIER_REASON_COLUMN}`,
    `FROM ${from}`,
  ].join('\n');
}

/** Clean: the flagged trips without a reason. */
export function cleanSelect(from: string): string {
  return [
    `SELECT ${list([...TRIP_NAMES, 'duration_seconds', 'speed_mph'])}`,
    `FROM ${from}`,
    `WHERE ${OUTLIER_REASON_COLUMN} IS NULL`,
  ].join('\n');
}

/** Measures of the profile: for each column, its minimum, median, 99th percentile and maximum. */
export const PROFILE_MEASURES = ['duration_seconds', 'trip_distance', 'speed_mph', 'fare_amount'] as const;

/** Profile (one row): counts, missing values, the time range and percentiles of the measures, before cleaning. */
export function profileQuery(dialect: Dialect, from: string): string {
  const stats = PROFILE_MEASURES.flatMap((m) => [
    `min(${m}) AS ${m}_min`,
    `${dialect.percentile(m, 0.5)} AS ${m}_p50`,
    `${dialect.percentile(m, 0.99)} AS ${m}_p99`,
    `max(${m}) AS ${m}_max`,
  ]);
  return [
    'SELECT',
    [
      'count(*) AS trips',
      'count_if(pickup_at IS NULL OR dropoff_at IS NULL) AS missing_timestamps',
      'count_if(passenger_count IS NULL) AS missing_passenger_count',
      'count_if(trip_distance IS NULL) AS missing_trip_distance',
      'count_if(total_amount IS NULL) AS missing_total_amount',
      'min(pickup_at) AS first_pickup',
      'max(pickup_at) AS last_pickup',
      ...stats,
    ]
      .map((s) => `  ${s}`)
      .join(',\n'),
    `FROM ${from}`,
  ].join('\n');
}

/** Summary (one row): trips, trips kept, outliers per reason and the duration percentiles of the kept trips. */
export function summaryQuery(dialect: Dialect, from: string): string {
  const kept = `CASE WHEN ${OUTLIER_REASON_COLUMN} IS NULL THEN duration_seconds END`;
  return [
    'SELECT',
    [
      'count(*) AS trips',
      `count_if(${OUTLIER_REASON_COLUMN} IS NULL) AS cleaned_trips`,
      ...OUTLIER_REASONS.map((r) => `count_if(${OUTLIER_REASON_COLUMN} = ${literal(r)}) AS ${r}`),
      `${dialect.percentile(kept, 0.5)} AS cleaned_duration_p50`,
      `${dialect.percentile(kept, 0.99)} AS cleaned_duration_p99`,
      `max(${kept}) AS cleaned_duration_max`,
    ]
      .map((s) => `  ${s}`)
      .join(',\n'),
    `FROM ${from}`,
  ].join('\n');
}

/** Outliers per pick-up day and reason (NULL day: no pick-up time). */
export function outliersByDayQuery(from: string): string {
  return [
    `SELECT CAST(pickup_at AS DATE) AS day, ${OUTLIER_REASON_COLUMN} AS reason, count(*) AS trips`,
    `FROM ${from}`,
    `WHERE ${OUTLIER_REASON_COLUMN} IS NOT NULL`,
    'GROUP BY 1, 2',
    'ORDER BY 1, 2',
  ].join('\n');
}

/** Duration histogram before and after cleaning, in the bins of {@link DURATION_HISTOGRAM}. */
export function durationHistogramQuery(from: string): string {
  const { binSeconds, lastMinute } = DURATION_HISTOGRAM;
  return [
    'SELECT minute, count(*) AS before_cleaning, count_if(kept) AS after_cleaning',
    'FROM (',
    '  SELECT',
    '    CASE',
    '      WHEN duration_seconds < 0 THEN -1',
    `      WHEN duration_seconds >= ${lastMinute * binSeconds} THEN ${lastMinute}`,
    `      ELSE CAST(floor(duration_seconds / ${binSeconds}) AS BIGINT)`,
    '    END AS minute,',
    `    ${OUTLIER_REASON_COLUMN} IS NULL AS kept`,
    `  FROM ${from}`,
    '  WHERE duration_seconds IS NOT NULL',
    ') AS binned',
    'GROUP BY minute',
    'ORDER BY minute',
  ].join('\n');
}

/** The analysis steps, in order. */
export const STEPS = [
  'normalize',
  'profile',
  'flag',
  'clean',
  'summary',
  'outliers-by-day',
  'duration-histogram',
] as const;
/** A step. */
export type Step = (typeof STEPS)[number];
/** Steps that create a relation (Athena: a table each; DuckDB: normalize a table, flag and clean views). */
export const TABLE_STEPS = ['normalize', 'flag', 'clean'] as const satisfies readonly Step[];
/** Steps whose result rows make the report. */
export const RESULT_STEPS = [
  'profile',
  'summary',
  'outliers-by-day',
  'duration-histogram',
] as const satisfies readonly Step[];
/** A step that returns rows. */
export type ResultStep = (typeof RESULT_STEPS)[number];

/** Names of the relations one run reads and writes. */
export interface RelationNames {
  readonly raw: string;
  readonly normalized: string;
  readonly flagged: string;
  readonly cleaned: string;
}

/** Names of the relations in DuckDB, and the views that show Athena's latest run. */
export const LATEST = {
  raw: 'trips_raw',
  normalized: 'trips_normalized',
  flagged: 'trips_flagged',
  cleaned: 'trips_cleaned',
} as const satisfies RelationNames;

/** What a run needs to know. */
export interface PlanOptions {
  readonly bounds: OutlierBounds;
  /** @default America/New_York */
  readonly timeZone?: string;
  /** Filter on the raw relation (Athena: one month's partition). */
  readonly rawFilter?: string;
}

/** The `SELECT` of every step over the given relations (what a CTAS wraps, or a console user runs). */
export function stepSelects(dialect: Dialect, names: RelationNames, options: PlanOptions): Record<Step, string> {
  return {
    normalize: normalizeSelect(dialect, { from: names.raw, where: options.rawFilter, timeZone: options.timeZone }),
    profile: profileQuery(dialect, names.normalized),
    flag: flagSelect(names.normalized, options.bounds),
    clean: cleanSelect(names.flagged),
    summary: summaryQuery(dialect, names.flagged),
    'outliers-by-day': outliersByDayQuery(names.flagged),
    'duration-histogram': durationHistogramQuery(names.flagged),
  };
}

/** Which table each table step writes. */
export function stepTable(step: (typeof TABLE_STEPS)[number], names: RelationNames): string {
  return step === 'normalize' ? names.normalized : step === 'flag' ? names.flagged : names.cleaned;
}

/**
 * DuckDB: every step. Only normalize is materialized, as a table in memory (`CREATE OR REPLACE TABLE … AS`): it is the
 * step with the time-zone join and every later step reads it. Flag and clean are views over it (`CREATE OR REPLACE
 * VIEW … AS`): the rule expression is a few comparisons per row, cheaper to evaluate in each query that reads it than
 * to copy every trip into two more tables (which tripled the memory of a run: about 250 MB per million trips each,
 * and a third of its CPU time; docs/performance.md).
 */
export function duckdbPlan(options: PlanOptions): Record<Step, string> {
  const selects = stepSelects(DIALECTS.duckdb, LATEST, options);
  const create = (step: (typeof TABLE_STEPS)[number], kind: 'TABLE' | 'VIEW') =>
    `CREATE OR REPLACE ${kind} ${stepTable(step, LATEST)} AS\n${selects[step]}`;
  return {
    ...selects,
    normalize: create('normalize', 'TABLE'),
    flag: create('flag', 'VIEW'),
    clean: create('clean', 'VIEW'),
  };
}

/** DuckDB: write the rows of a query to a Parquet file. */
export function duckdbExport(query: string, path: string): string {
  return `COPY (${query}) TO ${literal(path)} (FORMAT parquet, COMPRESSION zstd)`;
}

/**
 * DuckDB: the raw relation over Parquet files, shaped like the Athena table — every raw column in its declared type,
 * NULL where the file has no such column. `present` maps a raw column name (lower case) to the file's own spelling.
 */
export function duckdbRawView(paths: readonly string[], present: ReadonlyMap<string, string>): string {
  const columns = RAW_COLUMNS.map((column) => {
    const actual = present.get(column.name);
    const value = actual === undefined ? 'NULL' : identifier(actual);
    return `  CAST(${value} AS ${castType(column.type)}) AS ${identifier(column.name)}`;
  });
  return [
    `CREATE OR REPLACE VIEW ${LATEST.raw} AS`,
    'SELECT',
    columns.join(',\n'),
    `FROM read_parquet([${paths.map(literal).join(', ')}], union_by_name = true)`,
  ].join('\n');
}

/** A finite number as a SQL literal. */
export function number(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
  return String(value);
}
