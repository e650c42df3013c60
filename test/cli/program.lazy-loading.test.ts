import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { REPO_ROOT } from '../../lib/shared/paths';
import { runMlw } from '../helpers/cli';
import { localS3Client, useLocalServices } from '../helpers/local-services';

/** esbuild's metafile of the CLI build (cli/build.mjs, run by the jest global setup). */
interface Metafile {
  outputs: Record<
    string,
    {
      entryPoint?: string;
      inputs: Record<string, unknown>;
      imports: { path: string; kind: string; external?: boolean }[];
    }
  >;
}

const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist/cli/meta.json'), 'utf8')) as Metafile;
const ENTRY = 'dist/cli/mlw.mjs';
const SDK_CLIENT = /node_modules\/@aws-sdk\/client-[^/]+\//;

/** The outputs a chunk loads with it (static imports, followed), itself included. */
function staticClosure(output: string): Set<string> {
  const seen = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    for (const i of meta.outputs[next]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) stack.push(i.path);
  }
  return seen;
}

/** The source files bundled into some outputs. */
const inputsOf = (outputs: Iterable<string>): string[] =>
  [...outputs].flatMap((output) => Object.keys(meta.outputs[output]?.inputs ?? {}));

/** The chunk a command module was split into. */
function chunkOf(source: string): string {
  const found = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === source);
  if (!found) throw new Error(`no chunk for ${source}`);
  return found[0];
}

const services = useLocalServices('s3');

describe('mlw loads a command and its SDK clients only when that command runs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-lazy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Run the built CLI recording every module it loads; returns the sources bundled into what it loaded. */
  async function loadedSources(args: string[]): Promise<{ status: number; sources: string[]; stderr: string }> {
    const log = join(dir, `loads-${Math.random().toString(36).slice(2)}.txt`);
    const run = await runMlw(args, { MLW_LOAD_LOG: log }, [
      '--import',
      join(__dirname, '../helpers/load-log/register.mjs'),
    ]);
    const urls = readFileSync(log, 'utf8').trim().split('\n');
    const outputs = urls
      .filter((u) => u.startsWith('file:'))
      .map((u) => relative(REPO_ROOT, fileURLToPath(u)))
      .filter((p) => p.startsWith('dist/cli/'));
    return { status: run.status, sources: inputsOf(outputs), stderr: run.stderr };
  }

  it('builds the root program from one small chunk: commander and the CLI frame, no Lambda core, no SDK', () => {
    const sources = inputsOf(staticClosure(ENTRY));
    const packages = new Set(sources.flatMap((s) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s)?.[1] ?? []));
    expect([...packages]).toEqual(['commander']);
    expect(sources.filter((s) => s.startsWith('lambdas/'))).toEqual([]);
  });

  it.each(['cli/commands/example.ts', 'cli/commands/manifest.ts', 'cli/commands/active-learning.ts'])(
    '%s statically bundles no AWS SDK client (they are imported on use)',
    (source) => {
      const closure = new Set([...staticClosure(ENTRY), ...staticClosure(chunkOf(source))]);
      expect(inputsOf(closure).filter((s) => SDK_CLIENT.test(s))).toEqual([]);
    },
  );

  it('mlw --help loads the entry chunks only', async () => {
    const run = await loadedSources(['--help']);
    expect(run.status).toBe(0);
    expect(run.sources.filter((s) => s.startsWith('cli/commands/') || s.startsWith('lambdas/'))).toEqual([]);
    expect(run.sources.filter((s) => s.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });

  it('local-file commands never load an AWS SDK client; an s3:// source loads the S3 client', async () => {
    const jsonl = join(dir, 'a.jsonl');
    writeFileSync(jsonl, '{"a":1}\n');
    const manifest = join(dir, 'out.manifest');
    // One labeled line: a manifest where the attribute appears on no line exits 3 (mlw manifest stats --help).
    writeFileSync(
      manifest,
      '{"source-ref":"s3://b/1.jpg","animal":0,"animal-metadata":{"class-name":"cat","human-annotated":"yes","confidence":1,"type":"groundtruth/image-classification","job-name":"labeling-job/pets","creation-date":"2026-01-01T00:00:00"}}\n',
    );
    const output = join(__dirname, '../fixtures/active-learning/a2i-output-11-items-3-workers.json');
    for (const args of [
      ['example', 'inspect', jsonl],
      ['manifest', 'stats', manifest, '--label-attribute', 'animal'],
      ['feedback', 'consolidate', output],
    ]) {
      const run = await loadedSources(args);
      expect({ args, stderr: run.stderr, status: run.status }).toMatchObject({ status: 0 });
      expect({ args, clients: run.sources.filter((s) => SDK_CLIENT.test(s)) }).toEqual({ args, clients: [] });
    }

    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'lazy-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'lazy-bucket', Key: 'a.jsonl', Body: '{"a":1}\n' }));
    const remote = await loadedSources([
      '--endpoint-url',
      services.s3.endpoint,
      'example',
      'inspect',
      's3://lazy-bucket/a.jsonl',
    ]);
    expect(remote.status).toBe(0);
    expect(remote.sources.some((s) => s.includes('node_modules/@aws-sdk/client-s3/'))).toBe(true);
  });
});
