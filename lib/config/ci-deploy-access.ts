import { z } from 'zod';
import {
  CDK_QUALIFIER,
  CI_PROVIDERS,
  GIT_BRANCH,
  GITHUB_ENVIRONMENT,
  GITHUB_OIDC_HOST,
  GITHUB_REPOSITORY,
  GITLAB_COM_URL,
  GITLAB_PROJECT_PATH,
  GITLAB_URL,
  gitlabHost,
} from '../constructs/ci-deploy-access/claims';
import { arn, bool } from './schema-helpers';

/**
 * Configuration of the opt-in `<prefix>-CiDeployAccess` stack: keyless (OIDC) deploy and diff roles for a GitHub
 * Actions or GitLab CI pipeline. See docs/ci.md.
 */
export const ciDeployAccessConfigSchema = z
  .object({
    /** Deploy the stack. Off by default: it creates IAM roles that a CI provider can assume. */
    enabled: bool().default(false),
    /** The CI provider: `github` or `gitlab`. */
    provider: z.enum(CI_PROVIDERS).default('github'),
    /** GitHub `owner/name`, or the GitLab project path `group[/subgroup…]/project`. Required when enabled. */
    repository: z.string().optional(),
    /** Branch whose jobs may deploy (GitLab; GitHub without `environment`) and run the diff. */
    branch: z.string().regex(GIT_BRANCH, 'expected a literal branch name (no wildcards, no "..")').default('main'),
    /** GitHub only: the deployment environment whose jobs may deploy (e.g. `production`), instead of the branch. */
    environment: z
      .string()
      .regex(GITHUB_ENVIRONMENT, 'expected an environment name (letters, digits, ".", "_", "-")')
      .optional(),
    /** GitLab only: https base URL of the instance (issuer and `aud`). */
    gitlabUrl: z
      .string()
      .regex(GITLAB_URL, 'expected an https URL without a trailing slash, e.g. https://gitlab.example.com')
      .default(GITLAB_COM_URL),
    /** ARN of the account's existing IAM OIDC provider for the issuer; unset creates one (IAM allows one per URL). */
    oidcProviderArn: arn('iam', 'oidc-provider/').optional(),
    /** Qualifier of the CDK bootstrap stack whose roles the deploy role may assume. */
    qualifier: z.string().regex(CDK_QUALIFIER, 'expected 1-10 letters, digits, "_" or "-"').default('hnb659fds'),
    /** Create the diff role (reads the app's stacks and templates for `cdk diff` on reviews). */
    diffRole: bool().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.enabled) return;
    const github = c.provider === 'github';
    if (c.repository === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['repository'],
        message: github
          ? 'required when enabled: the GitHub repository as owner/name'
          : 'required when enabled: the GitLab project path as group/project',
      });
    } else if (github && !GITHUB_REPOSITORY.test(c.repository)) {
      ctx.addIssue({ code: 'custom', path: ['repository'], message: 'expected a GitHub repository as owner/name' });
    } else if (!github && !GITLAB_PROJECT_PATH.test(c.repository)) {
      ctx.addIssue({
        code: 'custom',
        path: ['repository'],
        message: 'expected a GitLab project path as group/project (subgroups allowed)',
      });
    }
    if (!github && c.environment !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['environment'],
        message: "GitLab's ID token subject names the branch, not the environment: leave it unset for provider gitlab",
      });
    }
    const host = github ? GITHUB_OIDC_HOST : gitlabHost(c.gitlabUrl);
    if (c.oidcProviderArn !== undefined && !c.oidcProviderArn.endsWith(`:oidc-provider/${host}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['oidcProviderArn'],
        message: `expected the IAM OIDC provider of ${host} (arn:aws:iam::<account>:oidc-provider/${host})`,
      });
    }
  });

/** Validated CI deploy access configuration. */
export type CiDeployAccessConfig = z.infer<typeof ciDeployAccessConfigSchema>;
