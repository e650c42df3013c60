import { Annotations, Duration, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConstructValidationError, validatePattern } from '../../shared/errors';
import { nagResourceName } from '../../shared/grants';
import { acknowledge } from '../../shared/nag';
import {
  CDK_QUALIFIER,
  CI_PROVIDERS,
  type CiProvider,
  GIT_BRANCH,
  GITHUB_AUDIENCE,
  GITHUB_ENVIRONMENT,
  GITHUB_OIDC_HOST,
  GITHUB_REPOSITORY,
  GITLAB_COM_URL,
  GITLAB_PROJECT_PATH,
  GITLAB_URL,
  githubSubject,
  gitlabHost,
  gitlabSubject,
} from './claims';

export * from './claims';

/** The roles `cdk bootstrap` creates that the CDK CLI assumes to deploy (`cdk-<qualifier>-<kind>-<account>-<region>`). */
export const CDK_BOOTSTRAP_ROLE_KINDS = [
  'deploy-role',
  'file-publishing-role',
  'image-publishing-role',
  'lookup-role',
] as const;

/** Props of {@link CiDeployAccess}. */
export interface CiDeployAccessProps {
  /** The CI provider whose jobs may assume the roles. */
  readonly provider: CiProvider;
  /** GitHub `owner/name`, or the GitLab project's full path `group[/subgroup…]/project`. */
  readonly repository: string;
  /**
   * The branch whose jobs may deploy (GitLab always; GitHub when no `environment` is given), and whose jobs may also
   * run the diff.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * GitHub only: the deployment environment whose jobs may deploy (`repo:OWNER/REPO:environment:NAME`) instead of the
   * branch. Give the environment required reviewers and a deployment branch rule in GitHub: they then gate every use
   * of the deploy role.
   * @default none: jobs on `branch` may deploy
   */
  readonly environment?: string;
  /**
   * GitLab only: the instance's https base URL (no trailing slash). It is the OIDC issuer and the audience (`aud`)
   * the jobs request with `id_tokens: { aud: $CI_SERVER_URL }`.
   * @default 'https://gitlab.com'
   */
  readonly gitlabUrl?: string;
  /**
   * ARN of the account's existing IAM OIDC provider for the issuer (IAM allows one per URL and account); it must be
   * the provider of `token.actions.githubusercontent.com` or of the GitLab host, with the audience above as a client id.
   * @default a provider is created
   */
  readonly oidcProviderArn?: string;
  /**
   * Qualifier of the CDK bootstrap stack (`cdk bootstrap --qualifier`).
   * @default 'hnb659fds' (the CDK default)
   */
  readonly qualifier?: string;
  /**
   * Create the diff role: pull requests (GitHub: same-repository ones) and, on GitLab, jobs of any branch of the
   * project may read the app's stacks and templates for `cdk diff`, and nothing else.
   * @default true
   */
  readonly diffRole?: boolean;
  /**
   * Prefix of the stack names the diff role may read (`<prefix>*`).
   * @default '' (every stack of the account and Region)
   */
  readonly readableStackPrefix?: string;
  /**
   * Longest session of either role.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * Keyless deploy access for CI pipelines: the IAM OIDC provider of GitHub Actions or of a GitLab instance (created or
 * reused), a deploy role that only the configured repository's branch (or GitHub environment) can assume and whose
 * only permission is to assume the CDK bootstrap roles of this account and Region, and optionally a diff role for
 * reviews that can only read the app's stacks and templates. No IAM users, no access keys.
 *
 * The deploy role gets exactly the four bootstrap roles the CDK CLI uses (deploy, file and image publishing, lookup):
 * what a deployment may then change is decided by the bootstrap's CloudFormation execution role, as for any `cdk deploy`.
 */
export class CiDeployAccess extends Construct {
  /** The role deployment jobs assume. */
  public readonly deployRole: iam.Role;
  /** The role review jobs assume for `cdk diff` (when enabled). */
  public readonly diffRole?: iam.Role;
  /** ARN of the OIDC provider (created or given). */
  public readonly oidcProviderArn: string;
  /** The `sub` claim the deploy role accepts. */
  public readonly deploySubject: string;
  /** The `sub` claims (GitHub) or the `StringLike` pattern (GitLab) the diff role accepts. */
  public readonly diffSubjects: readonly string[];

