import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { houseBuildOptions } from '../../lib/shared/bundling';
import { REPO_ROOT } from '../../lib/shared/paths';

/**
 * The layout conventions of CONTRIBUTING.md that ESLint cannot see: names every contract exports, and what a core
 * reaches through everything it imports (ESLint checks direct imports only; esbuild follows the whole graph).
 */

const LAMBDAS = join(REPO_ROOT, 'lambdas');
const folders = readdirSync(LAMBDAS, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'shared');
/** Workflow folders: those with handler files (`lambdas/<workflow>/<function>.ts`); `review/` is a module of adapters. */
const workflows = folders
  .map((d) => d.name)
  .filter((name) => readdirSync(join(LAMBDAS, name)).some((f) => f.endsWith('.ts') && f !== 'contract.ts'));

describe('layout conventions', () => {
  it.each(workflows)(
    'lambdas/%s/contract.ts exports <WORKFLOW>_ENV, <WORKFLOW>_METRICS and <WORKFLOW>_SERVICE',
    (name) => {
      const prefix = name.toUpperCase().replace(/-/g, '_');
      const contract = jest.requireActual<Record<string, unknown>>(join(LAMBDAS, name, 'contract.ts'));
      const kinds = ['ENV', 'METRICS', 'SERVICE'].map((kind) => {
        const value = contract[`${prefix}_${kind}`];
        const strings =
          typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
        return `${prefix}_${kind}: ${strings ? 'an object of names' : String(value)}`;
      });
      expect(kinds).toEqual(['ENV', 'METRICS', 'SERVICE'].map((kind) => `${prefix}_${kind}: an object of names`));
    },
  );

  it('finds the workflows', () => {
    expect(workflows).toEqual(expect.arrayContaining(['active-learning', 'review-portal', 'streaming-anomaly']));
  });

  it('keeps every core free of service clients and adapters, through everything it imports', async () => {
    const cores = folders.flatMap((d) => {
      const dir = join(LAMBDAS, d.name, 'core');
      try {
        return readdirSync(dir)
          .filter((f) => f.endsWith('.ts'))
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
