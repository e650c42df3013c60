import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { LAUNCH_PARAMETERS } from '../../../../lambdas/gitlab-mlops/contract';
import { LaunchRefusedError, checkLaunchChoice } from '../../../../lambdas/gitlab-mlops/core/launch-policy';

/** The field case: a launch that names another team's GitLab token secret. */
const launch = Object.fromEntries(
  (
    JSON.parse(
      readFileSync(join(__dirname, '../../../fixtures/gitlab-mlops/product-parameters-foreign-secret.json'), 'utf8'),
    ) as { Key: string; Value: string }[]
  ).map((p) => [p.Key, p.Value]),
);
const ALLOWED_SECRET = 'gitlab/mlops-token';
const FOREIGN_SECRET = launch[LAUNCH_PARAMETERS.TOKEN_SECRET_NAME]!;

const secrets = mockClient(SecretsManagerClient);

describe('launch policy (core)', () => {
  it('refuses the field case: a secret the administrator did not allow, naming what is allowed and who decides', () => {
    expect(FOREIGN_SECRET).toBe('gitlab/team-b-token');
    expect(() =>
      checkLaunchChoice({
        parameter: LAUNCH_PARAMETERS.TOKEN_SECRET_NAME,
        value: FOREIGN_SECRET,
        allowed: [ALLOWED_SECRET],
        configKey: 'gitlabMlops.allowedTokenSecretNames',
      }),
    ).toThrow(
      new LaunchRefusedError(
        'GitLabTokenSecretName "gitlab/team-b-token" is not allowed: choose one of gitlab/mlops-token (the portfolio administrator sets them with gitlabMlops.allowedTokenSecretNames)',
      ),
    );
  });

  it('accepts an allowed value, and any value when the administrator set no list', () => {
    const choice = { parameter: 'GitLabGroupPath', configKey: 'gitlabMlops.allowedGroupPaths' };
    expect(() =>
      checkLaunchChoice({ ...choice, value: 'ml/team-a', allowed: ['ml/team-a', 'ml/team-b'] }),
    ).not.toThrow();
    expect(() => checkLaunchChoice({ ...choice, value: 'anything', allowed: [] })).not.toThrow();
    // Exact names only: a prefix or a case variant is another value.
    expect(() => checkLaunchChoice({ ...choice, value: 'ml/team-a/sub', allowed: ['ml/team-a'] })).toThrow(
      LaunchRefusedError,
    );
    expect(() => checkLaunchChoice({ ...choice, value: 'ML/team-a', allowed: ['ml/team-a'] })).toThrow(
      LaunchRefusedError,
    );
  });
});

/** Load a handler module with its own environment (each reads and memoizes its environment once). */
async function loadWith<T>(modulePath: string, env: Record<string, string>): Promise<T> {
  Object.assign(process.env, env);
  let loaded: T | undefined;
  await jest.isolateModulesAsync(async () => {
    loaded = (await import(modulePath)) as T;
  });
  return loaded!;
}

const UNREACHABLE_GITLAB = 'http://127.0.0.1:9';

describe('handlers refuse a launch choice the administrator did not allow, before reading any secret', () => {
  beforeEach(() => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'glpat-should-never-be-read' });
  });

  const seedEvent = (groupPath: string) => ({
    RequestType: 'Create',
    ResourceProperties: {
      GroupPath: groupPath,
      BuildRepositoryName: 'churn-model-build',
      DeployRepositoryName: 'churn-model-deploy',
      Branch: 'main',
      SageMakerProjectName: launch.SageMakerProjectName,
      SageMakerProjectId: launch.SageMakerProjectId,
    },
  });
  const seedEnv = {
    GITLAB_URL: UNREACHABLE_GITLAB,
    SEED_BUCKET: 'product-assets',
    SEED_KEY: 'seed/abc.zip',
  };
  type Seed = { handler: (event: unknown) => Promise<unknown> };

  it('seed check-in: the field case fails with the refusal as the CloudFormation reason, no secret read', async () => {
    const { handler } = await loadWith<Seed>('../../../../lambdas/gitlab-mlops/seed-check-in', {
      ...seedEnv,
      GITLAB_TOKEN_SECRET_ID: FOREIGN_SECRET,
      GITLAB_ALLOWED_TOKEN_SECRET_IDS: ALLOWED_SECRET,
      GITLAB_ALLOWED_GROUP_PATHS: '',
    });
    await expect(handler(seedEvent(launch.GitLabGroupPath!))).rejects.toThrow(
      /GitLabTokenSecretName "gitlab\/team-b-token" is not allowed: choose one of gitlab\/mlops-token/,
    );
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('seed check-in: a group outside gitlabMlops.allowedGroupPaths is refused before anything else', async () => {
    const { handler } = await loadWith<Seed>('../../../../lambdas/gitlab-mlops/seed-check-in', {
      ...seedEnv,
      GITLAB_TOKEN_SECRET_ID: ALLOWED_SECRET,
      GITLAB_ALLOWED_TOKEN_SECRET_IDS: ALLOWED_SECRET,
      GITLAB_ALLOWED_GROUP_PATHS: 'ml/team-b,ml/shared',
    });
    await expect(handler(seedEvent('ml/team-a'))).rejects.toThrow(
      'GitLabGroupPath "ml/team-a" is not allowed: choose one of ml/team-b, ml/shared (the portfolio administrator sets them with gitlabMlops.allowedGroupPaths)',
    );
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('seed check-in: refuses to start without the allowed list (the template always sets it)', async () => {
    const { handler } = await loadWith<Seed>('../../../../lambdas/gitlab-mlops/seed-check-in', {
      ...seedEnv,
      GITLAB_TOKEN_SECRET_ID: ALLOWED_SECRET,
      GITLAB_ALLOWED_TOKEN_SECRET_IDS: '',
      GITLAB_ALLOWED_GROUP_PATHS: '',
    });
    await expect(handler(seedEvent('ml/team-a'))).rejects.toThrow(/GITLAB_ALLOWED_TOKEN_SECRET_IDS/);
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('deploy trigger: an approved version does not start a pipeline with a secret the administrator did not allow', async () => {
    const { handler } = await loadWith<Seed>('../../../../lambdas/gitlab-mlops/deploy-trigger', {
      GITLAB_URL: UNREACHABLE_GITLAB,
      GITLAB_TOKEN_SECRET_ID: FOREIGN_SECRET,
      GITLAB_ALLOWED_TOKEN_SECRET_IDS: ALLOWED_SECRET,
      DEPLOY_PROJECT_PATH: 'ml/team-a/churn-model-deploy',
      DEPLOY_BRANCH: 'main',
      MODEL_PACKAGE_GROUP_NAME: 'churn-p-abc123def456',
      ENDPOINT_STACK_NAMES: 'sagemaker-churn-p-abc123def456-staging,sagemaker-churn-p-abc123def456-prod',
    });
    const arn = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-p-abc123def456/7';
    await expect(
      handler({
        source: 'aws.sagemaker',
        'detail-type': 'SageMaker Model Package State Change',
        detail: {
          ModelPackageGroupName: 'churn-p-abc123def456',
          ModelPackageArn: arn,
          ModelPackageVersion: 7,
          ModelApprovalStatus: 'Approved',
        },
      }),
    ).rejects.toThrow(/GitLabTokenSecretName "gitlab\/team-b-token" is not allowed/);
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });
});
