import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Reporter, median } from './reporter';

/** Line counts of the generated manifests. */
const SIZES = [100_000, 1_000_000];
/** Runs per size (each in a fresh process); the median is reported. */
const RUNS = 3;
/** Old-space limit (MiB) of the extra run that proves the scan needs no memory proportional to the input. */
const CAPPED_HEAP_MIB = 24;

/** One realistic Ground Truth output line: labeled by people or the model, failed, or not labeled. */
function line(i: number): string {
  const base = {
    'source-ref': `s3://bench-data/images/${String(i).padStart(8, '0')}.jpg`,
    camera: i % 3 === 0 ? 'north' : 'south',
    batch: Math.floor(i / 1000),
  };
  const meta = {
    'job-name': 'labeling-job/bench-job',
    'creation-date': '2026-11-02T10:11:12.123456',
    type: 'groundtruth/image-classification',
  };
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      return JSON.stringify({
        ...base,
        animal: i % 3,
        'animal-metadata': {
          ...meta,
          confidence: 0.93,
          'class-name': ['cat', 'dog', 'bird'][i % 3],
          'human-annotated': 'yes',
        },
      });
    case 5:
    case 6:
      return JSON.stringify({
        ...base,
        animal: i % 3,
        'animal-metadata': {
          ...meta,
          confidence: 0.71,
          'class-name': ['cat', 'dog', 'bird'][i % 3],
          'human-annotated': 'no',
        },
      });
    case 7:
      return JSON.stringify({
        ...base,
        'animal-metadata': {
          'failure-reason': 'ClientError: Annotation tasks expired.',
          'job-name': 'labeling-job/bench-job',
        },
      });
    default:
      return JSON.stringify(base);
  }
}

async function generate(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < lines; i += 1) {
    if (!out.write(`${line(i)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

interface WorkerResult {
  bytes: number;
  lines: number;
  seconds: number;
  peakRssMiB: number;
  retainedHeapMiB: number;
  counters: { total: number; needsLabeling: number };
}

function runWorker(file: string, nodeOptions: string[] = []): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        ...nodeOptions,
        '--expose-gc',
        '--import',
        'tsx',
        join(__dirname, 'labeling-chain', 'stats-worker.ts'),
        file,
        'animal',
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as WorkerResult),
    );
  });
}

/**
 * `manifest stats` throughput and peak memory on generated Ground Truth output manifests of 100,000 and 1,000,000
 * lines. Each run is a fresh process, so its peak RSS is its own; a flat peak across sizes shows streaming memory.
 */
export default async function labelingChainBench(reporter: Reporter): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-bench-chain-'));
  try {
    const empty = join(dir, 'empty.manifest');
    await generate(empty, 0);
    const baseline = median([
      (await runWorker(empty)).peakRssMiB,
      (await runWorker(empty)).peakRssMiB,
      (await runWorker(empty)).peakRssMiB,
    ]);
    reporter.figure(
      'labeling-chain',
      'manifest stats: peak RSS, empty manifest',
      baseline,
      'MiB',
      'process baseline (node + tsx + modules)',
    );
    reporter.figure(
      'labeling-chain',
      'manifest stats: heap after GC, empty manifest',
      (await runWorker(empty)).retainedHeapMiB,
      'MiB',
    );
    for (const size of SIZES) {
      const file = join(dir, `manifest-${size}.manifest`);
      await generate(file, size);
      const results: WorkerResult[] = [];
      for (let run = 0; run < RUNS; run += 1) results.push(await runWorker(file));
      const first = results[0]!;
      if (first.lines !== size || first.counters.total !== size)
        throw new Error(`expected ${size} lines, scanned ${first.lines}`);
      const label = `${size.toLocaleString('en-US')} lines`;
      const mb = first.bytes / 1e6;
      const seconds = median(results.map((r) => r.seconds));
      reporter.figure(
        'labeling-chain',
        `manifest stats ${label}: throughput`,
        mb / seconds,
        'MB/s',
        `${mb.toFixed(0)} MB, median of ${RUNS}`,
      );
      reporter.figure('labeling-chain', `manifest stats ${label}: lines per second`, size / seconds, 'lines/s');
      reporter.figure(
        'labeling-chain',
        `manifest stats ${label}: peak RSS`,
        median(results.map((r) => r.peakRssMiB)),
        'MiB',
        'own process',
      );
      reporter.figure(
        'labeling-chain',
        `manifest stats ${label}: heap after GC`,
        median(results.map((r) => r.retainedHeapMiB)),
        'MiB',
        'retained at the end',
      );
      // With V8's old space capped, a scan that held lines would crash; a flat scan just collects more often.
      const capped = await runWorker(file, [`--max-old-space-size=${CAPPED_HEAP_MIB}`]);
      reporter.figure(
        'labeling-chain',
        `manifest stats ${label}: peak RSS, heap capped`,
        capped.peakRssMiB,
        'MiB',
        `--max-old-space-size=${CAPPED_HEAP_MIB}`,
      );
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
