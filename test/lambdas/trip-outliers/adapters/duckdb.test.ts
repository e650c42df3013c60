import { rmSync } from 'node:fs';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { analyzeLocally, checkLocalFiles, runWithProgress } from '../../../../lambdas/trip-outliers/adapters/duckdb';
import {
  DEFAULT_BOUNDS,
  LATEST,
  TRIP_COLUMNS,
  duckdbPlan,
  duckdbRawView,
} from '../../../../lambdas/trip-outliers/contract';
import { SchemaMismatchError, presentRawColumns } from '../../../../lambdas/trip-outliers/core/schema-check';
import {
  type FixtureTrip,
  FIXTURE_TRIPS,
  LAYOUTS,
  TRIPS_2024,
  expectedOutliers,
  writeFixture,
  writeFixtures,
} from '../../../helpers/trip-outliers-fixtures';

let dir: string;
let files: Record<string, string>;

beforeAll(async () => {
  ({ dir, files } = await writeFixtures());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the shared SQL up to the flag step in DuckDB and return every flagged row. */
async function flaggedRows(paths: string[]): Promise<Record<string, unknown>[]> {
  const checked = await checkLocalFiles(paths);
  const present = new Map(checked.flatMap((c) => [...presentRawColumns(c.report)]));
  const plan = duckdbPlan({ bounds: DEFAULT_BOUNDS });
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  try {
    await connection.run(duckdbRawView(paths, present));
    await connection.run(plan.normalize);
    await connection.run(plan.flag);
    return await runWithProgress(connection, `SELECT * FROM ${LATEST.flagged} ORDER BY pickup_at, pu_location_id`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('the shared SQL in DuckDB on Parquet fixtures', () => {
  it('gives every 2024 trip its expected reason and elapsed duration (midnight, both DST changes, nulls)', async () => {
    const rows = await flaggedRows([files['2024']!]);
    expect(rows).toHaveLength(TRIPS_2024.length);
    const byTrip = new Map(rows.map((r) => [Number(r.pu_location_id) - 100, r]));
    const actual = TRIPS_2024.map((trip, i) => {
      const row = byTrip.get(i)!;
      return {
        note: trip.note,
        reason: row.outlier_reason,
        seconds: row.duration_seconds === null ? null : Number(row.duration_seconds),
      };
    });
    expect(actual).toEqual(TRIPS_2024.map((t) => ({ note: t.note, reason: t.expected, seconds: t.seconds })));
  });

  it('computes speed only for positive durations', async () => {
    const rows = await flaggedRows([files['2024']!]);
    const speeds = rows.map((r) => ({
      seconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
      speed: r.speed_mph === null ? null : Number(r.speed_mph),
      distance: r.trip_distance === null ? null : Number(r.trip_distance),
    }));
    const expected = speeds.map(({ seconds, distance }) =>
      seconds === null || seconds <= 0 || distance === null ? null : (distance * 3600) / seconds,
    );
    expect(speeds.map((s) => (s.speed === null ? null : Number(s.speed.toFixed(9))))).toEqual(
      expected.map((s) => (s === null ? null : Number(s.toFixed(9)))),
    );
    expect(expected.filter((s) => s !== null).length).toBeGreaterThan(10);
  });

  it.each(Object.keys(FIXTURE_TRIPS))('counts every outlier of the %s file exactly', async (era) => {
    const trips: readonly FixtureTrip[] = FIXTURE_TRIPS[era as keyof typeof FIXTURE_TRIPS];
    const { report } = await analyzeLocally({ files: [files[era]!] });
    const outliers = expectedOutliers(trips);
    const cleaned = trips.filter((t) => t.expected === null);
    expect(report.summary).toEqual({
      rows: trips.length,
      outliers,
      cleanedRows: cleaned.length,
      durationSeconds: expect.objectContaining({
        max: Math.max(...cleaned.map((t) => t.seconds!)),
      }) as unknown,
    });
    expect(report.profile.trips).toBe(trips.length);
    expect(report.profile.missingTimestamps).toBe(trips.filter((t) => t.pickup === null || t.dropoff === null).length);
  });

  it('a month without outliers counts 0 for every reason, and a file without trips reads as 0 trips (not NULL)', async () => {
    // DuckDB's count_if is NULL over no rows or all-NULL conditions (Trino's is 0): the report used to stop with
    // "Column missing_timestamp holds null, not a count".
    const clean = TRIPS_2024.filter((t) => t.expected === null);
    const cleanFile = await writeFixture(dir, 'no-outliers', LAYOUTS['2024']!, clean);
    const { report } = await analyzeLocally({ files: [cleanFile] });
    expect(report.summary.rows).toBe(clean.length);
    expect(report.summary.cleanedRows).toBe(clean.length);
    expect(report.summary.outliers).toEqual(expectedOutliers([]));
    expect(Object.values(report.summary.outliers).every((n) => n === 0)).toBe(true);

    const emptyFile = await writeFixture(dir, 'no-trips', LAYOUTS['2024']!, []);
    const empty = await analyzeLocally({ files: [emptyFile] });
    expect(empty.report.summary).toMatchObject({ rows: 0, cleanedRows: 0, outliers: expectedOutliers([]) });
    expect(empty.report.profile).toMatchObject({ trips: 0, missingTimestamps: 0 });
  });

  it('reads every era at once as one table (type drift, renamed and added columns)', async () => {
    const eras = Object.keys(FIXTURE_TRIPS);
    const all = eras.flatMap((era) => FIXTURE_TRIPS[era as keyof typeof FIXTURE_TRIPS]);
    const { report } = await analyzeLocally({ files: eras.map((era) => files[era]!) });
    expect(report.summary.rows).toBe(all.length);
    expect(report.summary.outliers).toEqual(expectedOutliers(all));
    expect(report.summary.cleanedRows).toBe(all.filter((t) => t.expected === null).length);
  });

  it('maps both spellings of a renamed column to one name, and columns added later are NULL before', async () => {
    const rows = await flaggedRows([files['2010']!, files['2018']!, files['2022']!, files['2025']!]);
    const year = (r: Record<string, unknown>) => String(r.pickup_at).slice(0, 4);
    const pick = (y: string, column: string) =>
      rows.filter((r) => year(r) === y).map((r) => (r[column] === null ? null : Number(r[column])));
    // vendor_id from vendor_id (2010) and VendorID (later); extra from surcharge (2010).
    expect(pick('2010', 'vendor_id')).toEqual([1, 2, 1]);
    expect(pick('2010', 'extra')).toEqual([0, -0.5, 0]);
    // Added later: NULL in older files.
    expect(pick('2018', 'congestion_surcharge')).toEqual([null, null, null]);
    expect(pick('2018', 'airport_fee')).toEqual([null, null, null]);
    expect(pick('2022', 'airport_fee')).toEqual([0, -1.25, 0]);
    expect(pick('2022', 'cbd_congestion_fee')).toEqual([null, null, null]);
    expect(pick('2025', 'cbd_congestion_fee')).toEqual([0.75, -0.75]);
    // NULL passenger count survives the widening (INT64 and DOUBLE both read as DOUBLE).
    expect(pick('2018', 'passenger_count')).toEqual([1, 1, null]);
  });

  it('produces the normalized columns in the table order, then duration, speed and reason', async () => {
    const rows = await flaggedRows([files['2024']!]);
    expect(Object.keys(rows[0]!)).toEqual([
      ...TRIP_COLUMNS.map((c) => c.name),
      'duration_seconds',
      'speed_mph',
      'outlier_reason',
    ]);
  });

  it('reports the duration histogram and the outliers by day', async () => {
    const { report } = await analyzeLocally({ files: [files['2024']!] });
    const withDuration = TRIPS_2024.filter((t) => t.seconds !== null);
    const bin = (s: number) => (s < 0 ? -1 : s >= 7200 ? 120 : Math.floor(s / 60));
    const expected = new Map<number, { before: number; after: number }>();
    for (const t of withDuration) {
      const b = expected.get(bin(t.seconds!)) ?? { before: 0, after: 0 };
      b.before += 1;
      if (t.expected === null) b.after += 1;
      expected.set(bin(t.seconds!), b);
    }
    expect(report.histogram).toEqual(
      [...expected.entries()]
        .sort(([a], [b]) => a - b)
        .map(([minute, { before, after }]) => ({ minute, beforeCleaning: before, afterCleaning: after })),
    );
    const days = new Map<string, number>();
    for (const t of TRIPS_2024.filter((x) => x.expected !== null)) {
      const key = `${t.pickup!.slice(0, 10)}|${t.expected}`;
      days.set(key, (days.get(key) ?? 0) + 1);
    }
    expect(report.outliersByDay).toEqual(
      [...days.entries()].sort().map(([key, trips]) => {
        const [day, reason] = key.split('|');
        return { day, reason, trips };
      }),
    );
  });

  it('applies configured bounds', async () => {
    const { report } = await analyzeLocally({
      files: [files['2024']!],
      bounds: { maxDurationSeconds: 3600, maxSpeedMph: 50 },
    });
    // Exactly a day is now too long; 100 mph is now too fast.
    const defaults = expectedOutliers(TRIPS_2024);
    expect(report.summary.outliers).toEqual({
      ...defaults,
      duration_too_long: defaults.duration_too_long + 1,
      speed_too_high: defaults.speed_too_high + 1,
    });
  });

  it.each([
    ['unknown-column', /1 unknown column\(s\) the table does not declare: tip_reason \(BYTE_ARRAY UTF8\)/],
    ['retyped', /passenger_count is BYTE_ARRAY UTF8, the table reads double/],
    ['missing-dropoff', /required column\(s\) missing: dropoff_at/],
  ])('rejects the %s file before reading any data', async (name, message) => {
    const error = await analyzeLocally({ files: [files[name]!] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect((error as Error).message).toMatch(message);
  });

  it('exports the cleaned and outlier rows as Parquet', async () => {
    const { exported, report } = await analyzeLocally({ files: [files['2024']!], exportDir: dir });
    const counts = await Promise.all(
      exported.map(async (path) => {
        const instance = await DuckDBInstance.create(':memory:');
        const connection = await instance.connect();
        try {
          const rows = await runWithProgress(connection, `SELECT count(*) AS n FROM read_parquet('${path}')`);
          return Number(rows[0]!.n);
        } finally {
          connection.closeSync();
          instance.closeSync();
        }
      }),
    );
    expect(counts).toEqual([report.summary.cleanedRows, report.summary.rows - report.summary.cleanedRows]);
  });

  it('copies the trips once: normalize is a table (its CTE inlined), flag and clean are views over it', async () => {
    const checked = await checkLocalFiles([files['2024']!]);
    const plan = duckdbPlan({ bounds: DEFAULT_BOUNDS });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(duckdbRawView([files['2024']!], presentRawColumns(checked[0]!.report)));
      // Normalize reads its typed trips three times; DuckDB inlines them instead of keeping a second copy.
      const explained = await connection.runAndReadAll(`EXPLAIN ${plan.normalize}`);
      const physicalPlan = explained
        .getRows()
        .map((row) => String(row[1]))
        .join('\n');
      expect(physicalPlan).toContain('READ_PARQUET');
      expect(physicalPlan).not.toMatch(/CTE Name: typed/);
      for (const step of ['normalize', 'flag', 'clean'] as const) await connection.run(plan[step]);
      const relations = await runWithProgress(
        connection,
        "SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_name LIKE 'trips_%' ORDER BY 1",
      );
      expect(relations).toEqual([
        { name: LATEST.cleaned, type: 'VIEW' },
        { name: LATEST.flagged, type: 'VIEW' },
        { name: LATEST.normalized, type: 'BASE TABLE' },
        { name: LATEST.raw, type: 'VIEW' },
      ]);
      const [counts] = await runWithProgress(
        connection,
        `SELECT (SELECT count(*) FROM ${LATEST.flagged}) AS flagged, (SELECT count(*) FROM ${LATEST.cleaned}) AS cleaned`,
      );
      expect(Number(counts!.flagged)).toBe(TRIPS_2024.length);
      expect(Number(counts!.cleaned)).toBe(TRIPS_2024.filter((t) => t.expected === null).length);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
