import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Reporter } from './reporter';

/** Line counts of the generated manifests: a flat peak RSS from the small to the large one shows streaming. */
const SIZES = [20_000, 200_000];
const ROOT = join(__dirname, '..');
const MLW = join(ROOT, 'bin', 'mlw.js');
const PROBE = join(__dirname, 'labeling-chain', 'rss-probe.js');

/** One valid Custom Labels object-detection line: 1–4 boxes inside a 1024 × 768 image, three labels. */
function line(i: number): string {
  const boxes = 1 + (i % 4);
  return JSON.stringify({
    'source-ref': `s3://bench-images/batch-${Math.floor(i / 1000)}/${String(i).padStart(8, '0')}.jpg`,
    'bounding-box': {
      image_size: [{ width: 1024, height: 768, depth: 3 }],
      annotations: Array.from({ length: boxes }, (_, b) => ({
        class_id: (i + b) % 3,
        left: 10 + b * 200,
        top: 20 + b * 150,
        width: 150,
        height: 120,
      })),
    },
    'bounding-box-metadata': {
      objects: Array.from({ length: boxes }, () => ({ confidence: 0.87 })),
      'class-map': { '0': 'Chimney', '1': 'Skylight', '2': 'Solar panel' },
      type: 'groundtruth/object-detection',
      'human-annotated': 'yes',
      'creation-date': '2026-11-30T10:11:12.123',
      'job-name': 'labeling-job/custom-labels-assist-bench',
    },
  });
}

async function generate(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < lines; i += 1) {
    if (!out.write(`${line(i)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** `mlw labels manifest validate FILE --json` in its own process (start-up included), with its peak RSS and CPU. */
function validate(file: string, probeFile: string): Promise<{ seconds: number; lines: number; valid: boolean }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--require', PROBE, MLW, 'labels', 'manifest', 'validate', file, '--json'],
      { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, MLW_BENCH_PROBE_FILE: probeFile } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`mlw labels manifest validate ${file}: ${error.message}\n${stderr}`));
        const report = JSON.parse(stdout) as { lines: number; valid: boolean };
        resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, ...report });
      },
    );
  });
}

/**
 * Custom Labels manifest validation throughput, end to end through the built `mlw labels manifest validate` (every
 * rule on every line): MB/s and lines/s, and the peak RSS of the process for a small and a ten times larger manifest
 * (flat memory: the validator streams and keeps only the labels seen and the first problems).
 */
export default async function customLabelsAssistBench(reporter: Reporter): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-bench-labels-'));
  try {
    const probeFile = join(dir, 'probe.json');
    const peaks: number[] = [];
    for (const size of SIZES) {
      const file = join(dir, `train-${size}.manifest`);
      await generate(file, size);
      const mb = statSync(file).size / 1e6;
      const run = await validate(file, probeFile);
      if (!run.valid || run.lines !== size) throw new Error(`expected ${size} valid lines, got ${run.lines}`);
      const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { peakRssMiB: number; cpuSeconds: number };
      const label = `${size.toLocaleString('en-US')} lines (${mb.toFixed(0)} MB)`;
      reporter.figure('custom-labels-assist', `${label}: manifest validate`, mb / run.seconds, 'MB/s', 'wall');
      reporter.figure('custom-labels-assist', `${label}: manifest validate`, size / run.seconds, 'lines/s');
      reporter.figure('custom-labels-assist', `${label}: peak RSS`, probe.peakRssMiB, 'MiB');
      peaks.push(probe.peakRssMiB);
    }
    reporter.figure(
      'custom-labels-assist',
      'peak RSS, large / small manifest',
      peaks[1]! / peaks[0]!,
      '×',
      '≈ 1: flat memory',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
