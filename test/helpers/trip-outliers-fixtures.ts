import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type OutlierReason } from '../../lambdas/trip-outliers/contract';

/**
 * Parquet fixtures of trip records, written with DuckDB at test time. Each file has the column names and types of one
 * era of the TLC files (the drift the table absorbs), and every trip says which rule it breaks and how long it lasted,
 * so tests can assert exact counts.
 */

/** One trip of a fixture, with the answer the analysis must give. */
export interface FixtureTrip {
  readonly pickup: string | null;
  readonly dropoff: string | null;
  readonly distance: number | null;
  readonly fare: number;
  readonly total: number;
  readonly tip?: number;
  readonly extra?: number;
  readonly passengers?: number | null;
  readonly congestion?: number | null;
  readonly airport?: number | null;
  readonly cbd?: number | null;
  /** What the trip is. */
  readonly note: string;
  /** The reason the analysis must give (null: clean). */
  readonly expected: OutlierReason | null;
  /** The elapsed seconds the analysis must compute (null: no duration). */
  readonly seconds: number | null;
}

/** The November 2024 file: every rule, its boundaries, nulls, midnight and both daylight-saving changes. */
export const TRIPS_2024: readonly FixtureTrip[] = [
  {
    note: 'plain',
    pickup: '2024-11-04 10:00:00',
    dropoff: '2024-11-04 10:15:00',
    distance: 3,
    fare: 14,
    total: 19,
    seconds: 900,
    expected: null,
  },
  {
    note: 'over midnight',
    pickup: '2024-11-04 23:50:00',
    dropoff: '2024-11-05 00:10:00',
    distance: 5,
    fare: 22,
    total: 28,
    seconds: 1200,
    expected: null,
  },
  {
    note: 'fall back: drop-off clock reads before pick-up',
    pickup: '2024-11-03 01:50:00',
    dropoff: '2024-11-03 01:10:00',
    distance: 4,
    fare: 18,
    total: 22,
    seconds: 1200,
    expected: null,
  },
  {
    note: 'fall back: into the repeated hour',
    pickup: '2024-11-03 00:50:00',
    dropoff: '2024-11-03 01:30:00',
    distance: 6,
    fare: 30,
    total: 36,
    seconds: 2400,
    expected: null,
  },
  {
    note: 'fall back: out of the repeated hour',
    pickup: '2024-11-03 01:40:00',
    dropoff: '2024-11-03 02:10:00',
    distance: 6,
    fare: 30,
    total: 36,
    seconds: 1800,
    expected: null,
  },
  {
    note: 'spring forward: clock reads 80 minutes',
    pickup: '2024-03-10 01:50:00',
    dropoff: '2024-03-10 03:10:00',
    distance: 5,
    fare: 24,
    total: 29,
    seconds: 1200,
    expected: null,
  },
  {
    note: 'zero duration',
    pickup: '2024-11-05 08:00:00',
    dropoff: '2024-11-05 08:00:00',
    distance: 0,
    fare: 3,
    total: 4.5,
    seconds: 0,
    expected: 'non_positive_duration',
  },
  {
    note: 'negative duration',
    pickup: '2024-11-05 09:30:00',
    dropoff: '2024-11-05 09:00:00',
    distance: 2,
    fare: 10,
    total: 13,
    seconds: -1800,
    expected: 'non_positive_duration',
  },
  {
    note: 'one second over a day',
    pickup: '2024-11-06 10:00:00',
    dropoff: '2024-11-07 10:00:01',
    distance: 8,
    fare: 40,
    total: 48,
    seconds: 86_401,
    expected: 'duration_too_long',
  },
  {
    note: 'exactly a day',
    pickup: '2024-11-06 12:00:00',
    dropoff: '2024-11-07 12:00:00',
    distance: 1,
    fare: 8,
    total: 11,
    seconds: 86_400,
    expected: null,
  },
  {
    note: '120 mph',
    pickup: '2024-11-08 10:00:00',
    dropoff: '2024-11-08 10:06:00',
    distance: 12,
    fare: 45,
    total: 52,
    seconds: 360,
    expected: 'speed_too_high',
  },
  {
    note: 'exactly 100 mph',
    pickup: '2024-11-08 11:00:00',
    dropoff: '2024-11-08 11:06:00',
    distance: 10,
    fare: 40,
    total: 46,
    seconds: 360,
    expected: null,
  },
  {
    note: 'negative fare',
    pickup: '2024-11-09 10:00:00',
    dropoff: '2024-11-09 10:20:00',
    distance: 3,
    fare: -5,
    total: 0,
    seconds: 1200,
    expected: 'negative_amount',
  },
  {
    note: 'negative tip and total',
    pickup: '2024-11-09 11:00:00',
    dropoff: '2024-11-09 11:20:00',
    distance: 3,
    fare: 12,
    tip: -2,
    total: -10,
    seconds: 1200,
    expected: 'negative_amount',
  },
  {
    note: 'no drop-off time',
    pickup: '2024-11-09 12:00:00',
    dropoff: null,
    distance: 3,
    fare: 12,
    total: 15,
    seconds: null,
    expected: 'missing_timestamp',
  },
  {
    note: 'nulls in optional columns',
    pickup: '2024-11-10 10:00:00',
    dropoff: '2024-11-10 10:30:00',
    distance: 7,
    fare: 31,
    total: 38,
    passengers: null,
    airport: null,
    congestion: null,
    seconds: 1800,
    expected: null,
  },
  {
    note: 'zero duration and a negative amount: the first rule wins',
    pickup: '2024-11-10 11:00:00',
    dropoff: '2024-11-10 11:00:00',
    distance: 0,
    fare: -3,
    total: -3,
    seconds: 0,
    expected: 'non_positive_duration',
  },
  {
    note: 'too fast and a negative amount',
    pickup: '2024-11-10 12:00:00',
    dropoff: '2024-11-10 12:01:00',
    distance: 5,
    fare: -20,
    total: -20,
    seconds: 60,
    expected: 'speed_too_high',
  },
  {
    note: 'no distance',
    pickup: '2024-11-10 13:00:00',
    dropoff: '2024-11-10 13:10:00',
    distance: null,
    fare: 10,
    total: 12,
    seconds: 600,
    expected: null,
  },
  {
    note: 'negative congestion surcharge',
    pickup: '2024-11-11 10:00:00',
    dropoff: '2024-11-11 10:30:00',
    distance: 4,
    fare: 20,
    total: 22.5,
    congestion: -2.5,
    seconds: 1800,
    expected: 'negative_amount',
  },
  {
    note: 'airport pick-up',
    pickup: '2024-11-11 17:00:00',
    dropoff: '2024-11-11 17:45:00',
    distance: 17,
    fare: 70,
    total: 90,
    airport: 1.75,
    seconds: 2700,
    expected: null,
  },
];

