import {
  Aws,
  CfnCondition,
  CfnParameter,
  CustomResource,
  Duration,
  Fn,
  aws_ec2 as ec2,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_logs as logs,
  type aws_s3 as s3,
  aws_s3_assets as s3Assets,
  aws_sagemaker as sagemaker,
  aws_servicecatalog as servicecatalog,
  custom_resources as cr,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  DEPLOY_TRIGGER_ENV,
  type DeletePolicy,
  GITLAB_MLOPS_SERVICES,
  SEED_CHECK_IN_ENV,
  SEED_CHECK_IN_RESOURCE_TYPE,
} from '../../../lambdas/gitlab-mlops/contract';
import { grantObjects, nagResourceName } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { acknowledge, acknowledgeLibraryFunction } from '../../shared/nag';
import { assetPath, lambdaEntry } from '../../shared/paths';
import { SecureBucket } from '../../shared/secure-bucket';

/** Subnets and security groups (imported by id) for the handlers. */
export interface HandlerVpcOptions {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** Props of {@link GitLabMlopsProductStack}. */
export interface GitLabMlopsProductStackProps {
  /** Bucket that receives the product's assets (Lambda code, seed archive); it must have a literal name. */
  readonly assetBucket: s3.IBucket;
  /** Base URL of the GitLab server, e.g. `https://gitlab.example.com`. */
  readonly gitlabUrl: string;
  /**
   * ARN of the IAM OIDC identity provider of the GitLab host.
   * @default `arn:<partition>:iam::<account>:oidc-provider/<host>` (the provider the portfolio stack creates)
   */
  readonly oidcProviderArn?: string;
  /**
   * Audience the pipelines request and the roles require.
   * @default the GitLab URL
   */
  readonly oidcAudience?: string;
  /**
   * Protected branch the pipelines run on (the only branch the roles trust).
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * What happens to the GitLab projects when the SageMaker project is deleted.
   * @default 'retain'
   */
  readonly deletePolicy?: DeletePolicy;
  /**
   * Default of the token secret name parameter.
   * @default 'gitlab/mlops-token'
   */
  readonly tokenSecretName?: string;
  /**
   * Default of the GitLab group parameter.
   * @default none: the user types it at launch
   */
  readonly defaultGroupPath?: string;
  /**
   * Run the handlers in these subnets with these security groups.
   * @default no VPC
   */
  readonly vpc?: HandlerVpcOptions;
  /**
   * Description of the product template.
   * @default a description of the template
   */
  readonly description?: string;
}

/**
 * The Service Catalog product that SageMaker Studio launches as a project: per project, an artifacts bucket, the
 * model package group `<name>-<id>`, the model-build and model-deploy GitLab repositories (seeded by a custom
 * resource and listed in Studio), keyless CI roles trusted through GitLab OIDC, and the deploy trigger.
 */
export class GitLabMlopsProductStack extends servicecatalog.ProductStack {
  /** Artifacts of the project's pipelines. */
  public readonly artifactsBucket: s3.Bucket;
  /** The project's model package group. */
  public readonly modelPackageGroup: sagemaker.CfnModelPackageGroup;
  /** Role of the model-build pipeline's CI jobs (GitLab OIDC). */
  public readonly buildRole: iam.Role;
  /** Role of the model-deploy pipeline's CI jobs (GitLab OIDC). */
  public readonly deployRole: iam.Role;
  /** Role that SageMaker pipeline steps and endpoints run with. */
  public readonly sageMakerExecutionRole: iam.Role;
  /** Role CloudFormation uses to create the endpoint stacks. */
  public readonly cloudFormationRole: iam.Role;
  /** Custom-resource handler that creates and seeds the GitLab projects. */
  public readonly seedCheckInFunction: HandlerFunction;
  /** Handler that starts the deploy pipeline on model approval changes. */
  public readonly deployTriggerFunction: HandlerFunction;
  /** The seed check-in custom resource. */
  public readonly seedCheckIn: CustomResource;

