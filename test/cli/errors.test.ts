import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describeCall, explainAwsError } from '../../cli/aws';
import { CliError, MAX_DETAIL_LINES, formatError, oneLine } from '../../cli/errors';
import { ValidationError } from '../../lambdas/shared/errors';
import { runMlw } from '../helpers/cli';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An environment with no Region, no credentials and no AWS config files. */
function noAws(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

describe('the error printer', () => {
  it('prints the reasons an error carries, one line each: details, zod issues, AggregateError', () => {
    expect(formatError(new ValidationError('Review output is invalid', ['a: required', 'b: too long']))).toEqual([
      'mlw: Review output is invalid',
      '  - a: required',
      '  - b: too long',
    ]);
    const zod = z.object({ id: z.string(), n: z.number() }).safeParse({ n: 'x' });
    expect(formatError(zod.error)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ {2}- id: /), expect.stringMatching(/^ {2}- n: /)]),
    );
    expect(formatError(new AggregateError([new Error('one'), new RangeError('two')], 'both failed'))).toEqual([
      'mlw: both failed',
      '  - one',
      '  - RangeError: two',
    ]);
  });

  it('caps the reasons and the length of each line', () => {
    const many = Array.from({ length: MAX_DETAIL_LINES + 7 }, (_, i) => `problem ${i}`);
    const lines = formatError(new CliError('bad', many));
    expect(lines).toHaveLength(1 + MAX_DETAIL_LINES + 1);
    expect(lines.at(-1)).toBe('  … and 7 more');
    expect(oneLine('x'.repeat(1000), 50)).toBe(`${'x'.repeat(49)}… (1000 characters)`);
    expect(oneLine('two\nlines\tand\u0007bell')).toBe('two lines and bell');
  });

  it('turns the lines of a multi-line message into reasons', () => {
    expect(formatError(new Error('2 problem(s):\nline 1: x\nline 2: y\n'))).toEqual([
      'mlw: 2 problem(s):',
      '  - line 1: x',
      '  - line 2: y',
    ]);
  });

  it('prints causes not already in the message, and the reasons of a wrapped error', () => {
    const inner = new ValidationError('Review output is invalid', ['humanLoopName: required']);
    expect(formatError(new CliError('a.json: Review output is invalid', [], { cause: inner }))).toEqual([
      'mlw: a.json: Review output is invalid',
      '  - humanLoopName: required',
    ]);
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(formatError(new CliError('POST x failed', [], { cause: socket }))).toEqual([
      'mlw: POST x failed',
      '  caused by: connect ECONNREFUSED 127.0.0.1:1',
    ]);
    expect(formatError('a string')).toEqual(['mlw: a string']);
  });
});

describe('AWS failures explained', () => {
  const call = describeCall('DynamoDBClient', 'QueryCommand', { TableName: 'tasks' });

  it('names the call and its resource', () => {
    expect(call).toEqual({ service: 'DynamoDB', operation: 'Query', resource: 'TableName tasks' });
    expect(describeCall('S3Client', 'GetObjectCommand', { Bucket: 'b', Key: 'k/x' }).resource).toBe('s3://b/k/x');
  });

  it.each([
    ['a missing Region', new Error('Region is missing'), /^Region: give --region REGION or set AWS_REGION/],
    [
      'missing credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^Credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --profile NAME/,
    ],
    [
      'rejected credentials',
      Object.assign(new Error('expired'), { name: 'ExpiredTokenException' }),
      /^The credentials were rejected/,
    ],
    [
      'denied access',
      Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }),
      /^The credentials may not call DynamoDB Query on TableName tasks/,
    ],
  ])('explains %s', (_label, error, hint) => {
    const explained = explainAwsError(error, call, {});
    expect(explained.message).toMatch(/^DynamoDB Query on TableName tasks failed: /);
    expect(explained.details[0]).toMatch(hint);
    expect(explained.cause).toBe(error);
  });

  it('names the endpoint that cannot be reached, and a stack that does not exist', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4'), { code: 'ECONNREFUSED' });
    expect(explainAwsError(refused, call, { endpointUrl: 'http://127.0.0.1:4' }).details).toEqual([
      'Could not reach --endpoint-url http://127.0.0.1:4 (ECONNREFUSED): is the server running there?',
    ]);
    const missing = Object.assign(new Error('Stack with id Mlw-X does not exist'), {
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400, requestId: 'req-1' },
    });
    const stack = explainAwsError(missing, describeCall('CloudFormationClient', 'DescribeStacksCommand', {}), {});
    expect(stack.details).toEqual([
      expect.stringMatching(/^Deploy the stack, or name the deployed one with --stack-name/),
      'AWS request id req-1 (HTTP 400)',
    ]);
  });
});

