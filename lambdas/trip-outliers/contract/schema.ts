/**
 * The trip table: every column of the NYC TLC yellow-taxi trip records, the spellings it has had in the Parquet files
 * over the years, and the widest type that holds every year's values. The CDK table (`CfnTable`), the DuckDB raw view,
 * the normalize query and the ingest schema check are all generated from this one list.
 *
 * Source: TLC "Data Dictionary – Yellow Taxi Trip Records" and the Parquet files themselves (docs/trip-outliers.md,
 * "Schema drift").
 */

/** Types the raw table declares (Athena DDL spelling; the same words work in `CAST` in Athena and DuckDB). */
export type DeclaredType = 'bigint' | 'double' | 'string' | 'timestamp';

/** One column of the normalized trip table. */
export interface TripColumn {
  /** Name after normalization (lower snake case). */
  readonly name: string;
  /** The widest type over every year of files. */
  readonly type: DeclaredType;
  /**
   * Spellings in the files, preferred first, in lower case. Athena folds column names to lower case and matches
   * Parquet columns case-insensitively, so `airport_fee` also reads a file's `Airport_fee`; spellings that differ by
   * more than case are separate raw columns that the normalize query coalesces.
   */
  readonly sources: readonly string[];
  /** What the column holds (TLC data dictionary). */
  readonly description: string;
  /** How the column drifted between years, for the guide. */
  readonly drift?: string;
  /** A money amount: a negative value makes the trip an outlier (`negative_amount`). */
  readonly amount?: boolean;
  /** Without this column no trip can be judged: a file that lacks every spelling of it is rejected. */
  readonly required?: boolean;
}

/** The trip columns in the order of the normalized table. */
export const TRIP_COLUMNS: readonly TripColumn[] = [
  {
    name: 'vendor_id',
    type: 'bigint',
    sources: ['vendorid', 'vendor_id'],
    description: 'Technology provider that sent the record (1, 2, 6, 7)',
    drift: 'INT64 until 2022, INT32 from 2023; vendor_id in the 2010-era exports',
  },
  {
    name: 'pickup_at',
    type: 'timestamp',
    sources: ['tpep_pickup_datetime', 'pickup_datetime'],
    description: 'Local New York time the meter was engaged',
    drift: 'microseconds or nanoseconds by year; pickup_datetime in the 2010-era exports',
    required: true,
  },
  {
    name: 'dropoff_at',
    type: 'timestamp',
    sources: ['tpep_dropoff_datetime', 'dropoff_datetime'],
    description: 'Local New York time the meter was disengaged',
    drift: 'as pickup_at',
    required: true,
  },
  {
    name: 'passenger_count',
    type: 'double',
    sources: ['passenger_count'],
    description: 'Passengers, entered by the driver',
    drift: 'DOUBLE until 2022, INT64 from 2023',
  },
  {
    name: 'trip_distance',
    type: 'double',
    sources: ['trip_distance'],
    description: 'Miles reported by the taximeter',
    required: true,
  },
  {
    name: 'ratecode_id',
    type: 'double',
    sources: ['ratecodeid', 'rate_code'],
    description:
      'Final rate code (1 standard, 2 JFK, 3 Newark, 4 Nassau/Westchester, 5 negotiated, 6 group, 99 unknown)',
    drift: 'DOUBLE until 2022, INT64 from 2023; rate_code in the 2010-era exports',
  },
  {
    name: 'store_and_fwd_flag',
    type: 'string',
    sources: ['store_and_fwd_flag'],
    description: 'Y when the record was held in the vehicle before it was sent',
  },
  {
    name: 'pu_location_id',
    type: 'bigint',
    sources: ['pulocationid'],
    description: 'TLC taxi zone where the meter was engaged',
    drift: 'INT64 until 2022, INT32 from 2023',
  },
  {
    name: 'do_location_id',
    type: 'bigint',
    sources: ['dolocationid'],
    description: 'TLC taxi zone where the meter was disengaged',
    drift: 'INT64 until 2022, INT32 from 2023',
  },
  {
    name: 'payment_type',
    type: 'bigint',
    sources: ['payment_type'],
    description: 'How the passenger paid (0 flex fare, 1 card, 2 cash, 3 no charge, 4 dispute, 5 unknown, 6 voided)',
  },
  {
    name: 'fare_amount',
    type: 'double',
    sources: ['fare_amount'],
    description: 'Time-and-distance fare',
    amount: true,
  },
  {
    name: 'extra',
    type: 'double',
    sources: ['extra', 'surcharge'],
    description: 'Miscellaneous extras and surcharges',
    drift: 'surcharge in the 2010-era exports',
    amount: true,
  },
  { name: 'mta_tax', type: 'double', sources: ['mta_tax'], description: 'MTA tax', amount: true },
  {
    name: 'tip_amount',
    type: 'double',
    sources: ['tip_amount'],
    description: 'Card tips (cash tips are not included)',
    amount: true,
  },
  { name: 'tolls_amount', type: 'double', sources: ['tolls_amount'], description: 'Tolls paid', amount: true },
  {
    name: 'improvement_surcharge',
    type: 'double',
    sources: ['improvement_surcharge'],
    description: 'Improvement surcharge at the flag drop (from 2015)',
    amount: true,
  },
  {
    name: 'total_amount',
    type: 'double',
    sources: ['total_amount'],
    description: 'Total charged, without cash tips',
    amount: true,
  },
  {
    name: 'congestion_surcharge',
    type: 'double',
    sources: ['congestion_surcharge'],
    description: 'New York State congestion surcharge',
    drift: 'added in 2019; absent (NULL) in older files',
    amount: true,
  },
  {
    name: 'airport_fee',
    type: 'double',
    sources: ['airport_fee'],
    description: 'Fee for pick-ups at LaGuardia and JFK',
    drift: 'added in 2021 as airport_fee, spelled Airport_fee from 2023 (same column: names match case-insensitively)',
    amount: true,
  },
  {
    name: 'cbd_congestion_fee',
    type: 'double',
    sources: ['cbd_congestion_fee'],
    description: 'MTA Congestion Relief Zone toll',
    drift: 'added in January 2025; absent (NULL) in older files',
    amount: true,
  },
];

