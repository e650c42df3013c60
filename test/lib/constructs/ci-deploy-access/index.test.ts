import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../../../lib/app';
import { ConfigError, parseConfig } from '../../../../lib/config';
import {
  CiDeployAccess,
  type CiDeployAccessProps,
  GIT_BRANCH,
  GITHUB_REPOSITORY,
  GITLAB_PROJECT_PATH,
} from '../../../../lib/constructs/ci-deploy-access';
import { realApp, stackOf, templateOf } from '../../../helpers/app';
import { synthWithValidation } from '../../../helpers/validation';

const GITHUB = { 'ciDeployAccess.enabled': 'true', 'ciDeployAccess.repository': 'octo-org/app' };
const GITLAB = {
  'ciDeployAccess.enabled': 'true',
  'ciDeployAccess.provider': 'gitlab',
  'ciDeployAccess.repository': 'ml/platform',
  // The GitLab MLOps stack creates gitlab.com's provider; this test app leaves it out.
  'gitlabMlops.enabled': 'false',
};

function construct(props: CiDeployAccessProps): { stack: Stack; access: CiDeployAccess } {
  const stack = new Stack(new App(), 'Ci');
  return { stack, access: new CiDeployAccess(stack, 'CiDeployAccess', props) };
}

describe('CiDeployAccess stack in the app', () => {
  it('is off by default', () => {
    expect(realApp().node.tryFindChild('Mlw-CiDeployAccess')).toBeUndefined();
  });

  it('GitHub: creates the provider of token.actions.githubusercontent.com, a deploy role and a diff role, no users or keys', () => {
    const template = templateOf(stackOf(realApp(GITHUB), 'Mlw-CiDeployAccess'));
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    template.resourceCountIs('AWS::IAM::Role', 2);
    for (const type of ['AWS::IAM::User', 'AWS::IAM::AccessKey', 'AWS::IAM::Group', 'AWS::IAM::ManagedPolicy']) {
      template.resourceCountIs(type, 0);
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: { Federated: { Ref: Match.stringLikeRegexp('^CiDeployAccessOidcProvider') } },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': 'repo:octo-org/app:ref:refs/heads/main',
              },
            },
          },
        ],
      },
      MaxSessionDuration: 3600,
    });
    // No managed policies on either role: the inline statements below are all they may do.
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns).toBeUndefined();
    }
    template.hasOutput('DeployRoleArn', { Description: Match.stringLikeRegexp('AWS_DEPLOY_ROLE_ARN') });
    template.hasOutput('DiffRoleArn', { Description: Match.stringLikeRegexp('AWS_DIFF_ROLE_ARN') });
    template.hasOutput('Region', { Value: { Ref: 'AWS::Region' } });
  });

  it('GitHub: the deploy role may only assume the four bootstrap roles of its account and Region', () => {
    const template = templateOf(stackOf(realApp(GITHUB), 'Mlw-CiDeployAccess'));
    const arn = (kind: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'AWS::AccountId' },
          `:role/cdk-hnb659fds-${kind}-`,
          { Ref: 'AWS::AccountId' },
          '-',
          { Ref: 'AWS::Region' },
        ],
      ],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'AssumeCdkBootstrapRoles',
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Resource: ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].map(arn),
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^CiDeployAccessDeployRole') }],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Sid: 'ReadAppStacks',
            Action: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
          }),
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^CiDeployAccessDiffRole') }],
    });
  });

  it('GitHub with an environment: the deploy role trusts the environment, and no warning', () => {
    const app = realApp({ ...GITHUB, 'ciDeployAccess.environment': 'production' });
    const stack = stackOf(app, 'Mlw-CiDeployAccess');
    templateOf(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                'token.actions.githubusercontent.com:sub': 'repo:octo-org/app:environment:production',
              }),
            },
          }),
        ],
      },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('environment'))).toEqual([]);
  });

  it('GitHub without an environment: warns that every job on the branch can deploy', () => {
    const stack = stackOf(realApp(GITHUB), 'Mlw-CiDeployAccess');
    const warnings = Annotations.fromStack(stack).findWarning(
      '/Mlw-CiDeployAccess/CiDeployAccess',
      Match.stringLikeRegexp('Every GitHub Actions job on branch main of octo-org/app can deploy'),
    );
    expect(warnings).toHaveLength(1);
  });

  it('GitLab: the instance is issuer and audience; deploy trusts the branch, diff every branch of the project', () => {
    const template = templateOf(
      stackOf(
        realApp({
          ...GITLAB,
          'ciDeployAccess.gitlabUrl': 'https://gitlab.example.com',
          'ciDeployAccess.branch': 'release',
        }),
        'Mlw-CiDeployAccess',
      ),
    );
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://gitlab.example.com',
      ClientIdList: ['https://gitlab.example.com'],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: {
                'gitlab.example.com:aud': 'https://gitlab.example.com',
                'gitlab.example.com:sub': 'project_path:ml/platform:ref_type:branch:ref:release',
              },
            },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: { 'gitlab.example.com:aud': 'https://gitlab.example.com' },
              StringLike: { 'gitlab.example.com:sub': 'project_path:ml/platform:ref_type:branch:ref:*' },
            },
          }),
        ],
      },
    });
  });

  it('reuses an existing provider, and leaves the diff role out on request', () => {
    const provider = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const template = templateOf(
      stackOf(
        realApp({ ...GITHUB, 'ciDeployAccess.oidcProviderArn': provider, 'ciDeployAccess.diffRole': 'false' }),
        'Mlw-CiDeployAccess',
      ),
    );
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: provider } })] },
    });
    expect(Object.keys(template.findOutputs('*'))).not.toContain('DiffRoleArn');
  });

  it('passes cdk-nag, cfn-guard and the CloudFormation schemas for both providers with no unacknowledged finding', () => {
    for (const context of [GITHUB, { ...GITLAB, 'ciDeployAccess.gitlabUrl': 'https://gitlab.example.com' }]) {
      const outdir = mkdtempSync(join(tmpdir(), 'mlw-ci-nag-'));
      try {
        const { app } = buildApp(
          new App({
            outdir,
            context: {
              'aws:cdk:bundling-stacks': [],
              ...context,
              'example.enabled': 'false',
              'activeLearning.enabled': 'false',
              'labelingChain.enabled': 'false',
              'gitlabMlops.enabled': 'false',
              'reviewPortal.enabled': 'false',
              'streamingAnomaly.enabled': 'false',
              'tripOutliers.enabled': 'false',
              'customLabelsAssist.enabled': 'false',
            },
          }),
        );
        expect(app.node.children.map((c) => c.node.id)).toEqual(['Mlw-CiDeployAccess']);
        const { error, report } = synthWithValidation(app, outdir);
        expect({ error, violations: (report.pluginReports ?? []).flatMap((r) => r.violations) }).toEqual({
          error: undefined,
          violations: [],
        });
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    }
  });
});

