import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { cdkCliHelp, FAKE_SESSION_KEY_ID, GitLabPipelineSandbox, runCdkWithWebIdentity } from './pipeline-helpers';

/**
 * The ready GitLab CI pipeline (ci/gitlab/.gitlab-ci.yml), validated offline with gitlab-ci-local: GitLab's published
 * CI JSON schema (bundled in the package), `extends` expanded and `rules` evaluated for merge-request and
 * default-branch pipelines; then the properties that make it safe: keyless AWS access through `id_tokens`, a manual
 * blocking gate into the `production` environment, no stored keys.
 */

const PIPELINE = join(__dirname, '../../ci/gitlab/.gitlab-ci.yml');
const source = readFileSync(PIPELINE, 'utf8');

const ROLES = {
  AWS_REGION: 'eu-west-1',
  AWS_DIFF_ROLE_ARN: 'arn:aws:iam::123456789012:role/Mlw-CiDeployAccess-DiffRole',
  AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/Mlw-CiDeployAccess-DeployRole',
};
const MERGE_REQUEST = { CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_IID: '7' };

interface ExpandedJob {
  stage: string;
  image?: string;
  before_script?: string[];
  script: string[];
  variables?: Record<string, string>;
  id_tokens?: Record<string, { aud: string | string[] }>;
  environment?: { name: string };
  resource_group?: string;
  interruptible?: boolean;
  rules?: { if: string; when?: string; allow_failure?: boolean }[];
  artifacts?: { paths: string[]; expose_as?: string; when?: string };
  cache?: { key: { files: string[] }; paths: string[] }[];
}