describe('mlw failures, end to end (the built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlw-errors-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('review create checks the whole file before anything touches AWS, and lists every problem', async () => {
    const file = join(dir, 'batches.json');
    writeFileSync(
      file,
      JSON.stringify([{ id: 'Bad_ID', input: { categories: ['a', 'a'], items: [{ index: 0, utterance: '' }] } }, 3]),
    );
    const run = await runMlw(['review', 'create', file], noAws(dir));
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      `mlw: ${file}: 4 problem(s) in the review batches; nothing was created`,
      '  - [0] "Bad_ID": id: "Bad_ID" must be 1-63 lower-case letters, digits and single hyphens',
      '  - [0] "Bad_ID": input.categories: categories must be unique',
      '  - [0] "Bad_ID": input.items[0].utterance: required',
      '  - [1]: not a review batch {"id": "...", "input": {"categories": [...], "items": [...]}}',
      '',
    ]);
  });

  it('without a Region, names the stack output it was reading, the Region settings and the option that skips it', async () => {
    const run = await runMlw(['review', 'stats'], noAws(dir));
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      'mlw: Cannot read --table from output TaskTableName of stack Mlw-ReviewPortal',
      '  - Region: give --region REGION or set AWS_REGION, or use a profile that has one (--profile NAME or AWS_PROFILE)',
      '  - or give --table and nothing is read from CloudFormation',
      '  caused by: CloudFormation DescribeStacks on StackName Mlw-ReviewPortal failed: Region is missing',
      '',
    ]);
  });

  it('without credentials, names the table and the credential settings', async () => {
    const run = await runMlw(['--region', 'eu-west-1', 'review', 'stats', '--table', 'tasks'], noAws(dir));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^mlw: DynamoDB Query on TableName tasks failed: CredentialsProviderError: Could not load credentials from any providers\n {2}- Credentials: set AWS_ACCESS_KEY_ID/,
    );
  });

  it('names an --endpoint-url that does not answer', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const run = await runMlw(['--endpoint-url', endpoint, 'review', 'stats', '--table', 'tasks']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^mlw: DynamoDB Query on TableName tasks failed: .*ECONNREFUSED/);
    expect(run.stderr).toContain(
      `  - Could not reach --endpoint-url ${endpoint} (ECONNREFUSED): is the server running there?`,
    );
  });

  it('says once, in one line, what the SDK says in nine on Node.js 20 (and nothing when the user turned it off)', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const args = ['--endpoint-url', endpoint, 'review', 'stats', '--table', 'tasks'];
    const run = await runMlw(args, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined });
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
    const notes = run.stderr.split('\n').filter((line) => line.startsWith('mlw: note:'));
    const major = Number(process.versions.node.split('.')[0]);
    expect(notes).toEqual(
      major < 22
        ? [
            `mlw: note: Node.js ${process.versions.node}: AWS SDK releases after early January 2027 need Node.js 22 or later (see README, Requirements)`,
          ]
        : [],
    );
    const off = await runMlw(args, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    expect(off.stderr).not.toMatch(/NodeVersionSupportWarning|mlw: note:/);
  });

  it('feedback consolidate names the file and every reason an output is invalid', async () => {
    const file = join(dir, 'output.json');
    writeFileSync(file, JSON.stringify({ inputContent: { items: [] }, humanAnswers: [] }));
    const run = await runMlw(['feedback', 'consolidate', file]);
    expect(run.status).toBe(1);
    const [first, ...reasons] = run.stderr.trimEnd().split('\n');
    expect(first).toBe(`mlw: ${file}: Review output is invalid`);
    expect(reasons).toEqual(
      expect.arrayContaining(['  - humanLoopName: Invalid input: expected string, received undefined']),
    );
  });

  describe('classify against an API', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.writeHead(req.url === '/v1/classify' ? 502 : 403, { 'Content-Type': 'application/json' });
        res.end(req.url === '/v1/classify' ? `{"message":"${'x'.repeat(2000)}"}` : '{"message":"Forbidden"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('names the URL and the cause when nothing answers', async () => {
      const refused = `http://127.0.0.1:${await closedPort()}/v1`;
      const run = await runMlw(['classify', 'x', '--classifier', 'c', '--api-url', refused, '--api-key', 'k']);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^mlw: POST ${refused}/classify failed: connection refused \\(nothing listens there\\) \\(ECONNREFUSED\\)\n`,
        ),
      );
      const blocked = await runMlw([
        'classify',
        'x',
        '--classifier',
        'c',
        '--api-url',
        'http://127.0.0.1:9/v1',
        '--api-key',
        'k',
      ]);
      expect(blocked.stderr).toBe(
        'mlw: POST http://127.0.0.1:9/v1/classify failed: fetch refuses to connect to port 9 (a blocked "bad port")\n',
      );
      const dns = await runMlw([
        'classify',
        'x',
        '--classifier',
        'c',
        '--api-url',
        'http://mlw-test.invalid/v1',
        '--api-key',
        'k',
      ]);
      expect(dns.stderr).toMatch(/^mlw: POST http:\/\/mlw-test\.invalid\/v1\/classify failed: DNS lookup failed/);
    });

    it('prints the HTTP status and the body of a non-2xx answer, cut short', async () => {
      const run = await runMlw(['classify', 'x', '--classifier', 'c', '--api-url', `${url}/v1`, '--api-key', 'k']);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      const [first, body] = run.stderr.split('\n');
      expect(first).toBe(`mlw: POST ${url}/v1/classify answered HTTP 502 Bad Gateway`);
      expect(body).toMatch(/^ {2}- body: \{"message":"x+… \(2014 characters\)$/);
      expect(body!.length).toBeLessThan(450);
      const forbidden = await runMlw([
        'feedback',
        'send',
        'x',
        '--classifier',
        'c',
        '--api-url',
        `${url}/v1`,
        '--api-key',
        'k',
      ]);
      expect(forbidden.stderr).toContain('  - A 403 from API Gateway usually means a wrong or missing API key');
    });
  });
});
