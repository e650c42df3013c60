import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack, type aws_s3_assets as s3assets } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type IConstruct } from 'constructs';
import { buildApp } from '../../../lib/app';
import {
  BUNDLE_FILE,
  CACHE_DIR_ENV,
  type HandlerBundleRecord,
  HandlerBundler,
  bundleName,
  handlerEntries,
} from '../../../lib/shared/bundler';
import { HOUSE_BUNDLING } from '../../../lib/shared/bundling';
import { HandlerFunction } from '../../../lib/shared/handler-function';
import { REPO_ROOT } from '../../../lib/shared/paths';

/**
 * Optional packages left to run time on purpose (`HOUSE_BUNDLING.optionalExternals`): `canvas` (node-canvas) is tried
 * by vega-canvas in the trip-outliers report function, which renders SVG without it.
 */
const OPTIONAL_IMPORTS = new Set<string>(HOUSE_BUNDLING.optionalExternals);

/** The one real-bundling test: every handler through esbuild, as `cdk synth` does it. */

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface FunctionAsset {
  readonly path: string;
  readonly hash: string;
  readonly dir: string;
}

/** Every HandlerFunction of a synthesized app with its code asset (construct path → hash and staged folder). */
function functionAssets(app: App, outdir: string): Map<string, FunctionAsset> {
  const found = new Map<string, FunctionAsset>();
  for (const c of app.node.findAll()) {
    if (!(c instanceof HandlerFunction)) continue;
    const asset = c.node.findChild('Code') as s3assets.Asset;
    found.set(c.node.path, { path: c.node.path, hash: asset.assetHash, dir: join(outdir, asset.assetPath) });
  }
  return found;
}

function readRecord(cacheDir: string, entry: string): HandlerBundleRecord {
  return JSON.parse(readFileSync(join(cacheDir, bundleName(entry), 'record.json'), 'utf8')) as HandlerBundleRecord;
}

/** Synthesize (with bundling) into a fresh folder and return the folder, the function assets and the bundle stats. */
function synth(build: (app: App) => void, cacheDir: string, outdirs: string[]) {
  const outdir = mkdtempSync(join(tmpdir(), 'mlw-bundling-out-'));
  outdirs.push(outdir);
  const previous = process.env[CACHE_DIR_ENV];
  process.env[CACHE_DIR_ENV] = cacheDir;
  try {
    const app = new App({ outdir });
    build(app);
    app.synth();
    return { outdir, assets: functionAssets(app, outdir), stats: { ...HandlerBundler.session(app).stats } };
  } finally {
    if (previous === undefined) delete process.env[CACHE_DIR_ENV];
    else process.env[CACHE_DIR_ENV] = previous;
  }
}

const wholeApp = (app: App) => buildApp(app, { nag: false });

