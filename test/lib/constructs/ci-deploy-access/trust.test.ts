import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CiDeployAccess, type CiDeployAccessProps } from '../../../../lib/constructs/ci-deploy-access';
import {
  ACCOUNT,
  REGION,
  bootstrapRoleTrust,
  canAssumeWithWebIdentity,
  identityAllows,
  roleOf,
} from '../../../helpers/iam-evaluation';

/**
 * The CI roles' trust and permissions, evaluated as IAM would (iam-simulate) on the synthesized templates: exactly the
 * configured repository and branch or environment may assume them; a wrong repository, a fork, another branch, a pull
 * request, another audience or issuer, and values carrying wildcards may not; and the deploy role may assume only the
 * CDK bootstrap roles of its own account and Region.
 */

const GITHUB_HOST = 'token.actions.githubusercontent.com';
const GITHUB_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_HOST}`;
const GITLAB_HOST = 'gitlab.example.com';
const GITLAB_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITLAB_HOST}`;

function synth(props: CiDeployAccessProps): Template {
  // With an environment and the app's partition-literals flag (cdk.json), the policies hold literal ARNs.
  const app = new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } });
  const stack = new Stack(app, 'Ci', { env: { account: ACCOUNT, region: REGION } });
  new CiDeployAccess(stack, 'CiDeployAccess', props);
  return Template.fromStack(stack);
}

describe('GitHub deploy role (branch main of octo-org/app)', () => {
  const template = synth({ provider: 'github', repository: 'octo-org/app', oidcProviderArn: GITHUB_PROVIDER });
  const { trust } = roleOf(template, 'CiDeployAccessDeployRole');
  const can = (sub: string, aud = 'sts.amazonaws.com', providerArn = GITHUB_PROVIDER) =>
    canAssumeWithWebIdentity(trust, { providerArn, host: GITHUB_HOST, sub, aud });

  it('admits the configured repository and branch', () => {
    expect(can('repo:octo-org/app:ref:refs/heads/main')).toBe(true);
  });

  it.each([
    ['a wrong repository', 'repo:octo-org/other:ref:refs/heads/main'],
    ['a fork (same name, attacker owner)', 'repo:attacker/app:ref:refs/heads/main'],
    ['a repository whose name extends the configured one', 'repo:octo-org/app-fork:ref:refs/heads/main'],
    ['another branch', 'repo:octo-org/app:ref:refs/heads/feature'],
    ['a branch named like main with a suffix', 'repo:octo-org/app:ref:refs/heads/main-hotfix'],
    ['a tag called main', 'repo:octo-org/app:ref:refs/tags/main'],
    ['a pull request', 'repo:octo-org/app:pull_request'],
    ['an environment job', 'repo:octo-org/app:environment:production'],
    ['a wildcard branch', 'repo:octo-org/app:ref:refs/heads/*'],
    ['a wildcard repository', 'repo:*:ref:refs/heads/main'],
    ['a different case', 'repo:Octo-Org/App:ref:refs/heads/main'],
  ])('refuses %s', (_what, sub) => {
    expect(can(sub)).toBe(false);
  });

  it('refuses another audience and another issuer', () => {
    expect(can('repo:octo-org/app:ref:refs/heads/main', 'https://github.com/octo-org')).toBe(false);
    expect(can('repo:octo-org/app:ref:refs/heads/main', 'sts.amazonaws.com', GITLAB_PROVIDER)).toBe(false);
    expect(
      can(
        'repo:octo-org/app:ref:refs/heads/main',
        'sts.amazonaws.com',
        `arn:aws:iam::999999999999:oidc-provider/${GITHUB_HOST}`,
      ),
    ).toBe(false);
  });
});

