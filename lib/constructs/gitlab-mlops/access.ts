import { Aws, Fn, aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
import { grantObjects } from '../../shared/grants';
import { acknowledge } from '../../shared/nag';

/** The IAM roles of one SageMaker project. */
export interface ProjectRoles {
  /** Role of the model-build pipeline's CI jobs (GitLab OIDC). */
  readonly buildRole: iam.Role;
  /** Role of the model-deploy pipeline's CI jobs (GitLab OIDC). */
  readonly deployRole: iam.Role;
  /** Role that SageMaker pipeline steps and endpoints run with. */
  readonly sageMakerExecutionRole: iam.Role;
  /** Role CloudFormation uses to create the endpoint stacks. */
  readonly cloudFormationRole: iam.Role;
}

/** SageMaker pipeline: the build role upserts and runs it; the execution role runs its jobs and registers models. */
export function grantPipelineAccess(
  roles: ProjectRoles,
  artifactsBucket: s3.IBucket,
  groupName: string,
  sagemakerArn: (r: string) => string,
  packagesArn: string,
): void {
  const pipelineArn = sagemakerArn(Fn.join('', ['pipeline/', groupName]));
  roles.buildRole.addToPrincipalPolicy(
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
  roles.buildRole.addToPrincipalPolicy(
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
    resources: [roles.sageMakerExecutionRole.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  });
  roles.buildRole.addToPrincipalPolicy(passToSageMaker);
  grantObjects(artifactsBucket, roles.buildRole, 'readWrite', '*', true);
  acknowledge(
    roles.buildRole,
    'Execution ids are created at run time; the grant is limited to the project pipeline executions.',
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:pipeline/<SageMakerProjectName>-<SageMakerProjectId>/execution/*]`,
  );

  const role = roles.sageMakerExecutionRole;
  grantObjects(artifactsBucket, role, 'readWrite', '*', true);
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
export function grantDeployAccess(
  roles: ProjectRoles,
  sagemakerArn: (r: string) => string,
  packagesArn: string,
  endpointArns: string[],
  stackArns: string[],
): void {
  const deploy = roles.deployRole;
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
      resources: [roles.cloudFormationRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }),
  );
  deploy.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [packagesArn] }),
  );
  deploy.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListModelPackages'], resources: ['*'] }));
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

  const cfn = roles.cloudFormationRole;
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
      resources: [roles.sageMakerExecutionRole.roleArn],
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
