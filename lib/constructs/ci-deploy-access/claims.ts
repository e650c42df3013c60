/**
 * OIDC identities of CI providers as AWS IAM sees them: issuer hosts, audiences, the `sub` claim formats the trust
 * policies name, and the input patterns that keep those claims exact. No imports: the configuration schema and the
 * construct share these.
 *
 * Sources: GitHub, "About security hardening with OpenID Connect" (subject claim formats, audience `sts.amazonaws.com`
 * for the official AWS action); GitLab, "OpenID Connect (OIDC) Authentication Using ID Tokens" (`sub` =
 * `project_path:{group}/{project}:ref_type:{type}:ref:{branch_name}`; `aud` chosen by the job in `id_tokens`).
 */

/** The CI providers a deploy role can trust. */
export const CI_PROVIDERS = ['github', 'gitlab'] as const;

/** A CI provider. */
export type CiProvider = (typeof CI_PROVIDERS)[number];

/** Issuer of GitHub Actions ID tokens (also the IAM OIDC provider's URL without `https://`). */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** Audience that `aws-actions/configure-aws-credentials` requests, and the GitHub provider's client id. */
export const GITHUB_AUDIENCE = 'sts.amazonaws.com';

/** The default GitLab instance. */
export const GITLAB_COM_URL = 'https://gitlab.com';

/**
 * `owner/name` of a GitHub repository. Owner: 1–39 letters, digits or single inner hyphens (GitHub's user and
 * organization rule); name: 1–100 letters, digits, `.`, `_`, `-`, but not `.` or `..`.
 */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/**
 * Full path of a GitLab project, `group[/subgroup…]/project`. Each segment starts with a letter, digit or `_`, holds
 * letters, digits, `_`, `-`, `.`, and does not end with `.`, `.git` or `.atom` (GitLab's path rules).
 */
export const GITLAB_PROJECT_PATH =
  /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?(?<!\.git|\.atom)\/)+[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?(?<!\.git|\.atom)$/;

/**
 * A literal Git branch name: letters, digits, `.`, `_`, `-` and inner `/`; no `..`, `//`, leading `-`, trailing
 * `.lock`, and none of the characters IAM's `StringLike` would read as wildcards (`*`, `?`).
 */
export const GIT_BRANCH =
  /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._-](?:[A-Za-z0-9._/-]{0,253}[A-Za-z0-9._-])?$/;

/** A GitHub environment name: letters, digits, `.`, `_`, `-` (up to 255). */
export const GITHUB_ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;

/** An https base URL of a GitLab instance without a trailing slash. */
export const GITLAB_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)*$/;

/** The CDK bootstrap qualifier rule (`cdk bootstrap --qualifier`): 1–10 letters, digits, `_`, `-`. */
export const CDK_QUALIFIER = /^[A-Za-z0-9_-]{1,10}$/;

/** What a role trusts inside one repository or project. */
export type CiRef =
  /** Jobs on this branch (GitHub: jobs without an environment). */
  | { readonly branch: string }
  /** GitHub jobs that name this deployment environment. */
  | { readonly environment: string }
  /** GitHub jobs of `pull_request` events. */
  | { readonly pullRequest: true };

/**
 * The `sub` claim of a GitHub Actions job.
 * @example githubSubject('octo/app', { branch: 'main' }) === 'repo:octo/app:ref:refs/heads/main'
 */
export function githubSubject(repository: string, ref: CiRef): string {
  if ('branch' in ref) return `repo:${repository}:ref:refs/heads/${ref.branch}`;
  if ('environment' in ref) return `repo:${repository}:environment:${ref.environment}`;
  return `repo:${repository}:pull_request`;
}

/**
 * The `sub` claim of a GitLab CI job on a branch (`*` as the branch gives the `StringLike` pattern of every branch).
 * @example gitlabSubject('ml/platform', 'main') === 'project_path:ml/platform:ref_type:branch:ref:main'
 */
export function gitlabSubject(projectPath: string, branch: string): string {
  return `project_path:${projectPath}:ref_type:branch:ref:${branch}`;
}

/** Host (and path) of a GitLab URL, as IAM names the OIDC provider and its condition keys. */
export function gitlabHost(gitlabUrl: string): string {
  return gitlabUrl.replace(/^https:\/\//, '');
}
