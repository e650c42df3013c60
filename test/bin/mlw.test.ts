import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import packageJson from '../../package.json';
import { runMlw } from '../helpers/cli';
import { localS3Client, useLocalServices } from '../helpers/local-services';

const mlw = (...args: string[]) => runMlw(args);

describe('mlw CLI', () => {
  const services = useLocalServices('s3');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help with the global AWS options, and its version', async () => {
    const help = await mlw('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--region <region>/);
    expect(help.stdout).toMatch(/--profile <name>/);
    expect(help.stdout).toMatch(/--endpoint-url <url>/);
    const version = await mlw('--version');
    expect(version.stdout.trim()).toBe(packageJson.version);
  });

  it('inspects a local file with the Lambda core and exits 2 when lines are invalid', async () => {
    const file = join(dir, 'a.jsonl');
    writeFileSync(file, '{"a":1}\nnope\n');
    const run = await mlw('example', 'inspect', file);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 2, objects: 1, invalid: 1 });
  });

  it('reads s3:// sources through --endpoint-url', async () => {
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cli-bucket', Key: 'in/x.jsonl', Body: '{"k":1}\n{"k":2}\n' }));
    const run = await mlw('--endpoint-url', services.s3.endpoint, 'example', 'inspect', 's3://cli-bucket/in/x.jsonl');
    expect(run.stderr).not.toMatch(/^mlw:/m);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ lines: 2, objects: 2, keys: { k: 2 } });
  });

  it('fails with one clear line for a missing file', async () => {
    const run = await mlw('example', 'inspect', join(dir, 'missing.jsonl'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^mlw: ENOENT: no such file or directory/);
  });
});
