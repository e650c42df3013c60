import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/shared/paths';
import { type Reporter, median } from './reporter';

/** Pairs of runs (each pair: the empty `node`, then `mlw`, in turn). */
const PAIRS = Number(process.env.BENCH_CLI_PAIRS ?? 21);

/** One process run: wall-clock and CPU (user + system) milliseconds. */
interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * A preload (`node -r`) that writes the process's own CPU time (`process.cpuUsage()`: user + system of every thread,
 * from the start of the process) to the file named by MLW_BENCH_CPU when the process exits. Both sides of a pair load
 * it the same way, so it costs them the same.
 */
const CPU_PRELOAD = `process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  require('node:fs').writeFileSync(process.env.MLW_BENCH_CPU, String((user + system) / 1000));
});
`;

function run(args: string[], dir: string): Sample {
  const cpuFile = join(dir, 'cpu.txt');
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-r', join(dir, 'cpu.cjs'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, MLW_BENCH_CPU: cpuFile },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${child.stderr}`);
  return { wallMs, cpuMs: Number(readFileSync(cpuFile, 'utf8')) };
}

/**
 * `mlw` start against an empty `node -e 0`, as pairs run in turn (A B A B …): the median of the pair ratios (wall and
 * CPU), each side's median wall and CPU time, and the load average before and after. The CLI must be built
 * (`npm run build`).
 */
function measure(reporter: Reporter): void {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-bench-cli-'));
  try {
    writeFileSync(join(dir, 'cpu.cjs'), CPU_PRELOAD);
    const jsonl = join(dir, 'tiny.jsonl');
    writeFileSync(jsonl, '{"a":1}\n');
    const commands: Record<string, string[]> = {
      'mlw --help': ['bin/mlw.js', '--help'],
      'mlw example inspect (local file)': ['bin/mlw.js', 'example', 'inspect', jsonl],
    };
    const before = loadavg()[0]!;
    for (const [name, args] of Object.entries(commands)) {
      run(['-e', '0'], dir); // warm the file cache for both sides
      run(args, dir);
      const pairs: { node: Sample; mlw: Sample }[] = [];
      for (let i = 0; i < PAIRS; i += 1) pairs.push({ node: run(['-e', '0'], dir), mlw: run(args, dir) });
      const note = `median of ${PAIRS} pairs`;
      for (const measure of ['wallMs', 'cpuMs'] as const) {
        const kind = measure === 'wallMs' ? 'wall' : 'CPU';
        const ratio = median(pairs.map((p) => p.mlw[measure] / p.node[measure]));
        reporter.figure('cli start', `${name} / node -e 0, ${kind}`, ratio, '×', note);
        reporter.figure('cli start', `${name}, ${kind}`, median(pairs.map((p) => p.mlw[measure])), 'ms', note);
        reporter.figure(
          'cli start',
          `node -e 0 (paired with ${name}), ${kind}`,
          median(pairs.map((p) => p.node[measure])),
          'ms',
          note,
        );
      }
    }
    reporter.figure(
      'cli start',
      'load average (1 min) before / after',
      before,
      '',
      `after: ${loadavg()[0]!.toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `npm run bench` module (see bench/run.ts). */
export default function benchCliStart(reporter: Reporter): Promise<void> {
  return new Promise((resolve) => {
    measure(reporter);
    resolve();
  });
}