describe('GitHub deploy role bound to the environment "production"', () => {
  const template = synth({
    provider: 'github',
    repository: 'octo-org/app',
    environment: 'production',
    oidcProviderArn: GITHUB_PROVIDER,
  });
  const { trust } = roleOf(template, 'CiDeployAccessDeployRole');
  const can = (sub: string) =>
    canAssumeWithWebIdentity(trust, { providerArn: GITHUB_PROVIDER, host: GITHUB_HOST, sub, aud: 'sts.amazonaws.com' });

  it('admits jobs of that environment only', () => {
    expect(can('repo:octo-org/app:environment:production')).toBe(true);
    expect(can('repo:octo-org/app:environment:staging')).toBe(false);
    expect(can('repo:octo-org/app:environment:*')).toBe(false);
    expect(can('repo:attacker/app:environment:production')).toBe(false);
    expect(can('repo:octo-org/app:ref:refs/heads/main')).toBe(false);
    expect(can('repo:octo-org/app:pull_request')).toBe(false);
  });
});

describe('GitHub diff role', () => {
  const template = synth({ provider: 'github', repository: 'octo-org/app', oidcProviderArn: GITHUB_PROVIDER });
  const { trust, policies } = roleOf(template, 'CiDeployAccessDiffRole');
  const can = (sub: string) =>
    canAssumeWithWebIdentity(trust, { providerArn: GITHUB_PROVIDER, host: GITHUB_HOST, sub, aud: 'sts.amazonaws.com' });

  it('admits pull requests of the repository and its branch, nothing else', () => {
    expect(can('repo:octo-org/app:pull_request')).toBe(true);
    expect(can('repo:octo-org/app:ref:refs/heads/main')).toBe(true);
    expect(can('repo:attacker/app:pull_request')).toBe(false);
    expect(can('repo:octo-org/app:ref:refs/heads/feature')).toBe(false);
    expect(can('repo:octo-org/app:environment:production')).toBe(false);
  });

  it('may read stack templates and nothing else: no role assumption, no deployment, no data', () => {
    const stack = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Mlw-Example/0f6a9a40-0000-11f0-0000-000000000000`;
    expect(identityAllows(policies, 'cloudformation:GetTemplate', stack)).toBe(true);
    expect(identityAllows(policies, 'cloudformation:DescribeStacks', stack)).toBe(true);
    expect(identityAllows(policies, 'cloudformation:UpdateStack', stack)).toBe(false);
    expect(identityAllows(policies, 'cloudformation:CreateChangeSet', stack)).toBe(false);
    const lookupRole = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-lookup-role-${ACCOUNT}-${REGION}`;
    expect(identityAllows(policies, 'sts:AssumeRole', lookupRole, bootstrapRoleTrust(ACCOUNT))).toBe(false);
    expect(identityAllows(policies, 's3:GetObject', 'arn:aws:s3:::data-bucket/key')).toBe(false);
  });
});

describe('GitLab roles (project ml/platform on gitlab.example.com)', () => {
  const template = synth({
    provider: 'gitlab',
    repository: 'ml/platform',
    gitlabUrl: 'https://gitlab.example.com',
    oidcProviderArn: GITLAB_PROVIDER,
    readableStackPrefix: 'Mlw-',
  });
  const deploy = roleOf(template, 'CiDeployAccessDeployRole');
  const diff = roleOf(template, 'CiDeployAccessDiffRole');
  const claims = (sub: string, aud = 'https://gitlab.example.com') => ({
    providerArn: GITLAB_PROVIDER,
    host: GITLAB_HOST,
    sub,
    aud,
  });

  it('deploy: admits the protected branch of the project only', () => {
    const can = (sub: string, aud?: string) => canAssumeWithWebIdentity(deploy.trust, claims(sub, aud));
    expect(can('project_path:ml/platform:ref_type:branch:ref:main')).toBe(true);
    expect(can('project_path:ml/platform:ref_type:branch:ref:feature')).toBe(false);
    expect(can('project_path:ml/platform:ref_type:tag:ref:main')).toBe(false);
    expect(can('project_path:attacker/platform:ref_type:branch:ref:main')).toBe(false);
    expect(can('project_path:ml/platform/fork:ref_type:branch:ref:main')).toBe(false);
    expect(can('project_path:ml/*:ref_type:branch:ref:main')).toBe(false);
    expect(can('project_path:ml/platform:ref_type:branch:ref:*')).toBe(false);
    expect(can('project_path:ml/platform:ref_type:branch:ref:main', 'https://gitlab.com')).toBe(false);
  });

  it('diff: admits any branch of the project (merge-request pipelines), never another project or a tag', () => {
    const can = (sub: string) => canAssumeWithWebIdentity(diff.trust, claims(sub));
    expect(can('project_path:ml/platform:ref_type:branch:ref:main')).toBe(true);
    expect(can('project_path:ml/platform:ref_type:branch:ref:feature/x')).toBe(true);
    expect(can('project_path:ml/platform:ref_type:tag:ref:v1')).toBe(false);
    expect(can('project_path:attacker/platform:ref_type:branch:ref:main')).toBe(false);
    expect(can('project_path:ml/platform-fork:ref_type:branch:ref:main')).toBe(false);
    expect(can('project_path:ml/platform/sub:ref_type:branch:ref:main')).toBe(false);
  });

  it('diff: reads only the stacks of the app (name prefix Mlw-)', () => {
    const arn = (name: string) =>
      `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/0f6a9a40-0000-11f0-0000-000000000000`;
    expect(identityAllows(diff.policies, 'cloudformation:GetTemplate', arn('Mlw-ReviewPortal'))).toBe(true);
    expect(identityAllows(diff.policies, 'cloudformation:GetTemplate', arn('CDKToolkit'))).toBe(false);
    expect(identityAllows(diff.policies, 'cloudformation:GetTemplate', arn('Other-Mlw-Stack'))).toBe(false);
  });
});