  constructor(scope: Construct, id: string, props: GitLabMlopsProductStackProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      description:
        props.description ??
        'SageMaker project: GitLab model-build and model-deploy repositories with keyless CI and deploy on approval',
    });
    const gitlabUrl = props.gitlabUrl.replace(/\/+$/, '');
    const host = gitlabUrl.replace(/^https:\/\//, '');
    const branch = props.branch ?? 'main';
    const audience = props.oidcAudience ?? gitlabUrl;

    // ---- Parameters (SageMaker passes the first two) ----
    const projectName = new CfnParameter(this, 'SageMakerProjectName', {
      type: 'String',
      description: 'Name of the SageMaker project (lowercase: it names IAM-scoped resources)',
      allowedPattern: '^[a-z](-*[a-z0-9]){0,31}$',
      constraintDescription: '1-32 lowercase letters, digits and hyphens, starting with a letter',
      maxLength: 32,
    }).valueAsString;
    const projectId = new CfnParameter(this, 'SageMakerProjectId', {
      type: 'String',
      description: 'Id of the SageMaker project',
      allowedPattern: '^[a-z0-9-]{1,20}$',
      maxLength: 20,
    }).valueAsString;
    const serverUrl = new CfnParameter(this, 'GitLabServerUrl', {
      type: 'String',
      description: 'GitLab server (fixed by the portfolio: the OIDC trust names this host)',
      default: gitlabUrl,
      allowedValues: [gitlabUrl],
    }).valueAsString;
    const groupPath = new CfnParameter(this, 'GitLabGroupPath', {
      type: 'String',
      description: 'GitLab group (namespace full path) for the two repositories, e.g. ml/team-a',
      allowedPattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9_]$',
      ...(props.defaultGroupPath ? { default: props.defaultGroupPath } : {}),
    }).valueAsString;
    const buildRepoParam = new CfnParameter(this, 'ModelBuildRepositoryName', {
      type: 'String',
      description: 'Name of the model-build repository; empty means <project name>-model-build',
      default: '',
      allowedPattern: '^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
    });
    const deployRepoParam = new CfnParameter(this, 'ModelDeployRepositoryName', {
      type: 'String',
      description: 'Name of the model-deploy repository; empty means <project name>-model-deploy',
      default: '',
      allowedPattern: '^$|^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
    });
    const tokenSecretName = new CfnParameter(this, 'GitLabTokenSecretName', {
      type: 'String',
      description: 'Secrets Manager secret holding a GitLab token with the api scope (plain text or {"token": "..."})',
      default: props.tokenSecretName ?? 'gitlab/mlops-token',
      allowedPattern: '^[A-Za-z0-9/_+=.@-]{1,512}$',
    }).valueAsString;
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'GitLab' }, Parameters: ['GitLabServerUrl', 'GitLabGroupPath', 'GitLabTokenSecretName'] },
          { Label: { default: 'Repositories' }, Parameters: ['ModelBuildRepositoryName', 'ModelDeployRepositoryName'] },
        ],
      },
    };

    const repoName = (param: CfnParameter, suffix: string) => {
      const empty = new CfnCondition(this, `${param.node.id}IsEmpty`, {
        expression: Fn.conditionEquals(param.valueAsString, ''),
      });
      return Fn.conditionIf(empty.logicalId, Fn.join('-', [projectName, suffix]), param.valueAsString).toString();
    };
    const buildRepo = repoName(buildRepoParam, 'model-build');
    const deployRepo = repoName(deployRepoParam, 'model-deploy');
    const groupName = Fn.join('-', [projectName, projectId]);
    const stackName = (stage: string) => Fn.join('-', ['sagemaker', projectName, projectId, stage]);
    const stagingStack = stackName('staging');
    const prodStack = stackName('prod');
    const arnOf = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const sagemakerArn = (resource: string) => Fn.join('', [arnOf('sagemaker', ''), resource]);
    const stackArn = (name: string) => Fn.join('', [arnOf('cloudformation', 'stack/'), name, '/*']);
    const endpointArns = [
      sagemakerArn(Fn.join('', ['endpoint/', stagingStack])),
      sagemakerArn(Fn.join('', ['endpoint/', prodStack])),
    ];
    const packagesArn = sagemakerArn(Fn.join('', ['model-package/', groupName, '/*']));

    // SageMaker tags the provisioned product with sagemaker:project-name and sagemaker:project-id; CloudFormation
    // propagates those stack tags to every resource here.

    // ---- Storage and registry ----
    this.artifactsBucket = new SecureBucket(this, 'ArtifactsBucket', {
      noncurrentVersionExpiration: Duration.days(90),
    });
    this.modelPackageGroup = new sagemaker.CfnModelPackageGroup(this, 'ModelPackageGroup', {
      modelPackageGroupName: groupName,
      modelPackageGroupDescription: Fn.join('', ['Model versions of SageMaker project ', projectName]),
    });
    for (const [idPart, name] of [
      ['Build', buildRepo],
      ['Deploy', deployRepo],
    ] as const) {
      new sagemaker.CfnCodeRepository(this, `${idPart}CodeRepository`, {
        gitConfig: { repositoryUrl: Fn.join('', [serverUrl, '/', groupPath, '/', name, '.git']), branch },
      });
    }

    // ---- Keyless CI: roles trusted through GitLab OIDC, restricted to one project and its protected branch ----
    const providerArn = props.oidcProviderArn ?? `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${host}`;
    const ciPrincipal = (repo: string) =>
      new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${host}:aud`]: audience,
          [`${host}:sub`]: Fn.join('', ['project_path:', groupPath, '/', repo, ':ref_type:branch:ref:', branch]),
        },
      });
    this.buildRole = new iam.Role(this, 'BuildRole', {
      assumedBy: ciPrincipal(buildRepo),
      description: 'GitLab CI of the model-build repository (OIDC, protected branch only)',
      maxSessionDuration: Duration.hours(1),
    });
    this.deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: ciPrincipal(deployRepo),
      description: 'GitLab CI of the model-deploy repository (OIDC, protected branch only)',
      maxSessionDuration: Duration.hours(1),
    });
    this.sageMakerExecutionRole = new iam.Role(this, 'SageMakerExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker pipeline steps and endpoints of the project',
    });
    this.cloudFormationRole = new iam.Role(this, 'CloudFormationRole', {
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: 'CloudFormation service role of the endpoint stacks',
    });
    this.grantPipelineAccess(groupName, sagemakerArn, packagesArn);
    this.grantDeployAccess(sagemakerArn, packagesArn, endpointArns, [stackArn(stagingStack), stackArn(prodStack)]);

    // ---- Handlers ----
    const tokenSecretArn = Fn.join('', [arnOf('secretsmanager', 'secret:'), tokenSecretName, '-??????']);
    const grantToken = (g: iam.IGrantable) =>
      iam.Grant.addToPrincipal({
        grantee: g,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [tokenSecretArn],
      });
    const network = props.vpc ? this.importNetwork(props.vpc) : {};

    const seedArchive = new s3Assets.Asset(this, 'SeedArchive', {
      path: assetPath('gitlab-mlops'),
      exclude: ['**/__pycache__', '**/*.pyc', '**/.pytest_cache', '**/build'],
    });
    this.seedCheckInFunction = new HandlerFunction(this, 'SeedCheckInFunction', {
      entry: lambdaEntry('gitlab-mlops/seed-check-in.ts'),
      invocation: 'custom-resource',
      serviceName: GITLAB_MLOPS_SERVICES.SEED_CHECK_IN,
      description: 'Creates and seeds the GitLab repositories of a SageMaker project',
      timeout: Duration.minutes(5),
      ...network,
    })
      .bind(SEED_CHECK_IN_ENV.GITLAB_URL, serverUrl, () => undefined)
      .bind(SEED_CHECK_IN_ENV.TOKEN_SECRET_ID, tokenSecretName, grantToken)
      .bind(SEED_CHECK_IN_ENV.SEED_BUCKET, seedArchive.s3BucketName, () => undefined)
      .bind(SEED_CHECK_IN_ENV.SEED_KEY, seedArchive.s3ObjectKey, (g) =>
        grantObjects(seedArchive.bucket, g, 'read', seedArchive.s3ObjectKey),
      );
    this.acknowledgeSecret(this.seedCheckInFunction, tokenSecretArn);

    const providerLogs = new logs.LogGroup(this, 'SeedCheckInProviderLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    const provider = new cr.Provider(this, 'SeedCheckInProvider', {
      onEventHandler: this.seedCheckInFunction,
      logGroup: providerLogs,
    });
    this.acknowledgeProvider(provider);

    this.seedCheckIn = new CustomResource(this, 'SeedCheckIn', {
      serviceToken: provider.serviceToken,
      resourceType: SEED_CHECK_IN_RESOURCE_TYPE,
      properties: {
        GroupPath: groupPath,
        BuildRepositoryName: buildRepo,
        DeployRepositoryName: deployRepo,
        Branch: branch,
        SageMakerProjectName: projectName,
        SageMakerProjectId: projectId,
        DeletePolicy: props.deletePolicy ?? 'retain',
        BuildVariables: {
          AWS_REGION: Aws.REGION,
          AWS_ROLE_ARN: this.buildRole.roleArn,
          AWS_OIDC_AUDIENCE: audience,
          SAGEMAKER_PROJECT_NAME: projectName,
          SAGEMAKER_PROJECT_ID: projectId,
          SAGEMAKER_PIPELINE_NAME: groupName,
          SAGEMAKER_PIPELINE_ROLE_ARN: this.sageMakerExecutionRole.roleArn,
          MODEL_PACKAGE_GROUP_NAME: groupName,
          ARTIFACT_BUCKET: this.artifactsBucket.bucketName,
        },
        DeployVariables: {
          AWS_REGION: Aws.REGION,
          AWS_ROLE_ARN: this.deployRole.roleArn,
          AWS_OIDC_AUDIENCE: audience,
          CLOUDFORMATION_ROLE_ARN: this.cloudFormationRole.roleArn,
          MODEL_EXECUTION_ROLE_ARN: this.sageMakerExecutionRole.roleArn,
          SAGEMAKER_PROJECT_NAME: projectName,
          SAGEMAKER_PROJECT_ID: projectId,
          MODEL_PACKAGE_GROUP_NAME: groupName,
          ARTIFACT_BUCKET: this.artifactsBucket.bucketName,
          STAGING_STACK_NAME: stagingStack,
          PROD_STACK_NAME: prodStack,
          STAGING_ENDPOINT_NAME: stagingStack,
          PROD_ENDPOINT_NAME: prodStack,
        },
      },
    });
    this.seedCheckIn.node.addDependency(this.modelPackageGroup);

    this.deployTriggerFunction = new HandlerFunction(this, 'DeployTriggerFunction', {
      entry: lambdaEntry('gitlab-mlops/deploy-trigger.ts'),
      invocation: 'async',
      serviceName: GITLAB_MLOPS_SERVICES.DEPLOY_TRIGGER,
      description: 'Starts the model-deploy pipeline when a model version is approved or the deployed one rejected',
      ...network,
    })
      .bind(DEPLOY_TRIGGER_ENV.GITLAB_URL, serverUrl, () => undefined)
      .bind(DEPLOY_TRIGGER_ENV.TOKEN_SECRET_ID, tokenSecretName, grantToken)
      .bind(DEPLOY_TRIGGER_ENV.DEPLOY_PROJECT_PATH, Fn.join('/', [groupPath, deployRepo]), () => undefined)
      .bind(DEPLOY_TRIGGER_ENV.DEPLOY_BRANCH, branch, () => undefined)
      .bind(DEPLOY_TRIGGER_ENV.MODEL_PACKAGE_GROUP_NAME, groupName, (g) => {
        // ListModelPackages has no resource-level permission (Resource "*" is required).
        iam.Grant.addToPrincipal({ grantee: g, actions: ['sagemaker:ListModelPackages'], resourceArns: ['*'] });
      })
      .bind(DEPLOY_TRIGGER_ENV.ENDPOINT_STACK_NAMES, Fn.join(',', [stagingStack, prodStack]), (g) =>
        iam.Grant.addToPrincipal({
          grantee: g,
          actions: ['cloudformation:DescribeStacks'],
          resourceArns: [stackArn(stagingStack), stackArn(prodStack)],
        }),
      );
    this.acknowledgeSecret(this.deployTriggerFunction, tokenSecretArn);
    acknowledge(
      this.deployTriggerFunction.role!,
      'sagemaker:ListModelPackages supports no resource-level permission; the endpoint stacks are named per project but CloudFormation stack ARNs end in a generated id.',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-staging/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-prod/*]`,
    );

    new events.Rule(this, 'ModelPackageStateChange', {
      description: 'Approval changes of the project model versions start the model-deploy pipeline',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [groupName], ModelApprovalStatus: ['Approved', 'Rejected'] },
      },
      targets: [
        new targets.LambdaFunction(this.deployTriggerFunction, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deployTriggerFunction.deadLetterQueue,
        }),
      ],
    });
  }

  /** SageMaker pipeline: the build role upserts and runs it; the execution role runs its jobs and registers models. */
  private grantPipelineAccess(groupName: string, sagemakerArn: (r: string) => string, packagesArn: string): void {
    const pipelineArn = sagemakerArn(Fn.join('', ['pipeline/', groupName]));
    this.buildRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreatePipeline',
          'sagemaker:UpdatePipeline',
          'sagemaker:DescribePipeline',
          'sagemaker:StartPipelineExecution',
          'sagemaker:AddTags',
        ],
        resources: [pipelineArn],
      }),
    );
    this.buildRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:DescribePipelineExecution',
          'sagemaker:ListPipelineExecutionSteps',
          'sagemaker:StopPipelineExecution',
        ],
        resources: [Fn.join('', [pipelineArn, '/execution/*'])],
      }),
    );
    const passToSageMaker = new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [this.sageMakerExecutionRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    this.buildRole.addToPrincipalPolicy(passToSageMaker);
    grantObjects(this.artifactsBucket, this.buildRole, 'readWrite', '*', true);
    acknowledge(
      this.buildRole,
      'Execution ids are created at run time; the grant is limited to the project pipeline executions.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:pipeline/<SageMakerProjectName>-<SageMakerProjectId>/execution/*]`,
    );

    const role = this.sageMakerExecutionRole;
    grantObjects(this.artifactsBucket, role, 'readWrite', '*', true);
    role.addToPrincipalPolicy(passToSageMaker);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::sagemaker-sample-files/datasets/tabular/uci_abalone/*`],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [`arn:${Aws.PARTITION}:s3:::sagemaker-sample-files`],
        conditions: { StringLike: { 's3:prefix': ['datasets/tabular/uci_abalone/*'] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateProcessingJob',
          'sagemaker:DescribeProcessingJob',
          'sagemaker:StopProcessingJob',
          'sagemaker:CreateTrainingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:StopTrainingJob',
          'sagemaker:AddTags',
        ],
        resources: [sagemakerArn('processing-job/*'), sagemakerArn('training-job/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
        resources: [packagesArn, sagemakerArn(Fn.join('', ['model-package-group/', groupName]))],
      }),
    );
    // Built-in algorithm and framework images live in AWS-owned ECR accounts that differ per region.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [
          `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:*:repository/sagemaker-xgboost`,
          `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:*:repository/sagemaker-scikit-learn`,
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/*`],
      }),
    );
    acknowledge(
      role,
      'SageMaker names pipeline jobs, model versions and log streams at run time; ecr:GetAuthorizationToken has no resource-level permission; the built-in XGBoost and scikit-learn images are in AWS-owned accounts that differ per region; the public abalone sample is read by prefix.',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:processing-job/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/<SageMakerProjectName>-<SageMakerProjectId>/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:*:repository/sagemaker-xgboost]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:*:repository/sagemaker-scikit-learn]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::sagemaker-sample-files/datasets/tabular/uci_abalone/*]`,
    );
  }

  /** Deploy: the deploy role drives CloudFormation, which creates the endpoint with its own service role. */
  private grantDeployAccess(
    sagemakerArn: (r: string) => string,
    packagesArn: string,
    endpointArns: string[],
    stackArns: string[],
  ): void {
    const deploy = this.deployRole;
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'cloudformation:CreateStack',
          'cloudformation:UpdateStack',
          'cloudformation:DeleteStack',
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeStackEvents',
        ],
        resources: stackArns,
      }),
    );
    // ValidateTemplate supports no resource-level permission.
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cloudformation:ValidateTemplate'], resources: ['*'] }),
    );
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.cloudFormationRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      }),
    );
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [packagesArn] }),
    );
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:ListModelPackages'], resources: ['*'] }),
    );
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeEndpoint'], resources: endpointArns }),
    );
    deploy.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [endpointArns[0]!] }),
    );
    acknowledge(
      deploy,
      'cloudformation:ValidateTemplate and sagemaker:ListModelPackages support no resource-level permission; stack ARNs end in a generated id; model versions are numbered at run time within the project group.',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-staging/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/sagemaker-<SageMakerProjectName>-<SageMakerProjectId>-prod/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/<SageMakerProjectName>-<SageMakerProjectId>/*]`,
    );

    const cfn = this.cloudFormationRole;
    cfn.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateModel',
          'sagemaker:DescribeModel',
          'sagemaker:DeleteModel',
          'sagemaker:CreateEndpointConfig',
          'sagemaker:DescribeEndpointConfig',
          'sagemaker:DeleteEndpointConfig',
          'sagemaker:AddTags',
        ],
        resources: [sagemakerArn('model/*'), sagemakerArn('endpoint-config/*')],
      }),
    );
    cfn.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:CreateEndpoint',
          'sagemaker:UpdateEndpoint',
          'sagemaker:DescribeEndpoint',
          'sagemaker:DeleteEndpoint',
          'sagemaker:AddTags',
        ],
        resources: [...endpointArns, sagemakerArn('endpoint-config/*')],
      }),
    );
    cfn.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [packagesArn] }),
    );
    cfn.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.sageMakerExecutionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    acknowledge(
      cfn,
      'CloudFormation generates the names of the SageMaker models and endpoint configurations it creates (a new model per deployed version); endpoints themselves are named per project.',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint-config/*]`,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/<SageMakerProjectName>-<SageMakerProjectId>/*]`,
    );
  }

  private importNetwork(vpc: HandlerVpcOptions): {
    vpc: ec2.IVpc;
    vpcSubnets: ec2.SubnetSelection;
    securityGroups: ec2.ISecurityGroup[];
  } {
    return {
      vpc: ec2.Vpc.fromVpcAttributes(this, 'HandlerVpc', { vpcId: vpc.vpcId, availabilityZones: Fn.getAzs() }),
      vpcSubnets: { subnets: vpc.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(this, `HandlerSubnet${i}`, id)) },
      securityGroups: vpc.securityGroupIds.map((id, i) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `HandlerSecurityGroup${i}`, id, { mutable: false }),
      ),
    };
  }

  private acknowledgeSecret(fn: HandlerFunction, secretArn: string): void {
    acknowledge(
      fn.role!,
      'Secrets Manager appends six random characters to a secret ARN; "-??????" matches exactly the named token secret.',
      `AwsSolutions-IAM5[Resource::${nagResourceName(this, secretArn)}]`,
    );
  }

  private acknowledgeProvider(provider: cr.Provider): void {
    const framework = provider.node.findChild('framework-onEvent');
    const reason =
      'The custom-resource Provider framework function is maintained by the AWS CDK: its role uses AWSLambdaBasicExecutionRole and may invoke every version of the seed check-in function; CloudFormation owns its retries and failures.';
    acknowledge(
      framework,
      reason,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.seedCheckInFunction.node.defaultChild as never)}.Arn>:*]`,
    );
    acknowledgeLibraryFunction(framework, reason);
  }
}
