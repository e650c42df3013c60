import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { runMlwInProcess } from '../../helpers/cli';
import { localS3Client, useLocalServices } from '../../helpers/local-services';

const services = useLocalServices('s3');
const fixtures = join(__dirname, '../../fixtures/active-learning');

const run = runMlwInProcess;

describe('mlw active-learning commands', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-al-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('feedback consolidate writes the same training CSV as the Lambda, to stdout or --out', async () => {
    const expected = readFileSync(join(fixtures, 'a2i-output-11-items-3-workers.expected.csv'), 'utf8');
    const { stdout, stderr } = await run(
      'feedback',
      'consolidate',
      join(fixtures, 'a2i-output-11-items-3-workers.json'),
    );
    expect(stdout).toBe(expected);
    expect(JSON.parse(stderr)).toEqual({ reviews: 1, items: 11, rows: 9, noMajority: 2, unanswered: 0 });
    const out = join(dir, 'train.csv');
    await run(
      'feedback',
      'consolidate',
      join(fixtures, 'a2i-output-11-items-3-workers.json'),
      join(fixtures, 'a2i-output-multi-label.json'),
      '--out',
      out,
    );
    expect(readFileSync(out, 'utf8')).toBe(
      `${expected}COMEDY|DRAMA,Funny and sad\nACTION,"Explosions, ""car chases"""\n`,
    );
    await run(
      'feedback',
      'consolidate',
      join(fixtures, 'a2i-output-multi-label.json'),
      '--classifier',
      'intents',
      '--out',
      out,
    );
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  it('feedback upload-batch checks the file with the Lambda core, then uploads it', async () => {
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads-cli' }));
    const endpoint = ['--endpoint-url', services.s3.endpoint, '--region', 'us-east-1'];
    const { stdout } = await run(
      ...endpoint,
      'feedback',
      'upload-batch',
      join(fixtures, 'batch-tricky.json'),
      '--bucket',
      'uploads-cli',
    );
    expect(JSON.parse(stdout)).toMatchObject({
      uploaded: 's3://uploads-cli/uploads/batch-tricky.json',
      classifier: 'intents',
      sentences: 6,
    });
    const stored = await (
      await s3.send(new GetObjectCommand({ Bucket: 'uploads-cli', Key: 'uploads/batch-tricky.json' }))
    ).Body!.transformToString('utf8');
    expect(stored).toBe(readFileSync(join(fixtures, 'batch-tricky.json'), 'utf8'));
    await expect(
      run(
        ...endpoint,
        'feedback',
        'upload-batch',
        join(fixtures, 'malformed-not-json.json'),
        '--bucket',
        'uploads-cli',
      ),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/malformed-not-json\.json would be rejected$/) as unknown,
      details: [expect.stringMatching(/^not valid JSON/)],
    });
    await expect(
      run(...endpoint, 'feedback', 'upload-batch', join(fixtures, 'batch-partial.json'), '--bucket', 'uploads-cli'),
    ).rejects.toThrow('give --force');
  });

  it('classify and feedback send call the API with the key and report failures', async () => {
    const seen: { url?: string; key?: string; body: unknown }[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url, key: req.headers['x-api-key'] as string, body: JSON.parse(body) as unknown });
        const fail = req.url === '/v1/feedback';
        res
          .writeHead(fail ? 429 : 200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify(fail ? { message: 'slow down' } : { label: 'BILLING', score: 0.9 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
    try {
      const { stdout } = await run(
        'classify',
        'My bill, "again"',
        '--classifier',
        'intents',
        '--api-url',
        url,
        '--api-key',
        'k1',
      );
      expect(JSON.parse(stdout)).toEqual({ label: 'BILLING', score: 0.9 });
      expect(process.exitCode).toBeUndefined();
      await expect(
        run(
          'feedback',
          'send',
          'x',
          '--classifier',
          'intents',
          '--expected-label',
          'OTHER',
          '--api-url',
          url,
          '--api-key',
          'k1',
        ),
      ).rejects.toMatchObject({
        message: `POST ${url}feedback answered HTTP 429 Too Many Requests`,
        details: ['body: {"message":"slow down"}'],
      });
      expect(seen).toEqual([
        { url: '/v1/classify', key: 'k1', body: { classifier: 'intents', sentence: 'My bill, "again"' } },
        { url: '/v1/feedback', key: 'k1', body: { classifier: 'intents', sentence: 'x', expectedLabel: 'OTHER' } },
      ]);
      delete process.env.MLW_API_KEY;
      await expect(run('classify', 'x', '--classifier', 'c', '--api-url', url)).rejects.toThrow(
        'Give --api-key or set MLW_API_KEY',
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
