/**
 * One esbuild build for every Lambda handler of the app, with a content-verified cache between synths.
 *
 * `NodejsFunction` bundles each function on its own (one `npx esbuild` process per function, about 1.3 CPU-s of npm
 * start-up each). Here the first function that needs its bundle during a synthesis builds every handler of the app
 * (`lambdas/<workflow>/<function>.ts`) in one in-process `esbuild.buildSync` call with many entry points (code
 * splitting off, so each function still gets one self-contained `index.mjs` and its `index.mjs.map`); every other
 * function copies its files from that build. Each bundle is kept in a cache folder (git-ignored, under
 * `node_modules/.cache`) with the content hashes of every file esbuild read for it; a later synth reuses a bundle
 * only when all of those hashes, the folder listings of its source folders, the build options, the esbuild version,
 * `package-lock.json` and `tsconfig.json` are unchanged, so a warm synth rebuilds only the handlers whose inputs
 * changed (in one build again).
 *
 * esbuild's output for an entry point does not depend on which other entry points are in the same build (the
 * bundling test checks this), so a bundle and its asset hash are the same whether it was built with the others or
 * alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AssetHashType,
  type BundlingOptions,
  DockerImage,
  type ILocalBundling,
  aws_lambda as lambda,
} from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { buildSync, version as esbuildVersion } from 'esbuild';
import {
  type HandlerBundleRecord,
  bundleName,
  folderHash,
  handlerEntries,
  inputClosure,
  readIfExists,
  relativeToRoot,
  sha256,
  writeAtomically,
} from './bundle-record';
import { houseBuildOptions } from './bundling';
import { REPO_ROOT } from './paths';

/** File name of every handler bundle (the function's handler is `index.handler`). */
export const BUNDLE_FILE = 'index.mjs';

/** Environment variable that moves the bundle cache (an absolute folder); the default is {@link DEFAULT_CACHE_DIR}. */
export const CACHE_DIR_ENV = 'MLW_BUNDLE_CACHE_DIR';

/** Where bundles are kept between synths: git-ignored, and emptied by `npm ci` with the rest of `node_modules`. */
export const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'mlw-handler-bundles');

/** Bumped when the cache record format or the build recipe changes, so older records are rebuilt. */
const RECIPE_VERSION = 1;

/**
 * Where esbuild is told the bundles go (`write: false`: nothing is written there). Source maps name their sources
 * relative to it, so a bundle's bytes and asset hash do not depend on where the cache or `cdk.out` is.
 */
const VIRTUAL_OUTDIR = path.join(REPO_ROOT, '.handler-bundles');

/** Marks the `bundle:HandlerFunction` entry of aws-cdk-lib's performance counters (`performance-counters.json`). */
const PERF_BUNDLING_SOURCE = Symbol.for('@aws-cdk/core.bundlingSource');

export { type HandlerBundleRecord, bundleName, handlerEntries } from './bundle-record';

/** What one synthesis did: how many bundles it built and reused, and the time spent in esbuild. */
export interface BundleSessionStats {
  /** Bundles built by esbuild in this synthesis. */
  built: number;
  /** Bundles reused from the cache after their inputs were verified. */
  reused: number;
  /** esbuild calls (one per batch of stale handlers, plus one per retry of a single handler). */
  builds: number;
  /** Milliseconds spent in esbuild. */
  buildMs: number;
  /** Milliseconds spent verifying cache records (hashing inputs). */
  verifyMs: number;
}

/**
 * The bundles of one synthesis (one construct tree): builds what is stale once, then serves every function's files.
 * Get it with {@link HandlerBundler.session}.
 */
export class BundleSession {
  /** What this synthesis built and reused. */
  public readonly stats: BundleSessionStats = { built: 0, reused: 0, builds: 0, buildMs: 0, verifyMs: 0 };
  private readonly ready = new Map<string, HandlerBundleRecord>();
  private readonly contentHashes = new Map<string, string>();
  private readonly keys = new Map<string, string>();
  /** Set when a build of many handlers failed on one handler's error: then each handler is built on its own. */
  private oneByOne = false;

  constructor(private readonly cacheDir: string) {}

  /**
   * The verified cache record of an entry's bundle, building it first if it is missing or stale. The first call of a
   * session (with the default external modules) also verifies every other handler of the project and builds all
   * stale ones in the same esbuild call.
   *
   * @throws Error with esbuild's messages when the entry does not build.
   */
  public record(entry: string, externalModules: readonly string[] = []): HandlerBundleRecord {
    const name = bundleName(entry, externalModules);
    const known = this.ready.get(name);
    if (known) return known;
    const wanted = [entry];
    if (externalModules.length === 0 && !this.oneByOne) {
      for (const other of handlerEntries())
        if (other !== entry && !this.ready.has(bundleName(other))) wanted.push(other);
    }
    const stale: string[] = [];
    const start = performance.now();
    for (const candidate of wanted) {
      const record = this.verified(candidate, externalModules);
      if (record) {
        this.ready.set(bundleName(candidate, externalModules), record);
        this.stats.reused += 1;
      } else {
        stale.push(candidate);
      }
    }
    this.stats.verifyMs += performance.now() - start;
    if (stale.length > 0) this.buildAll(stale, entry, externalModules);
    const record = this.ready.get(name);
    if (!record) throw new Error(`Bundle of ${entry} is missing after its build`);
    return record;
  }