  constructor(scope: Construct, id: string, props: CiDeployAccessProps) {
    super(scope, id);
    this.validate(props);
    const branch = props.branch ?? 'main';
    const github = props.provider === 'github';
    const gitlabUrl = props.gitlabUrl ?? GITLAB_COM_URL;
    const host = github ? GITHUB_OIDC_HOST : gitlabHost(gitlabUrl);
    const audience = github ? GITHUB_AUDIENCE : gitlabUrl;

    // Native AWS::IAM::OIDCProvider: no custom resource; IAM verifies the issuer's certificate itself.
    this.oidcProviderArn =
      props.oidcProviderArn ??
      new iam.OidcProviderNative(this, 'OidcProvider', { url: `https://${host}`, clientIds: [audience] })
        .oidcProviderArn;

    this.deploySubject = github
      ? githubSubject(
          props.repository,
          props.environment !== undefined ? { environment: props.environment } : { branch },
        )
      : gitlabSubject(props.repository, branch);
    if (github && props.environment === undefined) {
      Annotations.of(this).addWarningV2(
        'mlw:ci-deploy-access-no-environment',
        `Every GitHub Actions job on branch ${branch} of ${props.repository} can deploy: set environment (ciDeployAccess.environment) so that the environment's required reviewers gate the deploy role.`,
      );
    }
    const sessionLength = props.maxSessionDuration ?? Duration.hours(1);

    this.deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.WebIdentityPrincipal(this.oidcProviderArn, {
        StringEquals: { [`${host}:aud`]: audience, [`${host}:sub`]: this.deploySubject },
      }),
      description: `CI deploys from ${props.repository} (${this.deploySubject}): may only assume the CDK bootstrap roles`,
      maxSessionDuration: sessionLength,
    });
    const qualifier = props.qualifier ?? 'hnb659fds';
    // Literal values when the stack has an environment, pseudo parameters otherwise.
    const { partition, account, region } = Stack.of(this);
    this.deployRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: CDK_BOOTSTRAP_ROLE_KINDS.map(
          (kind) => `arn:${partition}:iam::${account}:role/cdk-${qualifier}-${kind}-${account}-${region}`,
        ),
      }),
    );

    if (props.diffRole === false) {
      this.diffSubjects = [];
      return;
    }
    // GitHub: same-repository pull requests and the branch (the diff before a deploy). GitLab merge-request
    // pipelines run on the source branch, so the diff role accepts every branch of the project.
    this.diffSubjects = github
      ? [githubSubject(props.repository, { pullRequest: true }), githubSubject(props.repository, { branch })]
      : [gitlabSubject(props.repository, '*')];
    this.diffRole = new iam.Role(this, 'DiffRole', {
      assumedBy: new iam.WebIdentityPrincipal(
        this.oidcProviderArn,
        github
          ? { StringEquals: { [`${host}:aud`]: audience, [`${host}:sub`]: this.diffSubjects } }
          : { StringEquals: { [`${host}:aud`]: audience }, StringLike: { [`${host}:sub`]: this.diffSubjects[0] } },
      ),
      description: `cdk diff for reviews of ${props.repository}: may only read the app's stacks and templates`,
      maxSessionDuration: sessionLength,
    });
    const stacks = `arn:${partition}:cloudformation:${region}:${account}:stack/${props.readableStackPrefix ?? ''}*/*`;
    // `cdk diff --method template` reads the deployed template with these two calls when it cannot assume the
    // lookup role (which has ReadOnlyAccess to the whole account: more than a review needs).
    this.diffRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAppStacks',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
        resources: [stacks],
      }),
    );
    acknowledge(
      this.diffRole,
      'The diff role reads the stacks of this app by name prefix; CloudFormation stack ARNs end in a generated id, so the id part is a wildcard. Only DescribeStacks and GetTemplate are allowed.',
      `AwsSolutions-IAM5[Resource::${nagResourceName(this, stacks)}]`,
    );
  }

  private validate(props: CiDeployAccessProps): void {
    if (!(CI_PROVIDERS as readonly string[]).includes(props.provider)) {
      throw new ConstructValidationError(this, 'provider', props.provider, `use one of ${CI_PROVIDERS.join(', ')}`);
    }
    if (Token.isUnresolved(props.repository)) {
      throw new ConstructValidationError(this, 'repository', '(token)', 'the trust policy needs a literal repository');
    }
    if (props.provider === 'github') {
      validatePattern(this, 'repository', props.repository, GITHUB_REPOSITORY, 'use a GitHub repository as owner/name');
      validatePattern(this, 'environment', props.environment, GITHUB_ENVIRONMENT, 'use letters, digits, ".", "_", "-"');
      if (props.gitlabUrl !== undefined) {
        throw new ConstructValidationError(
          this,
          'gitlabUrl',
          props.gitlabUrl,
          'gitlabUrl applies to provider gitlab only',
        );
      }
    } else {
      validatePattern(
        this,
        'repository',
        props.repository,
        GITLAB_PROJECT_PATH,
        'use the GitLab project path as group/project (subgroups allowed)',
      );
      if (props.environment !== undefined) {
        throw new ConstructValidationError(
          this,
          'environment',
          props.environment,
          "GitLab's ID token subject names the branch, not the environment: leave environment unset and protect the branch (and, on Premium, the environment)",
        );
      }
      validatePattern(this, 'gitlabUrl', props.gitlabUrl, GITLAB_URL, 'use an https URL without a trailing slash');
    }
    validatePattern(this, 'branch', props.branch, GIT_BRANCH, 'use a literal branch name (no wildcards, no "..")');
    validatePattern(this, 'qualifier', props.qualifier, CDK_QUALIFIER, 'use 1-10 letters, digits, "_" or "-"');
    validatePattern(
      this,
      'readableStackPrefix',
      props.readableStackPrefix,
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
      'use the start of a stack name (letters, digits, hyphens)',
    );
    if (props.oidcProviderArn !== undefined && !Token.isUnresolved(props.oidcProviderArn)) {
      const host = props.provider === 'github' ? GITHUB_OIDC_HOST : gitlabHost(props.gitlabUrl ?? GITLAB_COM_URL);
      if (
        !new RegExp(`^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/${host.replace(/\./g, '\\.')}$`).test(
          props.oidcProviderArn,
        )
      ) {
        throw new ConstructValidationError(
          this,
          'oidcProviderArn',
          props.oidcProviderArn,
          `use the ARN of the IAM OIDC provider of ${host} (arn:aws:iam::<account>:oidc-provider/${host})`,
        );
      }
    }
    const hours = props.maxSessionDuration?.toHours({ integral: false });
    if (hours !== undefined && (hours < 1 || hours > 12)) {
      throw new ConstructValidationError(this, 'maxSessionDuration', `${hours} h`, 'IAM allows 1 to 12 hours');
    }
  }
}
