import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { houseBuildOptions } from '../../lib/shared/bundling';
import { REPO_ROOT } from '../../lib/shared/paths';

/**
 * The layout conventions of CONTRIBUTING.md that ESLint cannot see: names every contract exports (and that each name
 * is spelled once, in its contract), and what a core reaches through everything it imports (ESLint checks direct
 * imports only; esbuild follows the whole graph).
 */

const LAMBDAS = join(REPO_ROOT, 'lambdas');
/**
 * Files and folders that `lint-rules.test.ts` writes for a moment (`__lint_probe_*`); a parallel worker may see them.
 */
const isProbe = (path: string) => path.includes('__lint_probe');
const folders = readdirSync(LAMBDAS, { withFileTypes: true }).filter(
  (d) => d.isDirectory() && d.name !== 'shared' && !isProbe(d.name),
);
/** Workflow folders: those with handler files (`lambdas/<workflow>/<function>.ts`); `review/` is a module of adapters. */
const workflows = folders
  .map((d) => d.name)
  .filter((name) => readdirSync(join(LAMBDAS, name)).some((f) => f.endsWith('.ts') && f !== 'contract.ts'));

/** The exports of `lambdas/<name>/contract.ts` (or of a contract split into `contract/index.ts`). */
function contractOf(name: string): Record<string, unknown> {
  return jest.requireActual<Record<string, unknown>>(join(LAMBDAS, name, 'contract'));
}

/** The contract's source files (one file, or every file of a `contract/` folder). */
function contractFiles(name: string): string[] {
  const folder = join(LAMBDAS, name, 'contract');
  if (existsSync(folder))
    return readdirSync(folder)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(folder, f));
  return [join(LAMBDAS, name, 'contract.ts')];
}

/** Every `.ts` file under a folder of the repository, recursively. */
function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.includes('node_modules') && !isProbe(f))
    .map((f) => join(REPO_ROOT, dir, f));
}

/** The names a contract gives: `[export name, key, value]` for each member of its `*_ENV`, `*_METRICS`, `*_SERVICE`. */
function contractNames(name: string): [string, string, string][] {
  return Object.entries(contractOf(name))
    .filter(([exported]) => /_(ENV|METRICS|SERVICE)$/.test(exported))
    .flatMap(([exported, value]) =>
      Object.entries(value as Record<string, unknown>)
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .map(([key, v]) => [exported, key, v] as [string, string, string]),
    );
}

describe('layout conventions', () => {
  it.each(workflows)(
    'lambdas/%s/contract.ts exports <WORKFLOW>_ENV, <WORKFLOW>_METRICS and <WORKFLOW>_SERVICE',
    (name) => {
      const prefix = name.toUpperCase().replace(/-/g, '_');
      const contract = contractOf(name);
      const kinds = ['ENV', 'METRICS', 'SERVICE'].map((kind) => {
        const value = contract[`${prefix}_${kind}`];
        const strings =
          typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
        return `${prefix}_${kind}: ${strings ? 'an object of names' : String(value)}`;
      });
      expect(kinds).toEqual(['ENV', 'METRICS', 'SERVICE'].map((kind) => `${prefix}_${kind}: an object of names`));
    },
  );

  it('gives every service a name of its own: no two functions of two workflows publish under one service name', () => {
    const owners = new Map<string, string[]>();
    for (const name of [...workflows, 'review']) {
      for (const [exported, key, value] of contractNames(name).filter(([e]) => e.endsWith('_SERVICE')))
        owners.set(value, [...(owners.get(value) ?? []), `${exported}.${key}`]);
    }
    expect([...owners].filter(([, where]) => where.length > 1)).toEqual([]);
  });

  it('spells every environment variable, metric and service name once: in its contract, never as a literal elsewhere', () => {
    const contractSources = new Set([...workflows, 'review'].flatMap(contractFiles));
    /** Code without comments (TSDoc may name a variable or a metric; code must use the contract's constant). */
    const code = (dirs: string[]) =>
      dirs
        .flatMap(sources)
        .filter((file) => !contractSources.has(file))
        .map((file) => ({
          file: relative(REPO_ROOT, file),
          text: readFileSync(file, 'utf8')
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/(^|[^:])\/\/.*$/gm, '$1'),
        }));
    // Environment variable and service names everywhere; metric names where metrics are published or read (a
    // construct id in lib/ may be the same word as a metric, e.g. the TripOutliers stack and metric).
    const everywhere = code(['bin', 'lib', 'lambdas', 'cli', 'web']);
    const handlers = everywhere.filter(({ file }) => file.startsWith('lambdas/') || file.startsWith('cli/'));
    const spelledAgain = [...workflows, 'review'].flatMap((name) =>
      contractNames(name).flatMap(([exported, key, value]) =>
        (exported.endsWith('_METRICS') ? handlers : everywhere)
          .filter(({ text }) => [`'${value}'`, `"${value}"`, `\`${value}\``].some((literal) => text.includes(literal)))
          .map(({ file }) => `${file} spells ${JSON.stringify(value)} (${exported}.${key})`),
      ),
    );
    expect(spelledAgain).toEqual([]);
  });

  it('finds the workflows', () => {
    expect(workflows).toEqual(
      expect.arrayContaining(['active-learning', 'review-portal', 'streaming-anomaly', 'trip-outliers']),
    );
  });

  it('keeps every core free of service clients and adapters, through everything it imports', async () => {
    const cores = folders.flatMap((d) => {
      const dir = join(LAMBDAS, d.name, 'core');
      try {
        return readdirSync(dir)
          .filter((f) => f.endsWith('.ts') && !isProbe(f))
          .map((f) => join(dir, f));
      } catch {
        return [];
      }
    });
    expect(cores.length).toBeGreaterThan(30);
    const outdir = mkdtempSync(join(tmpdir(), 'mlw-layers-'));
    try {
      const result = await build({
        ...houseBuildOptions(),
        entryPoints: cores,
        outdir,
        write: false,
        metafile: true,
        minify: false,
        sourcemap: false,
      });
      // Walk the import graph (every file esbuild read, before tree shaking drops unused imports).
      const inputs = result.metafile.inputs;
      const forbidden = /node_modules\/(@aws-sdk|@smithy|@gitbeaker)\/|^lambdas\/[^/]+\/adapters\//;
      const wrong = cores.flatMap((core) => {
        const start = relative(REPO_ROOT, core);
        const seen = new Set<string>([start]);
        const queue = [start];
        const reached: string[] = [];
        while (queue.length > 0) {
          const file = queue.shift()!;
          for (const { path } of inputs[file]?.imports ?? []) {
            if (seen.has(path)) continue;
            seen.add(path);
            if (forbidden.test(path)) reached.push(`${start} reaches ${path} (through ${file})`);
            else queue.push(path);
          }
        }
        return reached;
      });
      expect(wrong).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
