import {
  ArnFormat,
  Aws,
  CustomResource,
  Stack,
  Duration,
  Fn,
  aws_events as events,
  aws_iam as iam,
  type aws_s3 as s3,
  aws_s3_assets as s3Assets,
  type aws_sagemaker as sagemaker,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  type DeletePolicy,
  GITLAB_MLOPS_ENV,
  GITLAB_MLOPS_SERVICE,
  SEED_CHECK_IN_RESOURCE_TYPE,
} from '../../../lambdas/gitlab-mlops/contract';
import { WorkflowProvider } from '../../shared/custom-resource';
import { functionTarget } from '../../shared/events';
import { grantObjects, nagResourceName } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { assetPath, lambdaEntry } from '../../shared/paths';
import { type ProjectRoles } from './access';
import { type HandlerNetwork } from './network';
import { type LaunchParameters } from './parameters';

/** What the project's handlers need to know about the project. */
export interface ProjectHandlersProps {
  readonly launch: LaunchParameters;
  /** Names of the token secrets the administrator allows: the handlers may read exactly these. */
  readonly allowedTokenSecretNames: readonly string[];
  /** Groups the administrator allows (empty: any). */
  readonly allowedGroupPaths: readonly string[];
  readonly network?: HandlerNetwork;
  readonly roles: ProjectRoles;
  readonly artifactsBucket: s3.IBucket;
  readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;
  /** `<project name>-<project id>`: the model package group and pipeline name. */
  readonly groupName: string;
  readonly branch: string;
  readonly audience: string;
  readonly deletePolicy: DeletePolicy;
  /** Names of the staging and production endpoint stacks. */
  readonly stagingStack: string;
  readonly prodStack: string;
  /** ARNs of the two endpoint stacks (`…:stack/<name>/*`). */
  readonly endpointStackArns: readonly string[];
}

/**
 * `GetSecretValue` on exactly the secrets the administrator allows (`…:secret:<name>-??????`), whatever the launch
 * parameter says: the parameter only chooses among them (`AllowedValues`), and the handlers refuse any other name.
 */
function grantToken(props: ProjectHandlersProps) {
  return (grantee: iam.IGrantable): void => {
    const stack = Stack.of(grantee.grantPrincipal as unknown as Construct);
    const arns = props.allowedTokenSecretNames.map((name) =>
      stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${name}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: arns });
    acknowledge(
      grantee.grantPrincipal as unknown as Construct,
      'Secrets Manager appends six random characters to a secret ARN; "-??????" matches exactly each token secret the portfolio administrator allows (gitlabMlops.tokenSecretName, allowedTokenSecretNames).',
      ...arns.map((arn) => `AwsSolutions-IAM5[Resource::${nagResourceName(stack, arn)}]`),
    );
  };
}

/**
 * The seed check-in (`SeedCheckInFunction` behind the `SeedCheckInProvider` Provider framework, resource
 * `SeedCheckIn`): creates or reuses the two GitLab projects, seeds them from the seed archive, protects the branch and
 * sets the CI/CD variables.
 */