describe('ciDeployAccess configuration', () => {
  const problems = (context: Record<string, unknown>) => {
    try {
      parseConfig(context);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems;
    }
  };

  it('accepts the defaults (disabled) and a complete section', () => {
    expect(parseConfig({}).ciDeployAccess).toEqual({
      enabled: false,
      provider: 'github',
      branch: 'main',
      gitlabUrl: 'https://gitlab.com',
      qualifier: 'hnb659fds',
      diffRole: true,
    });
    expect(problems({ ...GITLAB, 'ciDeployAccess.repository': 'ml/team-a/platform' })).toEqual([]);
  });

  it.each([
    [{ 'ciDeployAccess.enabled': 'true' }, 'ciDeployAccess.repository: required when enabled'],
    [{ ...GITHUB, 'ciDeployAccess.repository': 'octo-org' }, 'ciDeployAccess.repository: received "octo-org"'],
    [{ ...GITHUB, 'ciDeployAccess.repository': 'octo-org/app/extra' }, 'expected a GitHub repository as owner/name'],
    [{ ...GITHUB, 'ciDeployAccess.repository': '-octo/app' }, 'expected a GitHub repository as owner/name'],
    [{ ...GITHUB, 'ciDeployAccess.repository': 'octo/*' }, 'expected a GitHub repository as owner/name'],
    [{ ...GITLAB, 'ciDeployAccess.repository': 'platform' }, 'expected a GitLab project path as group/project'],
    [{ ...GITLAB, 'ciDeployAccess.repository': 'ml/platform.git' }, 'expected a GitLab project path'],
    [{ ...GITLAB, 'ciDeployAccess.environment': 'production' }, 'ciDeployAccess.environment: received "production"'],
    [{ ...GITHUB, 'ciDeployAccess.branch': 'release/*' }, 'ciDeployAccess.branch: received "release/*"'],
    [{ ...GITHUB, 'ciDeployAccess.branch': 'a..b' }, 'expected a literal branch name'],
    [{ ...GITHUB, 'ciDeployAccess.provider': 'bitbucket' }, 'ciDeployAccess.provider: received "bitbucket"'],
    [{ ...GITHUB, 'ciDeployAccess.qualifier': 'waytoolongqualifier' }, 'ciDeployAccess.qualifier'],
    [
      { ...GITHUB, 'ciDeployAccess.oidcProviderArn': 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' },
      'expected the IAM OIDC provider of token.actions.githubusercontent.com',
    ],
    [{ ...GITLAB, 'ciDeployAccess.gitlabUrl': 'http://gitlab.example.com/' }, 'ciDeployAccess.gitlabUrl'],
    [{ ...GITHUB, 'ciDeployAccess.role': 'x' }, 'ciDeployAccess.role: unknown configuration key'],
  ])('rejects %j', (context, message) => {
    expect(problems(context).join('\n')).toContain(message);
  });

  it('refuses a second GitLab provider beside the GitLab MLOps stack, and names the fix', () => {
    expect(() => realApp({ ...GITLAB, 'gitlabMlops.enabled': 'true' })).toThrow(
      /ciDeployAccess\.oidcProviderArn.*GitLabMlops stack already creates the IAM OIDC provider of https:\/\/gitlab\.com/,
    );
    expect(() =>
      realApp({
        ...GITLAB,
        'gitlabMlops.enabled': 'true',
        'ciDeployAccess.oidcProviderArn': 'arn:aws:iam::123456789012:oidc-provider/gitlab.com',
      }),
    ).not.toThrow();
  });
});

describe('CiDeployAccess construct validation', () => {
  const github: CiDeployAccessProps = { provider: 'github', repository: 'octo-org/app' };

  it.each<[string, CiDeployAccessProps, RegExp]>([
    ['an unknown provider', { ...github, provider: 'bitbucket' as 'github' }, /invalid provider "bitbucket"/],
    ['a GitLab path for GitHub', { ...github, repository: 'ml/team/platform' }, /invalid repository/],
    ['a GitHub-style name for GitLab', { provider: 'gitlab', repository: 'platform' }, /invalid repository/],
    ['a wildcard branch', { ...github, branch: '*' }, /invalid branch "\*"/],
    [
      'an environment on GitLab',
      { provider: 'gitlab', repository: 'ml/platform', environment: 'production' },
      /environment/,
    ],
    [
      'a GitLab URL on GitHub',
      { ...github, gitlabUrl: 'https://gitlab.com' },
      /gitlabUrl applies to provider gitlab only/,
    ],
    [
      'the provider of another issuer',
      { ...github, oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/gitlab.com' },
      /invalid oidcProviderArn/,
    ],
    ['a bad qualifier', { ...github, qualifier: 'has space' }, /invalid qualifier/],
    ['a session over 12 hours', { ...github, maxSessionDuration: Duration.hours(13) }, /maxSessionDuration/],
  ])('throws on %s', (_what, props, message) => {
    expect(() => construct(props)).toThrow(message);
  });

  it('exposes what it trusts', () => {
    const { access } = construct({ ...github, environment: 'production' });
    expect(access.deploySubject).toBe('repo:octo-org/app:environment:production');
    expect(access.diffSubjects).toEqual(['repo:octo-org/app:pull_request', 'repo:octo-org/app:ref:refs/heads/main']);
  });
});

describe('claim patterns', () => {
  it.each([
    [
      GITHUB_REPOSITORY,
      ['octo-org/app', 'a/b', 'Octo/app.js', 'o/.github', 'x1-y2/z_z-z.z'],
      ['octo', 'a//b', 'a/b/c', '-a/b', 'a-/b', 'a--b/c', 'a/.', 'a/..', 'a/b c', 'a/*'],
    ],
    [
      GITLAB_PROJECT_PATH,
      ['ml/platform', 'ml/team-a/platform', '_x/y.z'],
      ['platform', '/ml/p', 'ml/p/', 'ml/p.git', 'ml/p.atom', 'ml/-p', 'ml/p.', 'ml/*'],
    ],
    [
      GIT_BRANCH,
      ['main', 'release/2026.1', 'feature_x-y'],
      ['', '*', 'a*', '-x', 'a..b', 'a//b', 'a/', '/a', 'x.lock', 'a b', 'a?b'],
    ],
  ])('%s', (pattern, good, bad) => {
    for (const value of good) expect({ value, ok: pattern.test(value) }).toEqual({ value, ok: true });
    for (const value of bad) expect({ value, ok: pattern.test(value) }).toEqual({ value, ok: false });
  });
});
