import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '../..');
const helpCache = new Map<string, string[]>();

/**
 * The long options (`--app`, `--all`, …) that the project's pinned CDK CLI lists in `cdk <command> --help`: a pipeline
 * that passes an option missing here would fail on its first run.
 */
export function cdkCliHelp(command: string): string[] {
  const cached = helpCache.get(command);
  if (cached) return cached;
  const cli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
  const result = spawnSync(process.execPath, [cli, command, '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  if (result.status !== 0) throw new Error(`cdk ${command} --help failed: ${result.stderr}`);
  const options = [...result.stdout.matchAll(/^\s+(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1] as string);
  helpCache.set(command, options);
  return options;
}

/** One job as `gitlab-ci-local --list-json` reports it (after `rules` were evaluated). */
export interface GitLabJob {
  readonly name: string;
  readonly stage: string;
  readonly when: string;
  readonly allow_failure: boolean;
  readonly needs?: { job: string; optional: boolean }[];
}

/** Result of one gitlab-ci-local run. */
export interface GitLabCiLocalResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A throwaway Git repository holding one `.gitlab-ci.yml` (its default branch `main`, with an `origin` remote), where
 * gitlab-ci-local validates the file against GitLab's published CI JSON schema and evaluates its `rules`, as GitLab
 * would for a pipeline of the given variables. gitlab-ci-local keeps state in the working directory, hence the copy.
 */
export class GitLabPipelineSandbox {
  readonly dir: string;

  constructor(pipelineFile: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'mlw-gitlab-ci-'));
    copyFileSync(pipelineFile, join(this.dir, '.gitlab-ci.yml'));
    const git = (...args: string[]) => {
      const r = spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], {
        cwd: this.dir,
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    git('init', '-q', '-b', 'main');
    git('add', '.gitlab-ci.yml');
    git('commit', '-q', '-m', 'pipeline');
    git('remote', 'add', 'origin', 'https://gitlab.example.com/ml/platform.git');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
  }

  /** Copy another file into the sandbox (e.g. a broken variant of the pipeline). */
  add(file: string, name: string): void {
    copyFileSync(file, join(this.dir, name));
  }

  /** Run gitlab-ci-local with these arguments and CI/CD variables. */
  run(args: string[], variables: Record<string, string> = {}): GitLabCiLocalResult {
    const cli = join(dirname(require.resolve('gitlab-ci-local/package.json')), 'dist', 'index.js');
    const variableArgs = Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);
    const predefined = Object.keys(variables).filter((k) => k.startsWith('CI_'));
    const result = spawnSync(
      process.execPath,
      [
        cli,
        ...args,
        '--home',
        join(this.dir, '.home'),
        ...(predefined.length > 0 ? ['--ignore-predefined-vars', predefined.join(',')] : []),
        ...variableArgs,
      ],
      { cwd: this.dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** The jobs a pipeline with these variables would contain (`when: never` jobs left out). */
  jobs(variables: Record<string, string> = {}): GitLabJob[] {
    const result = this.run(['--list-json'], variables);
    if (result.status !== 0) throw new Error(`gitlab-ci-local --list-json failed:\n${result.stdout}\n${result.stderr}`);
    return (JSON.parse(result.stdout) as GitLabJob[]).filter((job) => job.when !== 'never');
  }

  /** Remove the sandbox. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Options of {@link runCdkWithWebIdentity}. */
export interface WebIdentityRun {
  /** The ID token the job would receive (written to a file, as the pipeline does). */
  readonly token: string;
  /** Value of `AWS_ROLE_ARN`. */
  readonly roleArn: string;
  /** Value of `AWS_ROLE_SESSION_NAME`. */
  readonly sessionName: string;
  /** CDK CLI arguments; `--app <cloud assembly of one stack "Tiny" with one topic>` is added. */
  readonly args: string[];
}

/** One request the fake AWS endpoint received: the query API action, its parameters and the signing key id. */
export interface FakeAwsRequest {
  readonly action: string;
  readonly params: URLSearchParams;
  /** Access key id from the SigV4 `Authorization` header (none for AssumeRoleWithWebIdentity, which is unsigned). */
  readonly accessKeyId?: string;
}

/** Access key id of the session credentials the fake STS hands out for the web identity token. */
export const FAKE_SESSION_KEY_ID = 'ASIAFAKESESSION00001';

const ACCOUNT = '123456789012';
const xml = (action: string, result: string) =>
  `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result></${action}Response>`;
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/**
 * A minimal stand-in for the STS and CloudFormation query APIs: it exchanges any web identity token for session
 * credentials, refuses every `AssumeRole` (the diff role may assume nothing), and serves one deployed stack "Tiny"
 * whose template differs from the synthesized one.
 */
function fakeAws(requests: FakeAwsRequest[], roleArn: string) {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '';
      const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? '')?.[1];
      requests.push({ action, params, accessKeyId });
      const ok = (payload: string) => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(payload);
      };
      const assumed = `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop()}/session`;
      switch (action) {
        case 'AssumeRoleWithWebIdentity':
          return ok(
            xml(
              action,
              `<Credentials><AccessKeyId>${FAKE_SESSION_KEY_ID}</AccessKeyId><SecretAccessKey>fake</SecretAccessKey><SessionToken>fake</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>${assumed}</Arn><AssumedRoleId>AROAFAKE:session</AssumedRoleId></AssumedRoleUser>`,
            ),
          );
        case 'GetCallerIdentity':
          return ok(xml(action, `<Arn>${assumed}</Arn><UserId>AROAFAKE:session</UserId><Account>${ACCOUNT}</Account>`));
        case 'DescribeStacks':
          return ok(
            xml(
              action,
              `<Stacks><member><StackName>Tiny</StackName><StackId>arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/Tiny/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime></member></Stacks>`,
            ),
          );
        case 'GetTemplate':
          return ok(
            xml(
              action,
              `<TemplateBody>${escapeXml(JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } } }))}</TemplateBody>`,
            ),
          );
        default:
          res.writeHead(403, { 'content-type': 'text/xml' });
          res.end(
            `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${action} is not allowed for ${assumed}</Message></Error></ErrorResponse>`,
          );
      }
    });
  });
}

/**
 * Run the project's pinned CDK CLI as the GitLab pipeline does (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`,
 * `AWS_ROLE_SESSION_NAME`, no keys), with every AWS endpoint pointed at {@link fakeAws} on a loopback port. Returns the
 * requests the CLI made and everything it printed.
 */
export async function runCdkWithWebIdentity(
  options: WebIdentityRun,
): Promise<{ requests: FakeAwsRequest[]; output: string; status: number | null }> {
  const { App, Stack, aws_sns: sns } = await import('aws-cdk-lib');
  const dir = mkdtempSync(join(tmpdir(), 'mlw-web-identity-'));
  const requests: FakeAwsRequest[] = [];
  const server = fakeAws(requests, options.roleArn);
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const app = new App({ outdir: join(dir, 'cdk.out') });
    new sns.Topic(new Stack(app, 'Tiny'), 'Topic');
    app.synth();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, options.token, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      CDK_DISABLE_VERSION_CHECK: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: options.roleArn,
      AWS_ROLE_SESSION_NAME: options.sessionName,
    };
    const cli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
    const child = spawn(process.execPath, [cli, ...options.args, '--app', join(dir, 'cdk.out')], { cwd: dir, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { requests, output, status };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