export function createSeedCheckIn(
  scope: Construct,
  props: ProjectHandlersProps,
): { fn: HandlerFunction; resource: CustomResource } {
  const { launch, roles } = props;
  const seedArchive = new s3Assets.Asset(scope, 'SeedArchive', {
    path: assetPath('gitlab-mlops'),
    exclude: ['**/__pycache__', '**/*.pyc', '**/.pytest_cache', '**/build'],
  });
  const fn = new HandlerFunction(scope, 'SeedCheckInFunction', {
    entry: lambdaEntry('gitlab-mlops/seed-check-in.ts'),
    invocation: 'custom-resource',
    serviceName: GITLAB_MLOPS_SERVICE.SEED_CHECK_IN,
    description: 'Creates and seeds the GitLab repositories of a SageMaker project',
    timeout: Duration.minutes(5),
    environment: {
      [GITLAB_MLOPS_ENV.ALLOWED_TOKEN_SECRET_IDS]: props.allowedTokenSecretNames.join(','),
      [GITLAB_MLOPS_ENV.ALLOWED_GROUP_PATHS]: props.allowedGroupPaths.join(','),
    },
    ...props.network,
  })
    .bind(GITLAB_MLOPS_ENV.GITLAB_URL, launch.serverUrl, () => undefined)
    .bind(GITLAB_MLOPS_ENV.TOKEN_SECRET_ID, launch.tokenSecretName, grantToken(props))
    .bind(GITLAB_MLOPS_ENV.SEED_BUCKET, seedArchive.s3BucketName, () => undefined)
    .bind(GITLAB_MLOPS_ENV.SEED_KEY, seedArchive.s3ObjectKey, (g) =>
      grantObjects(seedArchive.bucket, g, 'read', seedArchive.s3ObjectKey),
    );
  const provider = new WorkflowProvider(scope, 'SeedCheckInProvider', { onEventHandler: fn });
  const common = {
    AWS_REGION: Aws.REGION,
    AWS_OIDC_AUDIENCE: props.audience,
    SAGEMAKER_PROJECT_NAME: launch.projectName,
    SAGEMAKER_PROJECT_ID: launch.projectId,
    MODEL_PACKAGE_GROUP_NAME: props.groupName,
    ARTIFACT_BUCKET: props.artifactsBucket.bucketName,
  };
  const resource = new CustomResource(scope, 'SeedCheckIn', {
    serviceToken: provider.serviceToken,
    resourceType: SEED_CHECK_IN_RESOURCE_TYPE,
    properties: {
      GroupPath: launch.groupPath,
      BuildRepositoryName: launch.buildRepo,
      DeployRepositoryName: launch.deployRepo,
      Branch: props.branch,
      SageMakerProjectName: launch.projectName,
      SageMakerProjectId: launch.projectId,
      DeletePolicy: props.deletePolicy,
      BuildVariables: {
        AWS_REGION: common.AWS_REGION,
        AWS_ROLE_ARN: roles.buildRole.roleArn,
        AWS_OIDC_AUDIENCE: common.AWS_OIDC_AUDIENCE,
        SAGEMAKER_PROJECT_NAME: common.SAGEMAKER_PROJECT_NAME,
        SAGEMAKER_PROJECT_ID: common.SAGEMAKER_PROJECT_ID,
        SAGEMAKER_PIPELINE_NAME: props.groupName,
        SAGEMAKER_PIPELINE_ROLE_ARN: roles.sageMakerExecutionRole.roleArn,
        MODEL_PACKAGE_GROUP_NAME: common.MODEL_PACKAGE_GROUP_NAME,
        ARTIFACT_BUCKET: common.ARTIFACT_BUCKET,
      },
      DeployVariables: {
        AWS_REGION: common.AWS_REGION,
        AWS_ROLE_ARN: roles.deployRole.roleArn,
        AWS_OIDC_AUDIENCE: common.AWS_OIDC_AUDIENCE,
        CLOUDFORMATION_ROLE_ARN: roles.cloudFormationRole.roleArn,
        MODEL_EXECUTION_ROLE_ARN: roles.sageMakerExecutionRole.roleArn,
        SAGEMAKER_PROJECT_NAME: common.SAGEMAKER_PROJECT_NAME,
        SAGEMAKER_PROJECT_ID: common.SAGEMAKER_PROJECT_ID,
        MODEL_PACKAGE_GROUP_NAME: common.MODEL_PACKAGE_GROUP_NAME,
        ARTIFACT_BUCKET: common.ARTIFACT_BUCKET,
        STAGING_STACK_NAME: props.stagingStack,
        PROD_STACK_NAME: props.prodStack,
        STAGING_ENDPOINT_NAME: props.stagingStack,
        PROD_ENDPOINT_NAME: props.prodStack,
      },
    },
  });
  resource.node.addDependency(props.modelPackageGroup);
  return { fn, resource };
}

/**
 * The deploy trigger (`DeployTriggerFunction`, rule `ModelPackageStateChange`): an approval change of one of the
 * project's model versions starts the model-deploy pipeline (approved → deploy; the deployed one rejected → roll back).
 */
export function createDeployTrigger(scope: Construct, props: ProjectHandlersProps): HandlerFunction {
  const { launch } = props;
  const fn = new HandlerFunction(scope, 'DeployTriggerFunction', {
    entry: lambdaEntry('gitlab-mlops/deploy-trigger.ts'),
    invocation: 'async',
    serviceName: GITLAB_MLOPS_SERVICE.DEPLOY_TRIGGER,
    description: 'Starts the model-deploy pipeline when a model version is approved or the deployed one rejected',
    environment: { [GITLAB_MLOPS_ENV.ALLOWED_TOKEN_SECRET_IDS]: props.allowedTokenSecretNames.join(',') },
    ...props.network,
  })
    .bind(GITLAB_MLOPS_ENV.GITLAB_URL, launch.serverUrl, () => undefined)
    .bind(GITLAB_MLOPS_ENV.TOKEN_SECRET_ID, launch.tokenSecretName, grantToken(props))
    .bind(GITLAB_MLOPS_ENV.DEPLOY_PROJECT_PATH, Fn.join('/', [launch.groupPath, launch.deployRepo]), () => undefined)
    .bind(GITLAB_MLOPS_ENV.DEPLOY_BRANCH, props.branch, () => undefined)
    .bind(GITLAB_MLOPS_ENV.MODEL_PACKAGE_GROUP_NAME, props.groupName, (g) => {
      // ListModelPackages has no resource-level permission (Resource "*" is required).
      iam.Grant.addToPrincipal({ grantee: g, actions: ['sagemaker:ListModelPackages'], resourceArns: ['*'] });
    })
    .bind(GITLAB_MLOPS_ENV.ENDPOINT_STACK_NAMES, Fn.join(',', [props.stagingStack, props.prodStack]), (g) =>
      iam.Grant.addToPrincipal({
        grantee: g,
        actions: ['cloudformation:DescribeStacks'],
        resourceArns: [...props.endpointStackArns],
      }),
    );
  acknowledge(
    fn.role!,
    'sagemaker:ListModelPackages supports no resource-level permission; the endpoint stacks are named per project but CloudFormation stack ARNs end in a generated id.',
    'AwsSolutions-IAM5[Resource::*]',
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-staging/*]`,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-prod/*]`,
  );
  new events.Rule(scope, 'ModelPackageStateChange', {
    description: 'Approval changes of the project model versions start the model-deploy pipeline',
    eventPattern: {
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Model Package State Change'],
      detail: { ModelPackageGroupName: [props.groupName], ModelApprovalStatus: ['Approved', 'Rejected'] },
    },
    targets: [functionTarget(fn)],
  });
  return fn;
}