/** January 2025: the CBD congestion fee is new. */
export const TRIPS_2025: readonly FixtureTrip[] = [
  {
    note: 'plain with the CBD fee',
    pickup: '2025-01-06 09:00:00',
    dropoff: '2025-01-06 09:12:00',
    distance: 2,
    fare: 12,
    total: 17,
    cbd: 0.75,
    seconds: 720,
    expected: null,
  },
  {
    note: 'negative CBD fee',
    pickup: '2025-01-06 10:00:00',
    dropoff: '2025-01-06 10:12:00',
    distance: 2,
    fare: 12,
    total: 15.5,
    cbd: -0.75,
    seconds: 720,
    expected: 'negative_amount',
  },
];

/** June 2022: nanosecond timestamps, doubles, lower-case airport_fee. */
export const TRIPS_2022: readonly FixtureTrip[] = [
  {
    note: 'plain',
    pickup: '2022-06-01 08:00:00',
    dropoff: '2022-06-01 08:30:00',
    distance: 6,
    fare: 25,
    total: 31,
    airport: 0,
    seconds: 1800,
    expected: null,
  },
  {
    note: 'negative airport fee',
    pickup: '2022-06-01 09:00:00',
    dropoff: '2022-06-01 09:30:00',
    distance: 15,
    fare: 52,
    total: 60,
    airport: -1.25,
    seconds: 1800,
    expected: 'negative_amount',
  },
  {
    note: 'zero duration',
    pickup: '2022-06-02 09:00:00',
    dropoff: '2022-06-02 09:00:00',
    distance: 0,
    fare: 2.5,
    total: 3.5,
    seconds: 0,
    expected: 'non_positive_duration',
  },
];

