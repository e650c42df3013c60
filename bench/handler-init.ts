/**
 * Per-handler figures: bundle size, what fills the bundle (esbuild metafile, grouped by package), and cold module
 * initialisation above an empty process, measured in rounds so every handler, the empty baselines and the Python
 * reference run in turn.
 *
 * One round runs, in fresh processes: the empty `node` import (without and with `--enable-source-maps`), the Python
 * baseline and reference (when `python3` has boto3), then each handler bundle without and with
 * `--enable-source-maps`, then the empty imports again. A handler's init in a round is its process minus the mean of
 * that round's two empty processes with the same flags; the figure is the median over rounds, never clamped at zero.
 * Each process reports its own CPU time (`process.cpuUsage()`, `resource.getrusage`) when its import has finished.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BundleSession, bundleName, handlerEntries } from '../lib/shared/bundler';
import { REPO_ROOT } from '../lib/shared/paths';
import { type CommandSpec, type Sample, runCommand } from './paired';
import { type Reporter, median } from './reporter';

/** Environment that lets every handler module load (env is read lazily; SDK clients need a region). */
const HANDLER_ENV: NodeJS.ProcessEnv = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EC2_METADATA_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_NAMESPACE: 'Bench',
  POWERTOOLS_SERVICE_NAME: 'bench',
  NODE_OPTIONS: '',
};

/** The Python reference of issue 13: `import boto3` and two clients. */
const PYTHON_REFERENCE = "import boto3; boto3.client('s3'); boto3.client('dynamodb')";

/** Options of {@link benchHandlers}. */
export interface HandlerBenchOptions {
  /** Rounds (fresh processes per handler and flag in each). */
  readonly rounds: number;
  /** Node.js binary for the handler processes (e.g. a Node 24 binary, as on Lambda). */
  readonly node: string;
  /** How many package groups to print per handler. */
  readonly top: number;
}

/** A fresh process that imports a module and reports its CPU time and time since process start (ms) on stdout. */
function nodeImport(node: string, file: string, sourceMaps: boolean): CommandSpec {
  const code = `await import(${JSON.stringify(file)}); const u = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));`;
  return {
    command: node,
    args: [...(sourceMaps ? ['--enable-source-maps'] : []), '--no-warnings', '--input-type=module', '-e', code],
    env: HANDLER_ENV,
  };
}

function pythonRun(python: string, code: string): CommandSpec {
  const report =
    "import resource, json, sys; r = resource.getrusage(resource.RUSAGE_SELF); sys.stdout.write(json.dumps({'cpuMs': (r.ru_utime + r.ru_stime) * 1000}))";
  return { command: python, args: ['-c', `${code}\n${report}`], env: HANDLER_ENV };
}

/** Run a process that reports its own CPU time; wall time is measured from here (spawn to exit). */
function measure(spec: CommandSpec): Sample {
  const result = runCommand(spec);
  const reported = JSON.parse(result.stdout) as { cpuMs: number };
  return { wallMs: result.wallMs, cpuMs: reported.cpuMs };
}

/** The real Python executable (not a pyenv shim) if `python3` imports boto3, else undefined. */
function pythonWithBoto3(): string | undefined {
  try {
    const out = runCommand({ command: 'python3', args: ['-c', 'import sys, boto3; print(sys.executable)'] });
    return out.stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Package (or source folder) an esbuild input belongs to: `zod`, `@aws-sdk/client-s3`, `lambdas/shared`. */
export function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const name = parts[at + 1] ?? input;
    return name.startsWith('@') ? `${name}/${parts[at + 2] ?? ''}` : name;
  }
  return parts.slice(0, 2).join('/');
}

