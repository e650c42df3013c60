import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/shared/paths';
import { bundleHandlers, handlerEntries } from '../test/helpers/handlers';
import { type Reporter, median } from './reporter';

const SYNTH_RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 3);
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);

/** Wall-clock ms of a command (fresh process every time). */
function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const child = spawnSync(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${child.stderr}`);
  return ms;
}

/**
 * Cold `cdk synth` of every stack with real bundling (fresh output folder each run, so nothing is cached), through
 * the project's tsx app command and through ts-node (the old `cdk init` default), interleaved in one run.
 */
function benchSynth(reporter: Reporter): void {
  const cdk = join(REPO_ROOT, 'node_modules/.bin/cdk');
  const runners = {
    tsx: 'npx tsx bin/app.ts',
    // The old `cdk init` app command (type-checks while it runs). The project's tsconfig targets bundlers, so ts-node
    // gets Node's CommonJS module settings.
    'ts-node': `npx ts-node --prefer-ts-exts --compilerOptions '{"module":"node16","moduleResolution":"node16"}' bin/app.ts`,
  };
  const samples: Record<string, number[]> = { tsx: [], 'ts-node': [] };
  for (let run = 0; run < SYNTH_RUNS; run += 1) {
    for (const [name, app] of Object.entries(runners)) {
      const outdir = mkdtempSync(join(tmpdir(), 'mlw-synth-'));
      try {
        samples[name]!.push(
          timeCommand(cdk, ['synth', '--quiet', '--app', app, '--output', outdir], { CDK_DISABLE_VERSION_CHECK: '1' }),
        );
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    }
  }
  const tsx = median(samples.tsx!);
  const tsNode = median(samples['ts-node']!);
  reporter.figure('synth', 'cdk synth, all stacks, real bundling (tsx)', tsx / 1000, 's', `median of ${SYNTH_RUNS}`);
  reporter.figure(
    'synth',
    'cdk synth, all stacks, real bundling (ts-node)',
    tsNode / 1000,
    's',
    `median of ${SYNTH_RUNS}`,
  );
  reporter.figure('synth', 'ts-node / tsx', tsNode / tsx, '×');
}

/**
 * Per handler: bundle size with the house settings, and the median cold module-initialisation time (a fresh `node`
 * process importing the bundle, minus a fresh `node` process importing an empty module).
 */
async function benchHandlers(reporter: Reporter): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-bundles-'));
  try {
    const entries = handlerEntries();
    await bundleHandlers(outdir, entries);
    const empty = join(outdir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => undefined;\n');
    const importTime = (file: string): number => {
      const samples: number[] = [];
      for (let i = 0; i < INIT_RUNS; i += 1)
        samples.push(
          timeCommand(
            process.execPath,
            ['--enable-source-maps', '--input-type=module', '-e', `await import(${JSON.stringify(file)})`],
            HANDLER_ENV,
          ),
        );
      return median(samples);
    };
    const baseline = importTime(empty);
    reporter.figure('handlers', 'node start + empty ESM import (baseline)', baseline, 'ms', `median of ${INIT_RUNS}`);
    for (const entry of entries) {
      const bundle = join(outdir, entry.replace(/\.ts$/, '.mjs'));
      const name = entry.replace(/^lambdas\//, '').replace(/\.ts$/, '');
      reporter.figure('handlers', `${name}: bundle size`, statSync(bundle).size / 1024, 'KiB');
      reporter.figure(
        'handlers',
        `${name}: cold init`,
        Math.max(0, importTime(bundle) - baseline),
        'ms',
        `median of ${INIT_RUNS}, minus baseline`,
      );
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Environment that lets every handler module load (env is read lazily; SDK clients need a region). */
const HANDLER_ENV: NodeJS.ProcessEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_NAMESPACE: 'Bench',
  POWERTOOLS_SERVICE_NAME: 'bench',
};

export default async function foundation(reporter: Reporter): Promise<void> {
  benchSynth(reporter);
  await benchHandlers(reporter);
}