/** A column of the raw table: one spelling of a trip column, with the trip column's declared type. */
export interface RawColumn {
  /** Lower-case name as Athena and Glue store it. */
  readonly name: string;
  readonly type: DeclaredType;
  /** The trip column it feeds. */
  readonly tripColumn: string;
}

/** Every column of the raw table (`trips_raw`), in table order: each spelling of each trip column. */
export const RAW_COLUMNS: readonly RawColumn[] = TRIP_COLUMNS.flatMap((column) =>
  column.sources.map((name) => ({ name, type: column.type, tripColumn: column.name })),
);

/** Partition columns of the raw table (strings: `year=2024/month=01`). */
export const RAW_PARTITION_KEYS = ['year', 'month'] as const;

/** Columns the normalize step adds to the trip columns. */
export const DERIVED_COLUMNS = [
  { name: 'duration_seconds', type: 'double', description: 'Elapsed seconds between pick-up and drop-off instants' },
  { name: 'speed_mph', type: 'double', description: 'trip_distance per hour of duration (NULL when duration ≤ 0)' },
] as const;

/** Column the flag step adds: the rule that made the trip an outlier, NULL for a clean trip. */
export const OUTLIER_REASON_COLUMN = 'outlier_reason';

/**
 * What a Parquet column holds, classified from its physical and logical type. `int` is a signed integer of at most
 * 32 bits; `bigint` 64 bits.
 */
export type FileType =
  'boolean' | 'int' | 'bigint' | 'float' | 'double' | 'decimal' | 'string' | 'binary' | 'date' | 'timestamp' | 'other';

/**
 * The file types the raw table reads as each declared type. Integer widening (INT32 → BIGINT) and FLOAT → DOUBLE are
 * Athena's documented compatible reads ("Change a column data type"); integers read as DOUBLE are the Trino Hive
 * connector's Parquet coercion that Athena engine version 3 applies (docs/trip-outliers.md explains the caveat).
 */
export const READABLE_AS: Readonly<Record<DeclaredType, readonly FileType[]>> = {
  bigint: ['int', 'bigint'],
  double: ['int', 'bigint', 'float', 'double'],
  string: ['string'],
  timestamp: ['timestamp'],
};

/** The time zone of the TLC timestamps (local wall-clock time without an offset). */
export const DEFAULT_TIME_ZONE = 'America/New_York';
