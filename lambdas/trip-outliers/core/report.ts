import {
  type Engine,
  type OutlierBounds,
  type OutlierReason,
  type ResultStep,
  OUTLIER_REASONS,
  PROFILE_MEASURES,
} from '../contract';

/** A result row as an engine returns it: DuckDB gives numbers and strings, Athena's CSV gives strings. */
export type ResultRow = Readonly<Record<string, unknown>>;

/** Minimum, median, 99th percentile and maximum of a measure. */
export interface MeasureStats {
  readonly min: number | null;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** The profile of the normalized trips (before cleaning). */
export interface TripProfile {
  readonly trips: number;
  readonly missingTimestamps: number;
  readonly missingPassengerCount: number;
  readonly missingTripDistance: number;
  readonly missingTotalAmount: number;
  /** Earliest and latest pick-up, local time `YYYY-MM-DD HH:MM:SS`. */
  readonly firstPickup: string | null;
  readonly lastPickup: string | null;
  /** `duration_seconds` (s), `trip_distance` (miles), `speed_mph` (mph), `fare_amount` (USD). */
  readonly measures: Readonly<Record<(typeof PROFILE_MEASURES)[number], MeasureStats>>;
}

/** What `mlw trips analyze --json` prints: trips, outliers per reason, trips kept, and the kept trips' durations. */
export interface TripSummary {
  readonly rows: number;
  readonly outliers: Readonly<Record<OutlierReason, number>>;
  readonly cleanedRows: number;
  /** Duration of the cleaned trips in seconds (percentiles are exact in DuckDB, approximate in Athena). */
  readonly durationSeconds: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
}

/** One bin of the duration histogram (`minute` -1: negative; the last bin: that many minutes or more). */
export interface HistogramBin {
  readonly minute: number;
  readonly beforeCleaning: number;
  readonly afterCleaning: number;
}

/** Outliers of one reason on one pick-up day (`day` null: no pick-up time). */
export interface OutliersOnDay {
  readonly day: string | null;
  readonly reason: OutlierReason;
  readonly trips: number;
}

/** Everything the report shows; the same shape from both engines (`report.json` beside `report.html`). */
export interface TripReport {
  /** The analyzed file(s) or month. */
  readonly source: string;
  readonly engine: Engine;
  /** ISO 8601. */
  readonly generatedAt: string;
  readonly month?: string;
  readonly runId?: string;
  readonly bounds: OutlierBounds;
  readonly timeZone: string;
  readonly profile: TripProfile;
  readonly summary: TripSummary;
  readonly histogram: readonly HistogramBin[];
  readonly outliersByDay: readonly OutliersOnDay[];
}

/** The result rows of every result step. */
export type StepRows = Readonly<Record<ResultStep, readonly ResultRow[]>>;

/** Thrown when result rows do not have the shape the queries produce (a truncated or foreign result file). */
export class ResultShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultShapeError';
  }
}

/** A number from a result cell: numbers, bigints and decimal strings; NULL (or Athena's empty CSV cell) is null. */
export function cellNumber(row: ResultRow, column: string): number | null {
  if (!(column in row)) throw new ResultShapeError(`Result has no column ${column}`);
  const value = row[column];
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'string') {
    throw new ResultShapeError(`Column ${column} holds ${typeof value}, not a number`);
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new ResultShapeError(`Column ${column} holds ${String(value)}, not a number`);
  return parsed;
}

/** A count: a whole number ≥ 0. */
export function cellCount(row: ResultRow, column: string): number {
  const value = cellNumber(row, column);
  if (value === null || !Number.isInteger(value) || value < 0) {
    throw new ResultShapeError(`Column ${column} holds ${String(row[column])}, not a count`);
  }
  return value;
}

/** A timestamp or date cell as `YYYY-MM-DD[ HH:MM:SS]` (DuckDB and Athena spell fractions differently). */
export function cellTime(row: ResultRow, column: string): string | null {
  if (!(column in row)) throw new ResultShapeError(`Result has no column ${column}`);
  const value = row[column];
  if (value === null || value === undefined || value === '') return null;
  if (!(value instanceof Date) && typeof value !== 'string') {
    throw new ResultShapeError(`Column ${column} holds ${typeof value}, not a date or timestamp`);
  }
  const text = value instanceof Date ? value.toISOString().replace('T', ' ') : value;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}))?/.exec(text);
  if (!match) throw new ResultShapeError(`Column ${column} holds ${text}, not a date or timestamp`);
  return match[2] ? `${match[1]} ${match[2]}` : match[1]!;
}

function only(rows: readonly ResultRow[], step: string): ResultRow {
  if (rows.length !== 1) throw new ResultShapeError(`The ${step} query returns one row; the result has ${rows.length}`);
  return rows[0]!;
}