describe('real bundling: every handler of the app in one esbuild build, one asset per function', () => {
  const entries = handlerEntries();
  const outdirs: string[] = [];
  let cacheDir: string;
  let cold: ReturnType<typeof synth>;

  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'mlw-bundle-cache-'));
    cold = synth(wholeApp, cacheDir, outdirs);
  });
  afterAll(() => {
    for (const dir of [cacheDir, ...outdirs]) rmSync(dir, { recursive: true, force: true });
  });

  it('builds every handler once, in one esbuild call, into a self-contained ESM bundle exporting handler', () => {
    expect(entries.length).toBeGreaterThan(10);
    expect(cold.stats).toMatchObject({ built: entries.length, reused: 0, builds: 1 });
    for (const entry of entries) {
      const record = readRecord(cacheDir, entry);
      const name = relative(REPO_ROOT, entry);
      expect({ name, exportsHandler: record.exports.includes('handler') }).toEqual({ name, exportsHandler: true });
      // Nothing is left to resolve at run time except Node built-ins (with or without the node: prefix), and optional
      // packages a dependency loads inside try/catch and works without.
      expect({
        name,
        external: record.externalImports.filter((i) => !isBuiltin(i) && !OPTIONAL_IMPORTS.has(i)),
      }).toEqual({ name, external: [] });
      // No CDK code in a handler bundle, and the entry itself is one of its inputs.
      expect(Object.keys(record.inputs).filter((i) => i.includes('node_modules/aws-cdk-lib/'))).toEqual([]);
      expect(Object.keys(record.inputs)).toContain(record.entry);
    }
  });

  it('gives every function its own asset: index.mjs and its source map, equal to its entry bundle', () => {
    const bundles = new Map(
      entries.map((entry) => [readRecord(cacheDir, entry).files[BUNDLE_FILE]!, relative(REPO_ROOT, entry)]),
    );
    expect(bundles.size).toBe(entries.length);
    expect(cold.assets.size).toBeGreaterThanOrEqual(10);
    const entryOf = new Map<string, string>();
    for (const asset of cold.assets.values()) {
      expect({ path: asset.path, files: readdirSync(asset.dir).sort() }).toEqual({
        path: asset.path,
        files: [BUNDLE_FILE, `${BUNDLE_FILE}.map`],
      });
      const bundle = readFileSync(join(asset.dir, BUNDLE_FILE));
      const entry = bundles.get(sha256(bundle));
      expect({ path: asset.path, entry: entry ?? 'no entry has this bundle' }).toEqual({ path: asset.path, entry });
      expect(bundle.toString('utf8').trimEnd().endsWith(`//# sourceMappingURL=${BUNDLE_FILE}.map`)).toBe(true);
      entryOf.set(asset.path, entry!);
    }
    // Functions with different entries have different assets.
    const hashByEntry = new Map<string, string>();
    for (const [path, entry] of entryOf) {
      const hash = cold.assets.get(path)!.hash;
      expect(hashByEntry.get(entry) ?? hash).toBe(hash);
      hashByEntry.set(entry, hash);
    }
    expect(new Set(hashByEntry.values()).size).toBe(hashByEntry.size);
  });

  it('a warm synth reuses every bundle and keeps every asset hash; a bundle rebuilt alone is the same', () => {
    const warm = synth(wholeApp, cacheDir, outdirs);
    expect(warm.stats).toMatchObject({ built: 0, reused: entries.length, builds: 0 });
    expect(hashes(warm.assets)).toEqual(hashes(cold.assets));

    // A bundle missing from the cache is rebuilt on its own, to the same bytes as in the build of all handlers.
    const alone = entries.find((e) => e.endsWith('inspect-upload.ts')) ?? entries[0]!;
    rmSync(join(cacheDir, bundleName(alone)), { recursive: true });
    const partial = synth(wholeApp, cacheDir, outdirs);
    expect(partial.stats).toMatchObject({ built: 1, reused: entries.length - 1, builds: 1 });
    expect(hashes(partial.assets)).toEqual(hashes(cold.assets));
  });

  it('changes the asset hash of a function whose source changed, and of no other function', () => {
    const project = mkdtempSync(join(tmpdir(), 'mlw-bundle-project-'));
    outdirs.push(project);
    mkdirSync(join(project, 'core'));
    const write = (file: string, text: string) => writeFileSync(join(project, file), text);
    write('core/shared.ts', 'export const greet = (name: string): string => `hello ${name}`;\n');
    write('a.ts', "import { greet } from './core/shared';\nexport const handler = async () => greet('a');\n");
    write('b.ts', "import { greet } from './core/shared';\nexport const handler = async () => greet('b');\n");
    const twoFunctions = (app: App) => {
      const stack = new Stack(app, 'Two');
      for (const id of ['A', 'B']) {
        new HandlerFunction(stack, id, {
          entry: join(project, `${id.toLowerCase()}.ts`),
          invocation: 'sync',
          serviceName: 'bundling-test',
        });
      }
    };
    const hashOf = (run: ReturnType<typeof synth>, id: string) => run.assets.get(`Two/${id}`)!.hash;

    const first = synth(twoFunctions, cacheDir, outdirs);
    expect(first.stats.built).toBe(2);

    // Same sources, newer modification times: nothing is rebuilt, nothing changes.
    const later = new Date(Date.now() + 60_000);
    for (const file of ['a.ts', 'b.ts', 'core/shared.ts']) utimesSync(join(project, file), later, later);
    const touched = synth(twoFunctions, cacheDir, outdirs);
    expect(touched.stats).toMatchObject({ built: 0 });
    expect([hashOf(touched, 'A'), hashOf(touched, 'B')]).toEqual([hashOf(first, 'A'), hashOf(first, 'B')]);

    // A's source changes: only A is rebuilt and only A's hash changes.
    write('a.ts', "import { greet } from './core/shared';\nexport const handler = async () => greet('A!');\n");
    const changedA = synth(twoFunctions, cacheDir, outdirs);
    expect(changedA.stats).toMatchObject({ built: 1 });
    expect(hashOf(changedA, 'A')).not.toBe(hashOf(first, 'A'));
    expect(hashOf(changedA, 'B')).toBe(hashOf(first, 'B'));

    // The module both import changes: both are rebuilt and both hashes change.
    write('core/shared.ts', 'export const greet = (name: string): string => `hi ${name}`;\n');
    const changedShared = synth(twoFunctions, cacheDir, outdirs);
    expect(changedShared.stats).toMatchObject({ built: 2 });
    expect(hashOf(changedShared, 'A')).not.toBe(hashOf(changedA, 'A'));
    expect(hashOf(changedShared, 'B')).not.toBe(hashOf(changedA, 'B'));
  });

  it("fails the synth with esbuild's message when a handler does not compile", () => {
    const project = mkdtempSync(join(tmpdir(), 'mlw-bundle-broken-'));
    outdirs.push(project);
    writeFileSync(join(project, 'broken.ts'), 'export const handler = async () => {\n');
    const broken = (app: App) =>
      new HandlerFunction(new Stack(app, 'Broken'), 'Fn', {
        entry: join(project, 'broken.ts'),
        invocation: 'sync',
        serviceName: 'bundling-test',
      });
    expect(() => synth(broken, cacheDir, outdirs)).toThrow(
      /esbuild could not bundle .*broken\.ts[\s\S]*broken\.ts:2:0: ERROR: Unexpected end of file/,
    );
  });

  it('is still a NodejsFunction with handler index.handler', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const fn = new HandlerFunction(new Stack(app, 'S'), 'Fn', {
      entry: entries[0]!,
      invocation: 'sync',
      serviceName: 'bundling-test',
    });
    expect(fn).toBeInstanceOf(NodejsFunction);
  });
});

