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
  /** CDK CLI arguments; `--app <a one-topic cloud assembly>` is added. */
  readonly args: string[];
}

/**
 * Run the project's pinned CDK CLI as the GitLab pipeline does (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`,
 * `AWS_ROLE_SESSION_NAME`, no keys), with STS pointed at a local HTTP server that records each request and refuses the
 * token. Returns the decoded STS request bodies and everything the CLI printed.
 */
export async function runCdkWithWebIdentity(
  options: WebIdentityRun,
): Promise<{ requests: URLSearchParams[]; output: string }> {
  const { App, Stack, aws_sns: sns } = await import('aws-cdk-lib');
  const dir = mkdtempSync(join(tmpdir(), 'mlw-web-identity-'));
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(new URLSearchParams(body));
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>refused by the test</Message></Error></ErrorResponse>',
      );
    });
  });
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
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: options.roleArn,
      AWS_ROLE_SESSION_NAME: options.sessionName,
    };
    const cli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
    const child = spawn(process.execPath, [cli, ...options.args, '--app', join(dir, 'cdk.out')], { cwd: dir, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    return { requests, output };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}
