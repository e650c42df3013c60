import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../lambdas/trip-outliers/contract';
import { type Reporter, median } from './reporter';

/** Trips per generated file. */
const SIZES = [1_000_000, 10_000_000];
/** Pairs (scan, DuckDB) run in turn per size; the median of the pair ratios is reported. */
const PAIRS = 3;
const WORKER = join(__dirname, 'trip-outliers', 'worker.ts');

/** What one worker run reports. */
interface Run {
  rows: number;
  outliers: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

/**
 * Write `rows` generated yellow-taxi trips (2024 column layout) as Parquet with DuckDB: a month of pick-ups, durations
 * of 2–42 minutes, and about 0.5 % outliers of each kind (negative and over-a-day durations, 300 mph, negative fares).
 * Pseudo-random from `hash(i)`, so every run writes the same file; Snappy, which the Node scan (hyparquet) decodes without add-ons.
 */
async function generate(file: string, rows: number): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const u = (salt: number) => `((hash(i + ${salt}) % 1000000) / 1000000.0)`;
  try {
    await connection.run(`
      COPY (
        SELECT
          CAST(1 + i % 2 AS INTEGER) AS VendorID,
          pickup AS tpep_pickup_datetime,
          pickup + to_seconds(CAST(seconds AS BIGINT)) AS tpep_dropoff_datetime,
          CAST(1 + i % 4 AS BIGINT) AS passenger_count,
          CASE WHEN i % 211 = 0 THEN CAST(25 AS DOUBLE) ELSE round(greatest(seconds, 60) / 3600.0 * (6 + 20 * ${u(3)}), 2) END AS trip_distance,
          CAST(1 AS BIGINT) AS RatecodeID, 'N' AS store_and_fwd_flag,
          CAST(1 + i % 263 AS INTEGER) AS PULocationID, CAST(1 + (i * 7) % 263 AS INTEGER) AS DOLocationID,
          CAST(1 + i % 2 AS BIGINT) AS payment_type,
          CASE WHEN i % 223 = 0 THEN CAST(-5 AS DOUBLE) ELSE round(3 + seconds / 60.0, 2) END AS fare_amount,
          CAST(0.5 AS DOUBLE) AS extra, CAST(0.5 AS DOUBLE) AS mta_tax, round(2 * ${u(5)}, 2) AS tip_amount, CAST(0 AS DOUBLE) AS tolls_amount,
          CAST(1 AS DOUBLE) AS improvement_surcharge, round(8 + seconds / 60.0, 2) AS total_amount, CAST(2.5 AS DOUBLE) AS congestion_surcharge,
          CAST(0 AS DOUBLE) AS Airport_fee
        FROM (
          SELECT i,
            TIMESTAMP '2024-01-01 00:00:00' + to_seconds(CAST(floor(${u(1)} * 31 * 86400) AS BIGINT)) AS pickup,
            CASE WHEN i % 199 = 0 THEN -120 WHEN i % 227 = 0 THEN 90000 ELSE 120 + floor(${u(2)} * 2400) END AS seconds
          FROM range(${rows}) t(i)
        )
      ) TO ${literal(file)} (FORMAT parquet, COMPRESSION snappy)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function runWorker(mode: 'duckdb' | 'scan', file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', WORKER, mode, file],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Run),
    );
  });
}

/**
 * The trip-outlier analysis in embedded DuckDB (`mlw trips analyze`: schema check, normalize with time zones, profile,
 * flag, clean, summaries) against a plain streaming scan of the same file in Node (hyparquet, one row group at a time,
 * the rules and exact percentiles in JavaScript, no time-zone work), on 1M and 10M generated trips. The two run in turn
 * (scan, DuckDB, …), each in a fresh process so its peak RSS and CPU seconds are its own.
 */
export default async function tripOutliersBench(reporter: Reporter): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-bench-trips-'));
  const sizes = process.env.MLW_BENCH_TRIPS_SIZES?.split(',').map(Number) ?? SIZES;
  try {
    const [load1] = loadavg();
    reporter.figure('trip-outliers', 'load average at start', load1 ?? 0, '', '1-minute');
    for (const size of sizes) {
      const file = join(dir, `trips-${size}.parquet`);
      await generate(file, size);
      const mb = statSync(file).size / 1e6;
      const scans: Run[] = [];
      const duck: Run[] = [];
      for (let pair = 0; pair < PAIRS; pair += 1) {
        scans.push(await runWorker('scan', file));
        duck.push(await runWorker('duckdb', file));
      }
      for (const r of [...scans, ...duck]) {
        if (r.rows !== size) throw new Error(`expected ${size} rows, counted ${r.rows}`);
      }
      if (duck[0]!.outliers !== scans[0]!.outliers) {
        throw new Error(`outliers differ: DuckDB ${duck[0]!.outliers}, scan ${scans[0]!.outliers}`);
      }
      const label = `${(size / 1e6).toLocaleString('en-US')}M trips`;
      const note = `${mb.toFixed(0)} MB Parquet, median of ${PAIRS}`;
      reporter.figure(
        'trip-outliers',
        `${label}: DuckDB analysis`,
        size / median(duck.map((r) => r.seconds)),
        'rows/s',
        note,
      );
      reporter.figure(
        'trip-outliers',
        `${label}: Node streaming scan`,
        size / median(scans.map((r) => r.seconds)),
        'rows/s',
        note,
      );
      reporter.figure(
        'trip-outliers',
        `${label}: DuckDB ÷ scan speed`,
        median(duck.map((r, i) => scans[i]!.seconds / r.seconds)),
        '×',
        `median of ${PAIRS} pair ratios (wall)`,
      );
      reporter.figure(
        'trip-outliers',
        `${label}: DuckDB ÷ scan speed, CPU time`,
        median(duck.map((r, i) => scans[i]!.cpuSeconds / r.cpuSeconds)),
        '×',
        `median of ${PAIRS} pair ratios (CPU seconds; DuckDB uses every core)`,
      );
      reporter.figure(
        'trip-outliers',
        `${label}: CPU seconds DuckDB`,
        median(duck.map((r) => r.cpuSeconds)),
        's',
        `scan ${median(scans.map((r) => r.cpuSeconds)).toFixed(1)} s`,
      );
      reporter.figure(
        'trip-outliers',
        `${label}: peak RSS DuckDB`,
        median(duck.map((r) => r.peakRssMiB)),
        'MiB',
        'own process',
      );
      reporter.figure(
        'trip-outliers',
        `${label}: peak RSS scan`,
        median(scans.map((r) => r.peakRssMiB)),
        'MiB',
        'own process',
      );
      reporter.figure('trip-outliers', `${label}: outliers`, duck[0]!.outliers, 'trips', 'same count in both');
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
