import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeGitLab } from '../../helpers/fake-gitlab';

const TOKEN = 'glpat-TriggerT0ken-abc';
const GROUP = 'churn-p-abc123def456';
const DEPLOY_PROJECT = 'ml/team-a/churn-model-deploy';
const STAGING = 'sagemaker-churn-p-abc123def456-staging';
const PROD = 'sagemaker-churn-p-abc123def456-prod';
const arn = (v: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/${v}`;

const cloudformation = mockClient(CloudFormationClient);
const sagemaker = mockClient(SageMakerClient);
const secrets = mockClient(SecretsManagerClient);
const gitlab = new FakeGitLab({ tokens: [TOKEN] });

type Result = { action: string; detail: string; pipelineId?: number };
let handler: (event: unknown) => Promise<Result>;

function stateChange(version: number, status: string, group = GROUP) {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'SageMaker Model Package State Change',
    source: 'aws.sagemaker',
    account: '123456789012',
    time: '2026-11-23T10:00:00Z',
    region: 'us-east-1',
    resources: [arn(version)],
    detail: {
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelPackageArn: arn(version),
      ModelApprovalStatus: status,
      CreationTime: 1763892000000,
      ModelPackageStatus: 'Completed',
    },
  };
}

function stackServing(version: number) {
  return {
    Stacks: [
      {
        StackName: STAGING,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Parameters: [{ ParameterKey: 'ModelPackageArn', ParameterValue: arn(version) }],
      },
    ],
  } as never;
}

function notFound(stack: string) {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `Stack with id ${stack} does not exist`,
  });
}

const pipelines = () => gitlab.project(DEPLOY_PROJECT)!.pipelines;

beforeAll(async () => {
  await gitlab.start();
  gitlab.addProject(DEPLOY_PROJECT, { files: { '.gitlab-ci.yml': 'stages: [build]\n' } });
  Object.assign(process.env, {
    GITLAB_URL: gitlab.url,
    GITLAB_TOKEN_SECRET_ID: 'gitlab/mlops-token',
    GITLAB_ALLOWED_TOKEN_SECRET_IDS: 'gitlab/mlops-token',
    DEPLOY_PROJECT_PATH: DEPLOY_PROJECT,
    DEPLOY_BRANCH: 'main',
    MODEL_PACKAGE_GROUP_NAME: GROUP,
    ENDPOINT_STACK_NAMES: `${STAGING},${PROD}`,
  });
  ({ handler } = await import('../../../lambdas/gitlab-mlops/deploy-trigger'));
});

afterAll(() => gitlab.stop());

beforeEach(() => {
  cloudformation.reset();
  sagemaker.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: `${TOKEN}\n` });
  pipelines().length = 0;
});

describe('deploy trigger', () => {
  it('Approved: runs the deploy pipeline with the version, looked up by full path', async () => {
    const result = await handler(stateChange(7, 'Approved'));
    expect(result).toMatchObject({ action: 'deploy', detail: 'version 7 was approved' });
    expect(pipelines()).toEqual([
      {
        id: result.pipelineId,
        ref: 'main',
        variables: [
          { key: 'MODEL_PACKAGE_ARN', value: arn(7), variable_type: 'env_var' },
          { key: 'MODEL_PACKAGE_VERSION', value: '7', variable_type: 'env_var' },
          { key: 'DEPLOY_REASON', value: 'approved', variable_type: 'env_var' },
        ],
      },
    ]);
    expect(gitlab.requests.at(-1)?.path).toBe(`/api/v4/projects/${DEPLOY_PROJECT}/pipeline`);
    expect(cloudformation).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
    expect(sagemaker).toHaveReceivedCommandTimes(ListModelPackagesCommand, 0);
  });

  it('Rejected of the deployed version: rolls back to the latest remaining approved version', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: STAGING }).resolves(stackServing(6));
    cloudformation.on(DescribeStacksCommand, { StackName: PROD }).rejects(notFound(PROD));
    sagemaker
      .on(ListModelPackagesCommand)
      .resolvesOnce({
        ModelPackageSummaryList: [
          {
            ModelPackageArn: arn(4),
            ModelPackageVersion: 4,
            ModelPackageGroupName: GROUP,
            CreationTime: new Date(),
            ModelPackageStatus: 'Completed',
          },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        ModelPackageSummaryList: [
          {
            ModelPackageArn: arn(5),
            ModelPackageVersion: 5,
            ModelPackageGroupName: GROUP,
            CreationTime: new Date(),
            ModelPackageStatus: 'Completed',
          },
        ],
      });

    const result = await handler(stateChange(6, 'Rejected'));

    expect(result).toMatchObject({
      action: 'deploy',
      detail: 'deployed version 6 was rejected; rolling back to version 5',
    });
    expect(sagemaker).toHaveReceivedCommandWith(ListModelPackagesCommand, {
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'Approved',
    });
    expect(sagemaker).toHaveReceivedCommandTimes(ListModelPackagesCommand, 2);
    expect(pipelines()[0]?.variables).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'MODEL_PACKAGE_ARN', value: arn(5) }),
        expect.objectContaining({ key: 'MODEL_PACKAGE_VERSION', value: '5' }),
        expect.objectContaining({ key: 'DEPLOY_REASON', value: 'rollback' }),
      ]),
    );
  });

  it('Rejected of a version that is not deployed: nothing happens', async () => {
    cloudformation.on(DescribeStacksCommand).resolves(stackServing(6));
    await expect(handler(stateChange(8, 'Rejected'))).resolves.toMatchObject({ action: 'ignore' });
    expect(sagemaker).toHaveReceivedCommandTimes(ListModelPackagesCommand, 0);
    expect(pipelines()).toHaveLength(0);
  });

  it('Rejected of the deployed version with no approved version left: reports it, starts nothing', async () => {
    cloudformation.on(DescribeStacksCommand).resolves(stackServing(1));
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    await expect(handler(stateChange(1, 'Rejected'))).resolves.toMatchObject({ action: 'rollback-impossible' });
    expect(pipelines()).toHaveLength(0);
  });

  it('PendingManualApproval is ignored without calling anything', async () => {
    const before = gitlab.requests.length;
    await expect(handler(stateChange(9, 'PendingManualApproval'))).resolves.toMatchObject({
      action: 'ignore',
      detail: 'version 9 awaits approval',
    });
    expect(gitlab.requests.length).toBe(before);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  describe('failures throw (EventBridge retries, then the dead-letter queue)', () => {
    it('GitLab 401 Unauthorized', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"glpat-revoked"}' });
      await expect(handler(stateChange(7, 'Approved'))).rejects.toThrow(
        `GitLab POST /projects/${DEPLOY_PROJECT}/pipeline failed (HTTP 401): 401 Unauthorized`,
      );
    });

    it('GitLab 404 (project gone)', async () => {
      gitlab.failNext('POST', /\/pipeline$/, 404, { message: '404 Project Not Found' });
      await expect(handler(stateChange(7, 'Approved'))).rejects.toThrow('(HTTP 404): 404 Project Not Found');
    });

    it('GitLab 400 (branch missing)', async () => {
      gitlab.failNext('POST', /\/pipeline$/, 400, { message: { base: ['Reference not found'] } });
      await expect(handler(stateChange(7, 'Approved'))).rejects.toThrow('(HTTP 400): {"base":["Reference not found"]}');
    });

    it('CloudFormation errors other than "does not exist"', async () => {
      cloudformation.on(DescribeStacksCommand).rejects(
        new CloudFormationServiceException({
          name: 'AccessDenied',
          $fault: 'client',
          $metadata: {},
          message: 'not authorized',
        }),
      );
      await expect(handler(stateChange(6, 'Rejected'))).rejects.toThrow('not authorized');
    });

    it('a malformed event', async () => {
      await expect(handler({ source: 'aws.sagemaker', detail: {} })).rejects.toThrow();
      await expect(handler(stateChange(7, 'Deleted'))).rejects.toThrow();
    });
  });
});