/** March 2018: no congestion surcharge, no airport fee yet. */
export const TRIPS_2018: readonly FixtureTrip[] = [
  {
    note: 'plain',
    pickup: '2018-03-05 07:00:00',
    dropoff: '2018-03-05 07:20:00',
    distance: 4,
    fare: 16,
    total: 20,
    seconds: 1200,
    expected: null,
  },
  {
    note: 'two days',
    pickup: '2018-03-05 08:00:00',
    dropoff: '2018-03-07 08:00:00',
    distance: 9,
    fare: 35,
    total: 40,
    seconds: 172_800,
    expected: 'duration_too_long',
  },
  {
    note: 'no passenger count',
    pickup: '2018-03-06 08:00:00',
    dropoff: '2018-03-06 08:10:00',
    distance: 1.5,
    fare: 8,
    total: 10,
    passengers: null,
    seconds: 600,
    expected: null,
  },
];

/** The 2010-era spellings: vendor_id, pickup_datetime, dropoff_datetime, rate_code, surcharge. */
export const TRIPS_2010: readonly FixtureTrip[] = [
  {
    note: 'plain',
    pickup: '2010-05-03 18:00:00',
    dropoff: '2010-05-03 18:25:00',
    distance: 5,
    fare: 15,
    total: 18,
    seconds: 1500,
    expected: null,
  },
  {
    note: 'negative surcharge',
    pickup: '2010-05-03 19:00:00',
    dropoff: '2010-05-03 19:25:00',
    distance: 5,
    fare: 15,
    extra: -0.5,
    total: 17.5,
    seconds: 1500,
    expected: 'negative_amount',
  },
  {
    note: '300 mph',
    pickup: '2010-05-04 19:00:00',
    dropoff: '2010-05-04 19:02:00',
    distance: 10,
    fare: 25,
    total: 30,
    seconds: 120,
    expected: 'speed_too_high',
  },
];

/** A column of a fixture file: its name and DuckDB type in the file, and its value for a trip. */
interface FixtureColumn {
  readonly name: string;
  readonly type: string;
  readonly value: (trip: FixtureTrip, index: number) => string | number | null;
}

const ts = (field: 'pickup' | 'dropoff') => (t: FixtureTrip) => t[field];
const money = (field: 'fare' | 'total') => (t: FixtureTrip) => t[field];
const orZero = (value: number | null | undefined) => (value === undefined ? 0 : value);

/** The columns of a 2023+ file (INT32 ids, INT64 counts, `Airport_fee`). */
const COLUMNS_2024: readonly FixtureColumn[] = [
  { name: 'VendorID', type: 'INTEGER', value: (_, i) => 1 + (i % 2) },
  { name: 'tpep_pickup_datetime', type: 'TIMESTAMP', value: ts('pickup') },
  { name: 'tpep_dropoff_datetime', type: 'TIMESTAMP', value: ts('dropoff') },
  { name: 'passenger_count', type: 'BIGINT', value: (t) => (t.passengers === undefined ? 1 : t.passengers) },
  { name: 'trip_distance', type: 'DOUBLE', value: (t) => t.distance },
  { name: 'RatecodeID', type: 'BIGINT', value: () => 1 },
  { name: 'store_and_fwd_flag', type: 'VARCHAR', value: () => 'N' },
  { name: 'PULocationID', type: 'INTEGER', value: (_, i) => 100 + i },
  { name: 'DOLocationID', type: 'INTEGER', value: (_, i) => 200 + i },
  { name: 'payment_type', type: 'BIGINT', value: () => 1 },
  { name: 'fare_amount', type: 'DOUBLE', value: money('fare') },
  { name: 'extra', type: 'DOUBLE', value: (t) => orZero(t.extra) },
  { name: 'mta_tax', type: 'DOUBLE', value: () => 0.5 },
  { name: 'tip_amount', type: 'DOUBLE', value: (t) => orZero(t.tip) },
  { name: 'tolls_amount', type: 'DOUBLE', value: () => 0 },
  { name: 'improvement_surcharge', type: 'DOUBLE', value: () => 1 },
  { name: 'total_amount', type: 'DOUBLE', value: money('total') },
  { name: 'congestion_surcharge', type: 'DOUBLE', value: (t) => (t.congestion === undefined ? 2.5 : t.congestion) },
  { name: 'Airport_fee', type: 'DOUBLE', value: (t) => orZero(t.airport) },
];