function isReason(value: unknown): value is OutlierReason {
  return typeof value === 'string' && (OUTLIER_REASONS as readonly string[]).includes(value);
}

/** Seconds rounded to milliseconds (the precision of Athena's timestamps; percentiles carry float noise). */
function milliseconds(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1000) / 1000;
}

/** Build the summary from the `summary` step's row. */
export function summaryFromRow(row: ResultRow): TripSummary {
  const outliers = Object.fromEntries(OUTLIER_REASONS.map((r) => [r, cellCount(row, r)])) as Record<
    OutlierReason,
    number
  >;
  const rows = cellCount(row, 'trips');
  const cleanedRows = cellCount(row, 'cleaned_trips');
  const flagged = Object.values(outliers).reduce((a, b) => a + b, 0);
  if (flagged + cleanedRows !== rows) {
    throw new ResultShapeError(`Outliers (${flagged}) and cleaned trips (${cleanedRows}) do not add up to ${rows}`);
  }
  return {
    rows,
    outliers,
    cleanedRows,
    durationSeconds: {
      p50: milliseconds(cellNumber(row, 'cleaned_duration_p50')),
      p99: milliseconds(cellNumber(row, 'cleaned_duration_p99')),
      max: milliseconds(cellNumber(row, 'cleaned_duration_max')),
    },
  };
}

/** Build the profile from the `profile` step's row. */
export function profileFromRow(row: ResultRow): TripProfile {
  const measures = Object.fromEntries(
    PROFILE_MEASURES.map((m) => [
      m,
      {
        min: cellNumber(row, `${m}_min`),
        p50: cellNumber(row, `${m}_p50`),
        p99: cellNumber(row, `${m}_p99`),
        max: cellNumber(row, `${m}_max`),
      },
    ]),
  ) as TripProfile['measures'];
  return {
    trips: cellCount(row, 'trips'),
    missingTimestamps: cellCount(row, 'missing_timestamps'),
    missingPassengerCount: cellCount(row, 'missing_passenger_count'),
    missingTripDistance: cellCount(row, 'missing_trip_distance'),
    missingTotalAmount: cellCount(row, 'missing_total_amount'),
    firstPickup: cellTime(row, 'first_pickup'),
    lastPickup: cellTime(row, 'last_pickup'),
    measures,
  };
}

/** What {@link assembleReport} needs besides the rows. */
export interface ReportContext {
  readonly source: string;
  readonly engine: Engine;
  readonly generatedAt: string;
  readonly bounds: OutlierBounds;
  readonly timeZone: string;
  readonly month?: string;
  readonly runId?: string;
}

/**
 * Assemble the report from the result rows of the four result steps, checking that they agree (the summary and the
 * profile count the same trips; the histogram holds every trip with a duration).
 * @throws ResultShapeError when a row lacks a column, holds something else than the query produces, or the results
 *   disagree.
 */
export function assembleReport(context: ReportContext, rows: StepRows): TripReport {
  const profile = profileFromRow(only(rows.profile, 'profile'));
  const summary = summaryFromRow(only(rows.summary, 'summary'));
  if (profile.trips !== summary.rows) {
    throw new ResultShapeError(`The profile counts ${profile.trips} trips, the summary ${summary.rows}`);
  }
  const histogram = rows['duration-histogram'].map((row) => {
    const minute = cellNumber(row, 'minute');
    if (minute === null || !Number.isInteger(minute) || minute < -1) {
      throw new ResultShapeError(`Column minute holds ${String(row.minute)}, not a histogram bin`);
    }
    return {
      minute,
      beforeCleaning: cellCount(row, 'before_cleaning'),
      afterCleaning: cellCount(row, 'after_cleaning'),
    };
  });
  const binned = histogram.reduce((sum, bin) => sum + bin.beforeCleaning, 0);
  if (binned !== summary.rows - profile.missingTimestamps) {
    throw new ResultShapeError(
      `The duration histogram holds ${binned} trips; ${summary.rows - profile.missingTimestamps} have a duration`,
    );
  }
  const outliersByDay = rows['outliers-by-day'].map((row) => {
    if (!isReason(row.reason)) throw new ResultShapeError(`Unknown outlier reason ${String(row.reason)}`);
    return { day: cellTime(row, 'day'), reason: row.reason, trips: cellCount(row, 'trips') };
  });
  return {
    source: context.source,
    engine: context.engine,
    generatedAt: context.generatedAt,
    ...(context.month !== undefined ? { month: context.month } : {}),
    ...(context.runId !== undefined ? { runId: context.runId } : {}),
    bounds: context.bounds,
    timeZone: context.timeZone,
    profile,
    summary,
    histogram,
    outliersByDay,
  };
}
