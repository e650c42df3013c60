/**
 * Contract between the GitLab MLOps project template (CDK) and its handlers: environment variable names, metric
 * names, service names and shared constants. Zero imports.
 */

/**
 * Environment variables of the GitLab MLOps handlers. The seed check-in (custom resource) reads `GITLAB_URL`,
 * `TOKEN_SECRET_ID`, `SEED_BUCKET`, `SEED_KEY`, `ALLOWED_TOKEN_SECRET_IDS` and `ALLOWED_GROUP_PATHS`; the deploy trigger
 * reads `GITLAB_URL`, `TOKEN_SECRET_ID`, `ALLOWED_TOKEN_SECRET_IDS` and the `DEPLOY_*`, `MODEL_PACKAGE_GROUP_NAME` and
 * `ENDPOINT_STACK_NAMES` variables.
 */
export const GITLAB_MLOPS_ENV = {
  /** Base URL of the GitLab server, e.g. `https://gitlab.example.com`. */
  GITLAB_URL: 'GITLAB_URL',
  /** Name or ARN of the Secrets Manager secret holding the GitLab token (plain string or JSON `{"token": …}`). */
  TOKEN_SECRET_ID: 'GITLAB_TOKEN_SECRET_ID',
  /** Comma-separated secret names the administrator allows (`gitlabMlops.allowedTokenSecretNames`); never empty. */
  ALLOWED_TOKEN_SECRET_IDS: 'GITLAB_ALLOWED_TOKEN_SECRET_IDS',
  /** Seed check-in: comma-separated GitLab groups the administrator allows (`gitlabMlops.allowedGroupPaths`); empty: any. */
  ALLOWED_GROUP_PATHS: 'GITLAB_ALLOWED_GROUP_PATHS',
  /** Seed check-in: bucket of the seed archive (the product's asset bucket). */
  SEED_BUCKET: 'SEED_BUCKET',
  /** Seed check-in: object key of the seed archive (a zip holding `model-build/**` and `model-deploy/**`). */
  SEED_KEY: 'SEED_KEY',
  /** Deploy trigger: full path (`group/name`) of the model-deploy project. */
  DEPLOY_PROJECT_PATH: 'DEPLOY_PROJECT_PATH',
  /** Deploy trigger: branch the deploy pipeline runs on (the protected branch the deploy role trusts). */
  DEPLOY_BRANCH: 'DEPLOY_BRANCH',
  /** Deploy trigger: the project's model package group. */
  MODEL_PACKAGE_GROUP_NAME: 'MODEL_PACKAGE_GROUP_NAME',
  /** Deploy trigger: CloudFormation stacks of the staging and production endpoints (comma-separated). */
  ENDPOINT_STACK_NAMES: 'ENDPOINT_STACK_NAMES',
} as const;

/** Launch parameters of the product that the administrator restricts (names of the CloudFormation parameters). */
export const LAUNCH_PARAMETERS = {
  TOKEN_SECRET_NAME: 'GitLabTokenSecretName',
  GROUP_PATH: 'GitLabGroupPath',
} as const;

/** Custom-resource type of the seed check-in. */
export const SEED_CHECK_IN_RESOURCE_TYPE = 'Custom::GitLabSeedCheckIn';

/** What happens to the GitLab projects when the SageMaker project is deleted. */
export const DELETE_POLICIES = ['retain', 'archive', 'delete'] as const;
/** One of {@link DELETE_POLICIES}. */
export type DeletePolicy = (typeof DELETE_POLICIES)[number];

/** Seed archive folders of the two repositories. */
export const SEED_FOLDERS = { build: 'model-build/', deploy: 'model-deploy/' } as const;

/** Name of the endpoint-stack parameter that holds the deployed model package ARN. */
export const ENDPOINT_STACK_MODEL_PARAMETER = 'ModelPackageArn';

/** Pipeline variables the deploy trigger passes to the model-deploy pipeline. */
export const DEPLOY_PIPELINE_VARIABLES = {
  MODEL_PACKAGE_ARN: 'MODEL_PACKAGE_ARN',
  MODEL_PACKAGE_VERSION: 'MODEL_PACKAGE_VERSION',
  DEPLOY_REASON: 'DEPLOY_REASON',
} as const;

/** Powertools service names (the `service` metric dimension), fixed so the portfolio stack can alarm on them. */
export const GITLAB_MLOPS_SERVICE = {
  SEED_CHECK_IN: 'gitlab-mlops-seed-check-in',
  DEPLOY_TRIGGER: 'gitlab-mlops-deploy-trigger',
} as const;

/** Metric names published by the handlers (namespace `MlWorkflows`). */
export const GITLAB_MLOPS_METRICS = {
  SEED_CHECK_IN_FAILURES: 'SeedCheckInFailures',
  PROJECTS_SEEDED: 'ProjectsSeeded',
  DEPLOY_TRIGGER_FAILURES: 'DeployTriggerFailures',
  DEPLOYMENTS_TRIGGERED: 'DeploymentsTriggered',
  ROLLBACKS_TRIGGERED: 'RollbacksTriggered',
  ROLLBACKS_IMPOSSIBLE: 'RollbacksImpossible',
} as const;
