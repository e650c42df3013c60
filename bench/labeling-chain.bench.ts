import { execFile } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Reporter, median } from './reporter';

/** Line counts of the generated manifests. */
const SIZES = [100_000, 1_000_000];
/** Pairs (Python, mlw) run in turn per size; the median of the pair ratios is reported. */
const PAIRS = 3;
const ROOT = join(__dirname, '..');
const PROBE = join(__dirname, 'labeling-chain', 'rss-probe.js');
const PYTHON_LOOP = join(__dirname, 'labeling-chain', 'python-loop.py');

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

/** What one measured process reports. */
interface Run {
  seconds: number;
  peakRssMiB: number;
  cpuSeconds: number;
  lines: number;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ seconds: number; stdout: string }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`))
          : resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, stdout }),
    );
  });
}

/** `mlw manifest stats FILE --label-attribute animal --json`, end to end in its own process (start-up included). */
async function runMlw(cli: string[], file: string, probeFile: string): Promise<Run> {
  const { seconds, stdout } = await run(
    process.execPath,
    ['--require', PROBE, ...cli, 'manifest', 'stats', file, '--label-attribute', 'animal', '--json'],
    { MLW_BENCH_PROBE_FILE: probeFile },
  );
  const counters = JSON.parse(stdout) as { total: number };
  const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { peakRssMiB: number; cpuSeconds: number };
  return { seconds, ...probe, lines: counters.total };
}

/** The Python anchor, in its own process (interpreter start-up included). */
async function runPython(file: string): Promise<Run> {
  const { seconds, stdout } = await run('python3', [PYTHON_LOOP, file]);
  return { seconds, ...(JSON.parse(stdout) as Omit<Run, 'seconds'>) };
}

/**
 * Ground Truth manifest scan, end to end through `mlw manifest stats` (the CLI bundled as it ships: plain JavaScript,
 * no TypeScript loader), against Python's `for line in f: json.loads(line)` on the same file. The two run in turn
 * (Python, mlw, Python, mlw, …); each is a fresh process, so its peak RSS is its own. A flat peak from 100,000 to
 * 1,000,000 lines shows streaming memory. One extra run goes through `bin/mlw.js` (the tsx launcher) for comparison.
 */
export default async function labelingChainBench(reporter: Reporter): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-bench-chain-'));
  const bundleDir = join(ROOT, '.bench');
  mkdirSync(bundleDir, { recursive: true });
  // The bundle sits one folder below the repository so the CLI finds package.json where it looks for it.
  const bundle = join(bundleDir, 'mlw-bench.cjs');
  try {
    await build({
      entryPoints: [join(ROOT, 'bin', 'mlw.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'error',
    });
    const probeFile = join(dir, 'probe.json');
    const [load1] = loadavg();
    reporter.figure('labeling-chain', 'load average at start', load1 ?? 0, '', '1-minute');
    const peaks: number[] = [];
    for (const size of SIZES) {
      const file = join(dir, `manifest-${size}.manifest`);
      await generate(file, size);
      const mb = statSync(file).size / 1e6;
      const python: Run[] = [];
      const mlw: Run[] = [];
      for (let pair = 0; pair < PAIRS; pair += 1) {
        python.push(await runPython(file));
        mlw.push(await runMlw([bundle], file, probeFile));
      }
      for (const r of [...python, ...mlw]) {
        if (r.lines !== size) throw new Error(`expected ${size} lines, counted ${r.lines}`);
      }
      const label = `${size.toLocaleString('en-US')} lines`;
      const note = `${mb.toFixed(0)} MB, median of ${PAIRS}`;
      const mlwSeconds = median(mlw.map((r) => r.seconds));
      reporter.figure(
        'labeling-chain',
        `${label}: python loop`,
        mb / median(python.map((r) => r.seconds)),
        'MB/s',
        note,
      );
      reporter.figure('labeling-chain', `${label}: mlw manifest stats`, mb / mlwSeconds, 'MB/s', note);
      reporter.figure('labeling-chain', `${label}: mlw manifest stats`, size / mlwSeconds, 'lines/s');
      reporter.figure(
        'labeling-chain',
        `${label}: mlw ÷ python speed`,
        median(mlw.map((r, i) => python[i]!.seconds / r.seconds)),
        '×',
        `median of ${PAIRS} pair ratios (wall)`,
      );
      reporter.figure(
        'labeling-chain',
        `${label}: mlw ÷ python speed, CPU time`,
        median(mlw.map((r, i) => python[i]!.cpuSeconds / r.cpuSeconds)),
        '×',
        `median of ${PAIRS} pair ratios (CPU seconds: steadier than wall time on a loaded machine)`,
      );
      reporter.figure(
        'labeling-chain',
        `${label}: CPU seconds mlw / python`,
        median(mlw.map((r) => r.cpuSeconds)),
        's',
        `python ${median(python.map((r) => r.cpuSeconds)).toFixed(2)} s`,
      );
      const peak = median(mlw.map((r) => r.peakRssMiB));
      peaks.push(peak);
      reporter.figure(
        'labeling-chain',
        `${label}: peak RSS mlw`,
        peak,
        'MiB',
        `python ${median(python.map((r) => r.peakRssMiB)).toFixed(1)} MiB`,
      );
      const viaTsx = await runMlw([join(ROOT, 'bin', 'mlw.js')], file, probeFile);
      reporter.figure(
        'labeling-chain',
        `${label}: bin/mlw.js (tsx launcher)`,
        mb / viaTsx.seconds,
        'MB/s',
        `one run, peak RSS ${viaTsx.peakRssMiB.toFixed(1)} MiB`,
      );
      rmSync(file, { force: true });
    }
    reporter.figure(
      'labeling-chain',
      'peak RSS growth 100k → 1M lines',
      (peaks[1]! / peaks[0]! - 1) * 100,
      '%',
      'mlw, bundled',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bundle, { force: true });
  }
}