/** Bundle every handler (one build, as `cdk synth` does) and report size, contributors and cold init. */
export function benchHandlers(reporter: Reporter, options: HandlerBenchOptions): void {
  const work = mkdtempSync(join(tmpdir(), 'mlw-bench-handlers-'));
  try {
    const session = new BundleSession(join(work, 'cache'));
    const entries = handlerEntries();
    const records = entries.map((entry) => session.record(entry));
    reporter.figure(
      'handlers',
      `bundle all ${entries.length} handlers (one esbuild build)`,
      session.stats.buildMs,
      'ms',
      `${session.stats.builds} build`,
    );
    const names = entries.map((entry) => relative(join(REPO_ROOT, 'lambdas'), entry).replace(/\.ts$/, ''));
    const files = entries.map((entry) => join(work, 'cache', bundleName(entry), 'index.mjs'));
    const empty = join(work, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => undefined;\n');

    for (const [i, record] of records.entries()) {
      const byPackage = new Map<string, number>();
      for (const [input, bytes] of Object.entries(record.contributors)) {
        byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytes);
      }
      const top = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, options.top);
      reporter.figure(
        'handlers',
        `${names[i]!}: bundle size`,
        record.bytes / 1024,
        'KiB',
        top.map(([pkg, bytes]) => `${pkg} ${Math.round(bytes / 1024)}`).join(', '),
      );
    }

    const python = pythonWithBoto3();
    const node = options.node;
    const nodeVersion = runCommand({ command: node, args: ['--version'] }).stdout.trim();
    type Round = {
      empty: [Sample, Sample];
      emptyMaps: [Sample, Sample];
      python?: number;
      pythonCpu?: number;
      plain: Sample[];
      maps: Sample[];
    };
    const rounds: Round[] = [];
    for (let r = 0; r < options.rounds; r += 1) {
      const empty0 = measure(nodeImport(node, empty, false));
      const emptyMaps0 = measure(nodeImport(node, empty, true));
      let py: Pick<Round, 'python' | 'pythonCpu'> = {};
      if (python) {
        const base = measure(pythonRun(python, 'pass'));
        const ref = measure(pythonRun(python, PYTHON_REFERENCE));
        py = { python: ref.wallMs - base.wallMs, pythonCpu: ref.cpuMs - base.cpuMs };
      }
      const plain: Sample[] = [];
      const maps: Sample[] = [];
      for (const file of files) {
        plain.push(measure(nodeImport(node, file, false)));
        maps.push(measure(nodeImport(node, file, true)));
      }
      const empty1 = measure(nodeImport(node, empty, false));
      const emptyMaps1 = measure(nodeImport(node, empty, true));
      rounds.push({ empty: [empty0, empty1], emptyMaps: [emptyMaps0, emptyMaps1], ...py, plain, maps });
    }

    const mean = (pair: [Sample, Sample], key: keyof Sample) => (pair[0][key] + pair[1][key]) / 2;
    const note = `median of ${options.rounds} rounds, ${nodeVersion}`;
    reporter.figure(
      'handlers',
      'empty node process + empty ESM import (baseline)',
      median(rounds.map((r) => mean(r.empty, 'wallMs'))),
      'ms',
      `${note}; CPU ${median(rounds.map((r) => mean(r.empty, 'cpuMs'))).toFixed(1)} ms`,
    );
    if (python) {
      reporter.figure(
        'handlers',
        'Python reference (import boto3 + 2 clients) above python -c pass',
        median(rounds.map((r) => r.python!)),
        'ms',
        `median of ${options.rounds} rounds; CPU ${median(rounds.map((r) => r.pythonCpu!)).toFixed(1)} ms`,
      );
    } else {
      reporter.figure('handlers', 'Python reference', Number.NaN, 'ms', 'python3 with boto3 not available');
    }
    for (const [i, name] of names.entries()) {
      const init = (r: Round, key: keyof Sample) => r.plain[i]![key] - mean(r.empty, key);
      const initMaps = (r: Round, key: keyof Sample) => r.maps[i]![key] - mean(r.emptyMaps, key);
      const initMs = median(rounds.map((r) => init(r, 'wallMs')));
      const cpuMs = median(rounds.map((r) => init(r, 'cpuMs')));
      const mapsMs = median(rounds.map((r) => initMaps(r, 'wallMs') - init(r, 'wallMs')));
      const mapsCpuMs = median(rounds.map((r) => initMaps(r, 'cpuMs') - init(r, 'cpuMs')));
      const vsPython =
        python !== undefined
          ? ` Python reference / this: ${median(rounds.map((r) => r.python! / init(r, 'wallMs'))).toFixed(2)}× wall, ${median(rounds.map((r) => r.pythonCpu! / init(r, 'cpuMs'))).toFixed(2)}× CPU;`
          : '';
      reporter.figure(
        'handlers',
        `${name}: cold init above empty node`,
        initMs,
        'ms',
        `CPU ${cpuMs.toFixed(1)} ms; --enable-source-maps adds ${mapsMs.toFixed(1)} ms wall, ${mapsCpuMs.toFixed(1)} ms CPU;${vsPython} ${note}`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