  /**
   * Copy an entry's bundle (`index.mjs`, `index.mjs.map`) into `outputDir`, checking each file against its recorded
   * hash (a concurrent synth may be replacing it; then the entry is rebuilt here).
   */
  public copyTo(entry: string, externalModules: readonly string[], outputDir: string): void {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const record = this.record(entry, externalModules);
      const dir = path.join(this.cacheDir, bundleName(entry, externalModules));
      const files = Object.entries(record.files).map(([file, hash]) => {
        const contents = readIfExists(path.join(dir, file));
        return contents && sha256(contents) === hash ? { file, contents } : undefined;
      });
      if (files.every((f) => f !== undefined)) {
        for (const { file, contents } of files) fs.writeFileSync(path.join(outputDir, file), contents);
        return;
      }
      this.ready.delete(bundleName(entry, externalModules));
      this.buildAll([entry], entry, externalModules);
    }
    throw new Error(`Bundle of ${entry} keeps changing under ${this.cacheDir}; is another synth rebuilding it?`);
  }

  /** The cache record of an entry if it exists and every input it names is unchanged. */
  private verified(entry: string, externalModules: readonly string[]): HandlerBundleRecord | undefined {
    const file = path.join(this.cacheDir, bundleName(entry, externalModules), 'record.json');
    const text = readIfExists(file);
    if (!text) return undefined;
    let record: HandlerBundleRecord;
    try {
      record = JSON.parse(text.toString('utf8')) as HandlerBundleRecord;
    } catch {
      return undefined;
    }
    if (record.version !== RECIPE_VERSION || record.key !== this.key(externalModules)) return undefined;
    for (const [input, hash] of Object.entries(record.inputs)) {
      if (this.contentHash(path.resolve(REPO_ROOT, input)) !== hash) return undefined;
    }
    for (const [folder, hash] of Object.entries(record.folders)) {
      if (folderHash(path.resolve(REPO_ROOT, folder)) !== hash) return undefined;
    }
    return record;
  }

  /**
   * Build `entries` in one esbuild call. When that fails on a handler's error (esbuild's build failure, not a failure
   * of esbuild itself), build `needed` alone, and each later handler on its own, so a broken handler of another stack
   * does not stop this one; the broken handler fails the synth when a function needs it.
   */
  private buildAll(entries: string[], needed: string, externalModules: readonly string[]): void {
    try {
      this.build(entries, externalModules);
    } catch (error) {
      if (entries.length === 1 || !(error instanceof BundleError) || !error.buildFailure) throw error;
      this.oneByOne = true;
      this.build([needed], externalModules);
    }
  }

  private build(entries: string[], externalModules: readonly string[]): void {
    const start = performance.now();
    const names = new Map(entries.map((entry) => [entry, bundleName(entry, externalModules)]));
    let result;
    // Without worker threads (ESBUILD_WORKER_THREADS=0) esbuild's buildSync returns the bundles through a child's
    // stdout, capped at 16 MiB unless ESBUILD_MAX_BUFFER says otherwise; every handler with its map is ~60 MiB.
    const maxBuffer = process.env.ESBUILD_MAX_BUFFER;
    process.env.ESBUILD_MAX_BUFFER = maxBuffer ?? String(2 ** 30);
    try {
      result = buildSync({
        ...houseBuildOptions(externalModules),
        entryPoints: Object.fromEntries(entries.map((entry) => [`${names.get(entry)!}/index`, entry])),
        outdir: VIRTUAL_OUTDIR,
        absWorkingDir: REPO_ROOT,
        write: false,
        metafile: true,
      });
    } catch (error) {
      throw new BundleError(entries, error);
    } finally {
      if (maxBuffer === undefined) delete process.env.ESBUILD_MAX_BUFFER;
    }
    this.stats.builds += 1;
    this.stats.buildMs += performance.now() - start;
    const key = this.key(externalModules);
    for (const entry of entries) {
      const name = names.get(entry)!;
      const bundlePath = path.join(VIRTUAL_OUTDIR, name, BUNDLE_FILE);
      const outputs = result.outputFiles.filter((f) => f.path === bundlePath || f.path === `${bundlePath}.map`);
      const meta = result.metafile.outputs[relativeToRoot(bundlePath)];
      if (outputs.length !== 2 || !meta) throw new Error(`esbuild produced no bundle for ${entry}`);
      const inputs = inputClosure(result.metafile, relativeToRoot(entry));
      const record: HandlerBundleRecord = {
        version: RECIPE_VERSION,
        key,
        entry: relativeToRoot(entry),
        inputs: Object.fromEntries(inputs.map((input) => [input, this.contentHash(path.resolve(REPO_ROOT, input))])),
        folders: Object.fromEntries(
          [...new Set(inputs.filter((i) => !i.split('/').includes('node_modules')).map((i) => path.posix.dirname(i)))]
            .sort()
            .map((folder) => [folder, folderHash(path.resolve(REPO_ROOT, folder))]),
        ),
        files: Object.fromEntries(outputs.map((f) => [path.basename(f.path), sha256(f.contents)])),
        bytes: meta.bytes,
        exports: meta.exports,
        externalImports: meta.imports.filter((i) => i.external).map((i) => i.path),
        contributors: Object.fromEntries(
          Object.entries(meta.inputs)
            .map(([input, { bytesInOutput }]) => [input, bytesInOutput] as const)
            .sort((a, b) => b[1] - a[1]),
        ),
      };
      const dir = path.join(this.cacheDir, name);
      fs.mkdirSync(dir, { recursive: true });
      for (const output of outputs) writeAtomically(path.join(dir, path.basename(output.path)), output.contents);
      writeAtomically(path.join(dir, 'record.json'), `${JSON.stringify(record, null, 1)}\n`);
      this.ready.set(name, record);
      this.stats.built += 1;
    }
  }

  /** Hash of everything besides the inputs that decides a bundle's bytes. */
  private key(externalModules: readonly string[]): string {
    const id = JSON.stringify(externalModules);
    let key = this.keys.get(id);
    if (!key) {
      key = sha256(
        JSON.stringify({
          recipe: RECIPE_VERSION,
          esbuild: esbuildVersion,
          options: houseBuildOptions(externalModules),
          outdir: path.relative(REPO_ROOT, VIRTUAL_OUTDIR),
          lock: this.contentHash(path.join(REPO_ROOT, 'package-lock.json')),
          tsconfig: this.contentHash(path.join(REPO_ROOT, 'tsconfig.json')),
        }),
      );
      this.keys.set(id, key);
    }
    return key;
  }

  /** SHA-256 of a file's content (once per file and session), or `missing`. */
  private contentHash(file: string): string {
    let hash = this.contentHashes.get(file);
    if (hash === undefined) {
      const contents = readIfExists(file);
      hash = contents ? sha256(contents) : 'missing';
      this.contentHashes.set(file, hash);
    }
    return hash;
  }
}