describe('GitLab CI pipeline (ci/gitlab/.gitlab-ci.yml)', () => {
  let sandbox: GitLabPipelineSandbox;
  let expanded: Record<string, unknown>;
  beforeAll(() => {
    sandbox = new GitLabPipelineSandbox(PIPELINE);
    const preview = sandbox.run(['--preview']);
    if (preview.status !== 0) throw new Error(`gitlab-ci-local --preview failed:\n${preview.stdout}${preview.stderr}`);
    expanded = load(preview.stdout) as Record<string, unknown>;
  });
  afterAll(() => sandbox.dispose());
  const job = (name: string): ExpandedJob => {
    const found = expanded[name] as ExpandedJob | undefined;
    if (!found) throw new Error(`no job ${name}`);
    return found;
  };

  it("passes GitLab's CI JSON schema, and a misspelt keyword fails it", () => {
    expect(sandbox.run(['--list-json']).status).toBe(0);
    const broken = join(sandbox.dir, 'broken.yml');
    writeFileSync(broken, source.replace('  resource_group: production', '  resource_grup: production'));
    const result = sandbox.run(['--list-json', '--file', 'broken.yml']);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/resource_grup/);
  });

  it('runs pipelines for merge requests and for the default branch only', () => {
    expect((expanded.workflow as { rules: { if: string }[] }).rules.map((r) => r.if)).toEqual([
      '$CI_PIPELINE_SOURCE == "merge_request_event"',
      '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "push"',
      '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "web"',
    ]);
  });

  it('merge request: checks, then the diff; never a deploy', () => {
    const jobs = sandbox.jobs({ ...MERGE_REQUEST, ...ROLES });
    expect(jobs.map((j) => [j.name, j.when])).toEqual([
      ['checks', 'on_success'],
      ['diff', 'on_success'],
    ]);
  });

  it('default branch: checks, diff, then a manual deploy that blocks the pipeline', () => {
    const jobs = sandbox.jobs(ROLES);
    expect(jobs.map((j) => [j.name, j.when, j.allow_failure])).toEqual([
      ['checks', 'on_success', false],
      ['diff', 'on_success', false],
      ['deploy', 'manual', false],
    ]);
    expect(jobs.find((j) => j.name === 'deploy')?.needs).toEqual([
      expect.objectContaining({ job: 'checks', optional: false }),
      expect.objectContaining({ job: 'diff', optional: true }),
    ]);
  });

  it('without roles configured, only the checks run', () => {
    expect(sandbox.jobs().map((j) => j.name)).toEqual(['checks']);
    expect(sandbox.jobs({ ...MERGE_REQUEST }).map((j) => j.name)).toEqual(['checks']);
  });

  it('checks every change: npm ci, cdk synth, npm test, with the npm cache keyed on the lock file', () => {
    const checks = job('checks');
    expect(checks.before_script?.at(-1)).toBe('npm ci --no-audit --no-fund --prefer-offline');
    // The tools npm test runs besides Node (the slim image has none of them): jq, zip, git, the browser.
    const apt = checks.before_script?.find((l) => l.startsWith('apt-get update')) ?? '';
    for (const tool of ['git', 'jq', 'zip', 'chromium']) expect(apt.split(' ')).toContain(tool);
    expect(checks.script).toEqual(['npx cdk synth --quiet', 'npm test']);
    expect(checks.artifacts?.paths).toEqual(['cdk.out/']);
    for (const name of ['checks', 'diff', 'deploy']) {
      expect(job(name).cache?.[0]).toMatchObject({ key: { files: ['package-lock.json'] }, paths: ['.npm/'] });
    }
  });

  it('gets AWS credentials from an ID token whose audience is this GitLab instance, never from stored keys', () => {
    for (const [name, role] of [
      ['diff', '$AWS_DIFF_ROLE_ARN'],
      ['deploy', '$AWS_DEPLOY_ROLE_ARN'],
    ] as const) {
      const j = job(name);
      // The CiDeployAccess stack's GitLab provider has the GitLab URL as its client id (aud).
      expect(j.id_tokens).toEqual({ AWS_ID_TOKEN: { aud: '$CI_SERVER_URL' } });
      expect(j.variables?.AWS_ROLE_ARN).toBe(role);
      expect(j.before_script).toEqual(
        expect.arrayContaining([
          'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
          `printf '%s' "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
        ]),
      );
    }
    expect(source).not.toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|AWS_SESSION_TOKEN/);
    // The token is written to a file, never printed.
    const allLines = Object.values(expanded).flatMap((j) => [
      ...((j as ExpandedJob).before_script ?? []),
      ...((j as ExpandedJob).script ?? []),
    ]);
    expect([...new Set(allLines.filter((l) => l.includes('AWS_ID_TOKEN')))]).toEqual([
      `printf '%s' "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
    ]);
    expect(allLines.join('\n')).not.toMatch(/set -x|echo \$AWS|env\b|printenv/);
  });

  it('diffs the tested assembly with the read-only role and exposes the diff in the merge request', () => {
    const diff = job('diff');
    expect(diff.script).toContain(
      'npx cdk diff --app cdk.out --method template --fail-on never 2>&1 | tee cdk-diff.txt',
    );
    expect(diff.script[0]).toBe('set -o pipefail');
    expect(diff.artifacts).toMatchObject({ expose_as: 'cdk diff', paths: ['cdk-diff.txt'], when: 'always' });
  });

  it('deploys the tested assembly into the production environment, one deployment at a time, never interrupted', () => {
    const deploy = job('deploy');
    expect(deploy.environment).toEqual({ name: 'production' });
    expect(deploy.resource_group).toBe('production');
    expect(deploy.interruptible).toBe(false);
    expect(deploy.rules).toEqual([expect.objectContaining({ when: 'manual', allow_failure: false })]);
    expect(deploy.rules?.[0]?.if).toContain('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    expect(deploy.script).toEqual([
      'npx cdk deploy --app cdk.out --all --require-approval never --ci --progress events',
    ]);
  });

  it('diff job, end to end against a fake AWS: token file → AssumeRoleWithWebIdentity → CloudFormation reads; the token is never printed', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6bWwvcGxhdGZvcm0ifQ.c2lnbmF0dXJl';
    const { requests, output, status } = await runCdkWithWebIdentity({
      token,
      roleArn: ROLES.AWS_DIFF_ROLE_ARN,
      sessionName: 'gitlab-42-1001',
      args: job('diff')
        .script[1]!.replace(/^npx cdk /, '')
        .replace(/ --app cdk\.out| 2>&1.*$/g, '')
        .split(' '),
    });
    expect(status).toBe(0);
    const exchange = requests.find((r) => r.action === 'AssumeRoleWithWebIdentity');
    expect(exchange?.params.get('RoleArn')).toBe(ROLES.AWS_DIFF_ROLE_ARN);
    expect(exchange?.params.get('RoleSessionName')).toBe('gitlab-42-1001');
    expect(exchange?.params.get('WebIdentityToken')).toBe(token);
    // The diff role's own permissions are enough: the CLI cannot assume the lookup role and reads the deployed
    // template with the session credentials (cloudformation:DescribeStacks and GetTemplate only).
    expect(requests.filter((r) => r.action === 'AssumeRole').map((r) => r.params.get('RoleArn'))).toEqual([
      'arn:aws:iam::123456789012:role/cdk-hnb659fds-lookup-role-123456789012-eu-west-1',
    ]);
    const reads = requests.filter((r) => ['DescribeStacks', 'GetTemplate'].includes(r.action));
    expect(reads.map((r) => [r.action, r.accessKeyId])).toEqual(
      expect.arrayContaining([
        ['DescribeStacks', FAKE_SESSION_KEY_ID],
        ['GetTemplate', FAKE_SESSION_KEY_ID],
      ]),
    );
    expect(output).toMatch(/\[-\] AWS::SQS::Queue Queue destroy/);
    expect(output).toMatch(/\[\+\] AWS::SNS::Topic/);
    expect(output).not.toContain(token);
  });

  it('uses CDK CLI options that the pinned CLI accepts', () => {
    expect(cdkCliHelp('diff')).toEqual(expect.arrayContaining(['--app', '--method', '--fail-on']));
    expect(cdkCliHelp('deploy')).toEqual(expect.arrayContaining(['--require-approval', '--ci', '--progress']));
  });
});
