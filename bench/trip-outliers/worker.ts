/**
 * Child process of bench/trip-outliers.bench.ts: one run on one file, printed as JSON with this process's own peak RSS
 * and CPU seconds. `duckdb`: the whole analysis of `mlw trips analyze` (embedded DuckDB). `scan`: a plain streaming
 * scan in Node — hyparquet reads one row group at a time and JavaScript applies the same rules and exact percentiles
 * (wall-clock durations: no time-zone work).
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { analyzeLocally } from '../../lambdas/trip-outliers/adapters/duckdb';
import { DEFAULT_BOUNDS } from '../../lambdas/trip-outliers/contract';

const AMOUNTS = [
  'fare_amount',
  'extra',
  'mta_tax',
  'tip_amount',
  'tolls_amount',
  'improvement_surcharge',
  'total_amount',
  'congestion_surcharge',
  'Airport_fee',
];

async function scan(file: string): Promise<{ rows: number; outliers: number }> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const total = Number(metadata.num_rows);
  const kept = new Float64Array(total);
  let keptCount = 0;
  let outliers = 0;
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = (await parquetReadObjects({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      columns: ['tpep_pickup_datetime', 'tpep_dropoff_datetime', 'trip_distance', ...AMOUNTS],
    })) as Record<string, unknown>[];
    for (const row of rows) {
      const pickup = row.tpep_pickup_datetime as Date | null;
      const dropoff = row.tpep_dropoff_datetime as Date | null;
      if (!pickup || !dropoff) {
        outliers += 1;
        continue;
      }
      const seconds = (dropoff.getTime() - pickup.getTime()) / 1000;
      const distance = row.trip_distance as number | null;
      const speed = seconds > 0 && distance !== null ? (distance * 3600) / seconds : null;
      const negative = AMOUNTS.some((a) => typeof row[a] === 'number' && row[a] < 0);
      if (
        seconds <= 0 ||
        seconds > DEFAULT_BOUNDS.maxDurationSeconds ||
        (speed !== null && speed > DEFAULT_BOUNDS.maxSpeedMph) ||
        negative
      ) {
        outliers += 1;
      } else {
        kept[keptCount++] = seconds;
      }
    }
    rowStart = rowEnd;
  }
  const sorted = kept.subarray(0, keptCount).sort();
  // Read the percentiles so the work cannot be skipped.
  if (keptCount > 0 && !(sorted[Math.floor(keptCount * 0.99)]! >= sorted[Math.floor(keptCount / 2)]!))
    throw new Error('unsorted');
  return { rows: rowStart, outliers };
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'duckdb' && mode !== 'scan') || !file) throw new Error('usage: worker duckdb|scan <file.parquet>');
  const start = process.hrtime.bigint();
  let rows: number;
  let outliers: number;
  if (mode === 'duckdb') {
    const { report } = await analyzeLocally({ files: [file] });
    rows = report.summary.rows;
    outliers = report.summary.rows - report.summary.cleanedRows;
  } else {
    ({ rows, outliers } = await scan(file));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({
      rows,
      outliers,
      seconds,
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      // resourceUsage().maxRSS is in KiB.
      peakRssMiB: usage.maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
