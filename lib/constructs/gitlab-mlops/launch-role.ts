import { Aws, aws_iam as iam, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { grantObjects } from '../../shared/grants';
import { acknowledge } from '../../shared/nag';

/** Options of {@link GitLabMlopsLaunchRole}. */
export interface GitLabMlopsLaunchRoleProps {
  /** The product's asset bucket (Lambda code is read with the launch role's permissions). */
  readonly assetBucket: s3.IBucket;
  /**
   * The handlers run in a VPC (Lambda checks the subnets and security groups with the caller's permissions).
   * @default false
   */
  readonly vpc?: boolean;
}

/**
 * The launch constraint role: Service Catalog provisions each SageMaker project's stack with it. Every permission is
 * limited to what the product template creates, and to names CloudFormation generates from the provisioned-product
 * stack name (`SC-<account>-pp-…`), so the role cannot touch other resources of the account.
 */
export class GitLabMlopsLaunchRole extends iam.Role {
  constructor(scope: Construct, id: string, props: GitLabMlopsLaunchRoleProps) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com'),
      description: 'Service Catalog launch constraint of the GitLab MLOps SageMaker project template',
    });
    const account = Aws.ACCOUNT_ID;
    const region = Aws.REGION;
    const partition = Aws.PARTITION;
    const sc = `SC-${account}-pp-*`;
    const arn = (service: string, resource: string, regional = true) =>
      `arn:${partition}:${service}:${regional ? region : ''}:${service === 's3' ? '' : account}:${resource}`;
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources, conditions }));

    // CloudFormation: the provisioned-product stacks only.
    allow(
      [
        'cloudformation:CreateStack',
        'cloudformation:UpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        'cloudformation:SetStackPolicy',
      ],
      [arn('cloudformation', `stack/${sc}`)],
    );
    // No resource-level permission for these two.
    allow(['cloudformation:GetTemplateSummary', 'cloudformation:ValidateTemplate'], ['*']);
    // Service Catalog's copy of the product template (the documented launch-constraint condition).
    allow(['s3:GetObject'], ['*'], { StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } });
    // Lambda reads the function code from the asset bucket with the caller's permissions.
    grantObjects(props.assetBucket, this, 'read');

    // IAM roles of the product (handlers, CI roles, SageMaker and CloudFormation roles).
    const roles = arn('iam', `role/${sc}`, false);
    allow(
      [
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:PutRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:GetRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
      ],
      [roles],
    );
    allow(['iam:AttachRolePolicy', 'iam:DetachRolePolicy'], [roles], {
      ArnEquals: {
        'iam:PolicyARN': [
          `arn:${partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`,
          `arn:${partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`,
        ],
      },
    });
    allow(['iam:PassRole'], [roles], { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });

    // Handlers, their logs, dead-letter queue and trigger rule.
    allow(
      [
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'lambda:AddPermission',
        'lambda:RemovePermission',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:ListTags',
        'lambda:InvokeFunction',
      ],
      [arn('lambda', `function:${sc}`)],
    );
    allow(
      [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:PutRetentionPolicy',
        'logs:DeleteRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
        'logs:ListTagsForResource',
      ],
      [arn('logs', `log-group:${sc}`)],
    );
    // DescribeLogGroups supports no resource-level permission.
    allow(['logs:DescribeLogGroups'], ['*']);
    allow(
      [
        'sqs:CreateQueue',
        'sqs:DeleteQueue',
        'sqs:GetQueueAttributes',
        'sqs:SetQueueAttributes',
        'sqs:TagQueue',
        'sqs:UntagQueue',
        'sqs:ListQueueTags',
      ],
      [arn('sqs', sc)],
    );
    allow(
      [
        'events:PutRule',
        'events:DeleteRule',
        'events:DescribeRule',
        'events:EnableRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'events:TagResource',
        'events:UntagResource',
        'events:ListTagsForResource',
      ],
      [arn('events', `rule/${sc}`)],
    );

    // The artifacts bucket and its access-log bucket (names generated in lowercase from the stack name).
    allow(
      [
        's3:CreateBucket',
        's3:DeleteBucket',
        's3:PutBucketPolicy',
        's3:GetBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:PutEncryptionConfiguration',
        's3:GetEncryptionConfiguration',
        's3:PutBucketVersioning',
        's3:GetBucketVersioning',
        's3:PutLifecycleConfiguration',
        's3:GetLifecycleConfiguration',
        's3:PutBucketPublicAccessBlock',
        's3:GetBucketPublicAccessBlock',
        's3:PutBucketOwnershipControls',
        's3:GetBucketOwnershipControls',
        's3:PutBucketLogging',
        's3:GetBucketLogging',
        's3:PutBucketTagging',
        's3:GetBucketTagging',
        's3:PutBucketAcl',
        's3:GetBucketAcl',
      ],
      [`arn:${partition}:s3:::sc-${account}-pp-*`],
    );

    // The model package group (named <project>-<id>) and the code repositories shown in Studio.
    allow(
      [
        'sagemaker:CreateModelPackageGroup',
        'sagemaker:DeleteModelPackageGroup',
        'sagemaker:DescribeModelPackageGroup',
        'sagemaker:CreateCodeRepository',
        'sagemaker:DeleteCodeRepository',
        'sagemaker:DescribeCodeRepository',
        'sagemaker:UpdateCodeRepository',
        'sagemaker:AddTags',
        'sagemaker:DeleteTags',
        'sagemaker:ListTags',
      ],
      [arn('sagemaker', 'model-package-group/*'), arn('sagemaker', 'code-repository/*')],
    );

    if (props.vpc) {
      // Lambda checks the subnets and security groups with the caller's permissions; these have no resource-level form.
      allow(['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'], ['*']);
    }

    acknowledge(
      this,
      "Launch-constraint scope: resources are those CloudFormation names after the provisioned-product stack (SC-<account>-pp-*); GetTemplateSummary, ValidateTemplate, DescribeLogGroups and the EC2 Describe calls have no resource-level permission; the template copy is matched by Service Catalog's provisioning object tag; model package groups are named after the SageMaker project and code repositories get generated names.",
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/SC-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:SC-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:SC-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:SC-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/SC-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::sc-<AWS::AccountId>-pp-*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package-group/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:code-repository/*]',
    );
  }
}