describe('skipped bundling (aws:cdk:bundling-stacks: [], as in unit synths)', () => {
  it('builds nothing and still gives each function a valid asset (its entry folder, hashed by construct path)', () => {
    const work = mkdtempSync(join(tmpdir(), 'mlw-bundle-skip-'));
    const cacheDir = join(work, 'cache');
    const previous = process.env[CACHE_DIR_ENV];
    process.env[CACHE_DIR_ENV] = cacheDir;
    try {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'S');
      const [first, second] = handlerEntries();
      const a = new HandlerFunction(stack, 'A', { entry: first!, invocation: 'sync', serviceName: 'bundling-test' });
      const b = new HandlerFunction(stack, 'B', { entry: second!, invocation: 'sync', serviceName: 'bundling-test' });
      app.synth();
      expect(existsSync(cacheDir)).toBe(false);
      const assetOf = (c: IConstruct) => c.node.findChild('Code') as s3assets.Asset;
      expect(assetOf(a).assetHash).not.toBe(assetOf(b).assetHash);
      expect(existsSync(assetOf(a).assetPath)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env[CACHE_DIR_ENV];
      else process.env[CACHE_DIR_ENV] = previous;
      rmSync(work, { recursive: true, force: true });
    }
  });
});

function hashes(assets: Map<string, FunctionAsset>): Record<string, string> {
  return Object.fromEntries([...assets.values()].map((a) => [a.path, a.hash]));
}