describe('deploy role permissions', () => {
  const bootstrapRole = (kind: string, qualifier = 'hnb659fds', account = ACCOUNT, region = REGION) =>
    `arn:aws:iam::${account}:role/cdk-${qualifier}-${kind}-${account}-${region}`;

  it('may assume the four CDK bootstrap roles of its account and Region, and nothing else', () => {
    const { policies } = roleOf(
      synth({ provider: 'github', repository: 'octo-org/app', oidcProviderArn: GITHUB_PROVIDER }),
      'CiDeployAccessDeployRole',
    );
    const assume = (arn: string, trustedAccount = ACCOUNT) =>
      identityAllows(policies, 'sts:AssumeRole', arn, bootstrapRoleTrust(trustedAccount));
    for (const kind of ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role']) {
      expect({ kind, allowed: assume(bootstrapRole(kind)) }).toEqual({ kind, allowed: true });
    }
    // The CloudFormation execution role is CloudFormation's to use, never the pipeline's.
    expect(assume(bootstrapRole('cfn-exec-role'))).toBe(false);
    expect(assume(bootstrapRole('deploy-role', 'other'))).toBe(false);
    expect(assume(bootstrapRole('deploy-role', 'hnb659fds', ACCOUNT, 'us-east-1'))).toBe(false);
    // Another account's bootstrap role, even one that trusts this account (cdk bootstrap --trust).
    expect(assume(bootstrapRole('deploy-role', 'hnb659fds', '999999999999'), ACCOUNT)).toBe(false);
    expect(assume(`arn:aws:iam::${ACCOUNT}:role/Admin`)).toBe(false);
    for (const [action, resource] of [
      ['iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/ci`],
      ['iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/ci`],
      ['cloudformation:CreateStack', `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Mlw-Example/1`],
      ['s3:PutObject', 'arn:aws:s3:::cdk-hnb659fds-assets-123456789012-eu-west-1/asset.zip'],
    ]) {
      expect({ action, allowed: identityAllows(policies, action as string, resource as string) }).toEqual({
        action,
        allowed: false,
      });
    }
  });

  it('follows a custom bootstrap qualifier', () => {
    const { policies } = roleOf(
      synth({ provider: 'github', repository: 'octo-org/app', qualifier: 'mlw', oidcProviderArn: GITHUB_PROVIDER }),
      'CiDeployAccessDeployRole',
    );
    const trust = bootstrapRoleTrust(ACCOUNT);
    expect(identityAllows(policies, 'sts:AssumeRole', bootstrapRole('deploy-role', 'mlw'), trust)).toBe(true);
    expect(identityAllows(policies, 'sts:AssumeRole', bootstrapRole('deploy-role'), trust)).toBe(false);
  });
});