/** Serves handler bundles to `HandlerFunction`s: one {@link BundleSession} per synthesis (construct tree). */
export class HandlerBundler {
  private static readonly sessions = new WeakMap<IConstruct, BundleSession>();

  /** The bundle session of the synthesis that `scope` belongs to (keyed by the root of its construct tree). */
  public static session(scope: IConstruct): BundleSession {
    const root = scope.node.root;
    let session = HandlerBundler.sessions.get(root);
    if (!session) {
      session = new BundleSession(process.env[CACHE_DIR_ENV] || DEFAULT_CACHE_DIR);
      HandlerBundler.sessions.set(root, session);
    }
    return session;
  }

  /**
   * Lambda code for a handler entry: an asset with the function's own `index.mjs` and `index.mjs.map`, hashed by
   * content (`AssetHashType.OUTPUT`). The bundle is built, or taken from the cache, only when CDK stages the asset:
   * stacks left out of `aws:cdk:bundling-stacks` (unit synths use `[]`) skip it, and CDK then points the asset at the
   * entry's folder with a hash of the construct path, as for any skipped bundling.
   */
  public static code(scope: IConstruct, entry: string, externalModules: readonly string[] = []): lambda.Code {
    const local: ILocalBundling & { readonly entry: string; readonly externalModules: readonly string[] } = {
      // Enumerable fields: CDK keys its asset cache on the JSON of the bundling options, so each entry stages its own.
      entry: path.relative(REPO_ROOT, entry),
      externalModules,
      tryBundle(outputDir: string): boolean {
        HandlerBundler.session(scope).copyTo(entry, externalModules, outputDir);
        return true;
      },
    };
    const bundling: BundlingOptions = {
      // Never pulled or run: the local bundling above always succeeds or throws.
      image: DockerImage.fromRegistry('local-esbuild-only'),
      local,
    };
    Object.defineProperty(bundling, PERF_BUNDLING_SOURCE, { value: 'HandlerFunction', enumerable: false });
    return lambda.Code.fromAsset(path.dirname(entry), { assetHashType: AssetHashType.OUTPUT, bundling });
  }
}

/** esbuild could not bundle some handlers: its messages, and whether they are build errors of the handlers' code. */
export class BundleError extends Error {
  /** True for esbuild's build failure (errors in the handlers' code or imports), false if esbuild itself failed. */
  public readonly buildFailure: boolean;

  constructor(entries: readonly string[], cause: unknown) {
    super(
      `esbuild could not bundle ${entries.map((e) => path.relative(REPO_ROOT, e)).join(', ')}:\n${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'BundleError';
    this.buildFailure = Array.isArray((cause as { errors?: unknown } | undefined)?.errors);
  }
}