const retype = (columns: readonly FixtureColumn[], changes: Record<string, Partial<FixtureColumn>>) =>
  columns.map((c) => ({ ...c, ...changes[c.name] }));

/** The layouts of the fixture files, by era. */
export const LAYOUTS: Readonly<Record<string, readonly FixtureColumn[]>> = {
  2024: COLUMNS_2024,
  2025: [...COLUMNS_2024, { name: 'cbd_congestion_fee', type: 'DOUBLE', value: (t) => orZero(t.cbd) }],
  2022: retype(COLUMNS_2024, {
    VendorID: { type: 'BIGINT' },
    tpep_pickup_datetime: { type: 'TIMESTAMP_NS' },
    tpep_dropoff_datetime: { type: 'TIMESTAMP_NS' },
    passenger_count: { type: 'DOUBLE' },
    RatecodeID: { type: 'DOUBLE' },
    PULocationID: { type: 'BIGINT' },
    DOLocationID: { type: 'BIGINT' },
    Airport_fee: { name: 'airport_fee' },
  }),
  2018: retype(
    COLUMNS_2024.filter((c) => c.name !== 'congestion_surcharge' && c.name !== 'Airport_fee'),
    { VendorID: { type: 'BIGINT' }, passenger_count: { type: 'DOUBLE' }, RatecodeID: { type: 'DOUBLE' } },
  ),
  2010: retype(
    COLUMNS_2024.filter(
      (c) =>
        !['PULocationID', 'DOLocationID', 'improvement_surcharge', 'congestion_surcharge', 'Airport_fee'].includes(
          c.name,
        ),
    ),
    {
      VendorID: { name: 'vendor_id', type: 'BIGINT' },
      tpep_pickup_datetime: { name: 'pickup_datetime' },
      tpep_dropoff_datetime: { name: 'dropoff_datetime' },
      passenger_count: { type: 'DOUBLE' },
      RatecodeID: { name: 'rate_code', type: 'DOUBLE' },
      extra: { name: 'surcharge' },
    },
  ),
  'unknown-column': [...COLUMNS_2024, { name: 'tip_reason', type: 'VARCHAR', value: () => 'none' }],
  retyped: retype(COLUMNS_2024, { passenger_count: { type: 'VARCHAR', value: () => 'one' } }),
  'missing-dropoff': COLUMNS_2024.filter((c) => c.name !== 'tpep_dropoff_datetime'),
};

/** The trips of each good fixture file. */
export const FIXTURE_TRIPS: Readonly<Record<'2024' | '2025' | '2022' | '2018' | '2010', readonly FixtureTrip[]>> = {
  2024: TRIPS_2024,
  2025: TRIPS_2025,
  2022: TRIPS_2022,
  2018: TRIPS_2018,
  2010: TRIPS_2010,
};

function sqlValue(value: string | number | null, type: string): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `CAST('${value.replace(/'/g, "''")}' AS ${type})`;
}

/** Write one fixture file with the given layout and trips; returns its path. */
export async function writeFixture(
  dir: string,
  name: string,
  layout: readonly FixtureColumn[],
  trips: readonly FixtureTrip[],
): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE TABLE t (${layout.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    if (trips.length > 0) {
      const rows = trips.map((trip, i) => `(${layout.map((c) => sqlValue(c.value(trip, i), c.type)).join(', ')})`);
      await connection.run(`INSERT INTO t VALUES ${rows.join(',\n')}`);
    }
    await connection.run(`COPY t TO '${path}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return path;
}

/** Every fixture file in a new temporary folder: the good eras and the three bad files (with the 2024 trips). */
export async function writeFixtures(): Promise<{ dir: string; files: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-trips-'));
  const files: Record<string, string> = {};
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    const trips = name in FIXTURE_TRIPS ? FIXTURE_TRIPS[name as keyof typeof FIXTURE_TRIPS] : TRIPS_2024;
    files[name] = await writeFixture(dir, name, layout, trips);
  }
  return { dir, files };
}

/** Expected count of each reason in a list of trips. */
export function expectedOutliers(trips: readonly FixtureTrip[]): Record<OutlierReason, number> {
  const counts: Record<OutlierReason, number> = {
    missing_timestamp: 0,
    non_positive_duration: 0,
    duration_too_long: 0,
    speed_too_high: 0,
    negative_amount: 0,
  };
  for (const trip of trips) if (trip.expected) counts[trip.expected] += 1;
  return counts;
}
