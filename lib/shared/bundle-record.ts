/**
 * The cache record of a handler bundle and the file helpers of the bundle cache (`lib/shared/bundler.ts`): which
 * handlers the project has, where each one's bundle is kept, and what esbuild read for it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Metafile } from 'esbuild';
import { REPO_ROOT } from './paths';

/** What a synth knows about one handler bundle (from the cache record written when it was built). */
export interface HandlerBundleRecord {
  /** Recipe version of the bundler that wrote the record (`lib/shared/bundler.ts`); older records are rebuilt. */
  readonly version: number;
  /** Hash of the build options, esbuild version, `package-lock.json` and `tsconfig.json`. */
  readonly key: string;
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  /** Every file esbuild read for this bundle (relative to the repository root) → SHA-256 of its content. */
  readonly inputs: Record<string, string>;
  /** Each source folder of the bundle outside `node_modules` → SHA-256 of its file listing (new files can shadow). */
  readonly folders: Record<string, string>;
  /** Output file name (`index.mjs`, `index.mjs.map`) → SHA-256 of its content. */
  readonly files: Record<string, string>;
  /** Size of `index.mjs` in bytes. */
  readonly bytes: number;
  /** Exports of the bundle (a handler bundle exports `handler`). */
  readonly exports: string[];
  /** Imports left to the runtime (only Node.js built-ins unless `externalModules` says otherwise). */
  readonly externalImports: string[];
  /** Input file → bytes it contributes to `index.mjs` (esbuild metafile `bytesInOutput`), largest first. */
  readonly contributors: Record<string, number>;
}

/**
 * Every Lambda handler entry of the project: `lambdas/<workflow>/<function>.ts` (not `contract.ts`, not `shared/`,
 * not sub-folders such as `core/`), as absolute paths, sorted.
 */
export function handlerEntries(root: string = REPO_ROOT): string[] {
  const lambdas = path.join(root, 'lambdas');
  return fs
    .readdirSync(lambdas, { withFileTypes: true })
    .filter((workflow) => workflow.isDirectory() && workflow.name !== 'shared')
    .flatMap((workflow) =>
      fs
        .readdirSync(path.join(lambdas, workflow.name))
        .filter((file) => file.endsWith('.ts') && file !== 'contract.ts' && !file.endsWith('.d.ts'))
        .map((file) => path.join(lambdas, workflow.name, file)),
    )
    .sort();
}

/**
 * Cache folder name of an entry: its path under the repository without `.ts` (`lambdas/example/inspect-upload`), or
 * `external/<hash>` for an entry outside the repository; a suffix tells builds with other external modules apart.
 */
export function bundleName(entry: string, externalModules: readonly string[] = []): string {
  const relative = path.relative(REPO_ROOT, entry);
  const base =
    relative.startsWith('..') || path.isAbsolute(relative)
      ? `external/${sha256(entry).slice(0, 16)}`
      : relative
          .split(path.sep)
          .join('/')
          .replace(/\.[cm]?[jt]sx?$/, '');
  return externalModules.length === 0 ? base : `${base}~${sha256(JSON.stringify(externalModules)).slice(0, 8)}`;
}

/** Every input file reachable from `entry` through the metafile's import graph (what esbuild read for it). */
export function inputClosure(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let input = queue.pop(); input !== undefined; input = queue.pop()) {
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      if (imported.external || seen.has(imported.path) || !(imported.path in metafile.inputs)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return [...seen].sort();
}

/** SHA-256 of a folder's sorted file listing, or `missing`. */
export function folderHash(folder: string): string {
  try {
    return sha256(JSON.stringify(fs.readdirSync(folder).sort()));
  } catch {
    return 'missing';
  }
}

/** Path of a file relative to the repository root, with `/` separators (as esbuild's metafile names files). */
export function relativeToRoot(file: string): string {
  return path.relative(REPO_ROOT, file).split(path.sep).join('/');
}

/** A file's content, or undefined if it does not exist. */
export function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Write a file through a temporary name and a rename, so a concurrent reader sees the old or the new content. */
export function writeAtomically(file: string, contents: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, contents);
  fs.renameSync(temp, file);
}

/** SHA-256 of a string or bytes, as hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
