import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { load } from 'js-yaml';
import { cdkCliHelp } from './pipeline-helpers';

/**
 * The ready GitHub Actions pipeline (ci/github/workflows/cdk.yml), validated offline: the workflow schema
 * (@action-validator/core), then the properties that make it safe: pinned actions, least permissions, keyless AWS
 * access, a protected environment before production, and CDK CLI flags that the pinned CLI accepts.
 */

const WORKFLOW_PATH = join(__dirname, '../../ci/github/workflows/cdk.yml');
const source = readFileSync(WORKFLOW_PATH, 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: unknown;
  jobs: Record<string, Job>;
}

const workflow = load(source) as Workflow;
const job = (id: string): Job => {
  const found = workflow.jobs[id];
  if (!found) throw new Error(`no job ${id} in ${WORKFLOW_PATH}`);
  return found;
};
const runs = (j: Job) => j.steps.flatMap((s) => (s.run ? [s.run] : []));
const uses = (j: Job, action: string) => j.steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe('GitHub Actions pipeline (ci/github/workflows/cdk.yml)', () => {
  it('is a valid workflow, and the validator rejects a broken one', () => {
    expect(validateWorkflow(source).errors).toEqual([]);
    const broken = source.replace('runs-on: ubuntu-24.04', 'runs-on: 5').replace('timeout-minutes: 45', 'timeout: 45');
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('runs on pull requests to main and on pushes to main', () => {
    expect(workflow.on).toMatchObject({ pull_request: { branches: ['main'] }, push: { branches: ['main'] } });
    // pull_request_target runs fork code with the base repository's token: never.
    expect(Object.keys(workflow.on)).not.toContain('pull_request_target');
  });

  it('pins every action to a full commit SHA and names the release beside it', () => {
    const lines = source.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const line of lines) {
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it('grants nothing by default and each job only what it needs', () => {
    expect(workflow.permissions).toEqual({});
    expect(job('checks').permissions).toEqual({ contents: 'read' });
    expect(job('diff').permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(job('deploy').permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });

  it('checks every change: npm ci, cdk synth, npm test, in that order, and keeps the tested cloud assembly', () => {
    const commands = runs(job('checks'));
    expect(commands).toEqual(['npm ci --no-audit --no-fund', 'npx cdk synth --quiet', 'npm test']);
    expect(uses(job('checks'), 'actions/upload-artifact')[0]?.with).toMatchObject({ name: 'cdk.out', path: 'cdk.out' });
  });

  it('caches npm downloads and does not leave the checkout token on disk', () => {
    for (const [id, j] of Object.entries(workflow.jobs)) {
      const setupNode = uses(j, 'actions/setup-node');
      expect({ id, with: setupNode[0]?.with }).toEqual({ id, with: { 'node-version': 22, cache: 'npm' } });
      expect({ id, with: uses(j, 'actions/checkout')[0]?.with }).toEqual({
        id,
        with: { 'persist-credentials': false },
      });
    }
  });

  it('diffs with the read-only role, from the tested assembly, only for same-repository changes', () => {
    const diff = job('diff');
    expect(diff.needs).toBe('checks');
    expect(diff.if).toContain("vars.AWS_DIFF_ROLE_ARN != ''");
    expect(diff.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(uses(diff, 'aws-actions/configure-aws-credentials')[0]?.with).toMatchObject({
      'role-to-assume': '${{ vars.AWS_DIFF_ROLE_ARN }}',
      'aws-region': '${{ vars.AWS_REGION }}',
      'mask-aws-account-id': true,
    });
    expect(runs(diff).join('\n')).toContain('npx cdk diff --app cdk.out --method template --fail-on never');
    expect(runs(diff).join('\n')).toContain('GITHUB_STEP_SUMMARY');
    expect(uses(diff, 'actions/upload-artifact')[0]?.with).toMatchObject({ name: 'cdk-diff', path: 'cdk-diff.txt' });
  });

  it('deploys only from main, through the protected environment, after the checks and the diff', () => {
    const deploy = job('deploy');
    expect(deploy.environment).toBe('production');
    expect(deploy.needs).toEqual(['checks', 'diff']);
    expect(deploy.if).toContain("github.ref == 'refs/heads/main'");
    expect(deploy.if).toContain("github.event_name != 'pull_request'");
    expect(deploy.if).toContain("needs.checks.result == 'success'");
    expect(deploy.if).toContain("needs.diff.result != 'failure'");
    expect(uses(deploy, 'aws-actions/configure-aws-credentials')[0]?.with).toMatchObject({
      'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}',
    });
    expect(runs(deploy)).toContain(
      'npx cdk deploy --app cdk.out --all --require-approval never --ci --progress events',
    );
  });

  it('uses no stored keys and puts no untrusted event text into a shell', () => {
    expect(source).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key|aws-access-key-id|secrets\./);
    for (const j of Object.values(workflow.jobs)) {
      for (const run of runs(j)) expect(run).not.toMatch(/\$\{\{\s*github\.(event|head_ref)/);
    }
  });

  it('uses CDK CLI options that the pinned CLI accepts', () => {
    expect(cdkCliHelp('diff')).toEqual(expect.arrayContaining(['--app', '--method', '--fail-on']));
    expect(cdkCliHelp('deploy')).toEqual(
      expect.arrayContaining(['--app', '--all', '--require-approval', '--ci', '--progress']),
    );
    expect(cdkCliHelp('synth')).toEqual(expect.arrayContaining(['--quiet']));
  });
});
