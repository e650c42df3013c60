// Builds the `mlw` CLI into dist/cli/ with esbuild: one ES module entry (mlw.mjs) and a chunk per lazily loaded part
// (each command module, each AWS SDK client), so `mlw --help` loads only the entry and a command loads only what it
// uses. Run by `npm run build`, by npm's `prepare` step on `npm ci`/`npm install`, and by the tests (jest global
// setup). Writes dist/cli/meta.json (esbuild's metafile: which sources went into which chunk).
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Output directory of the CLI build (git-ignored). */
export const OUT_DIR = join(root, 'dist', 'cli');

/** Build the CLI; returns esbuild's metafile. */
export async function buildCli({ outdir = OUT_DIR } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { mlw: 'bin/mlw.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // Prefer the packages' ES module builds (the AWS SDK's dist-es): smaller chunks that load faster.
    mainFields: ['module', 'main'],
    minify: true,
    // Class names are error names (ValidationError, CredentialsProviderError, ...): keep them.
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // DuckDB's native binding (a .node file per platform) is loaded from node_modules at run time, by `mlw trips` only.
    external: ['@duckdb/node-api'],
    // CommonJS dependencies bundled into ES modules still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __mlwCreateRequire } from 'node:module'; const require = __mlwCreateRequire(import.meta.url);",
    },
  });
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildCli();
}
