import {
  Aws,
  type CustomResource,
  Duration,
  Fn,
  aws_iam as iam,
  type aws_s3 as s3,
  aws_sagemaker as sagemaker,
  aws_servicecatalog as servicecatalog,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type DeletePolicy } from '../../../lambdas/gitlab-mlops/contract';
import { type HandlerFunction } from '../../shared/handler-function';
import { SecureBucket } from '../../shared/secure-bucket';
import { grantDeployAccess, grantPipelineAccess } from './access';
import { createDeployTrigger, createSeedCheckIn } from './handlers';
import { type HandlerVpcOptions, importHandlerNetwork } from './network';
import { launchParameters } from './parameters';

export type { HandlerVpcOptions } from './network';

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
   * More token secrets a launch may choose (besides `tokenSecretName`); the functions may read exactly these.
   * @default none
   */
  readonly allowedTokenSecretNames?: readonly string[];
  /**
   * GitLab groups a launch may choose.
   * @default any group the token can reach
   */
  readonly allowedGroupPaths?: readonly string[];
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
    const tokenSecretName = props.tokenSecretName ?? 'gitlab/mlops-token';
    const allowedTokenSecretNames = [...new Set([tokenSecretName, ...(props.allowedTokenSecretNames ?? [])])];
    const allowedGroupPaths = [...(props.allowedGroupPaths ?? [])];
    const launch = launchParameters(this, {
      gitlabUrl,
      tokenSecretName,
      allowedTokenSecretNames,
      defaultGroupPath: props.defaultGroupPath,
      allowedGroupPaths,
    });
    const { projectName, projectId, groupPath, buildRepo, deployRepo } = launch;
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
        gitConfig: { repositoryUrl: Fn.join('', [launch.serverUrl, '/', groupPath, '/', name, '.git']), branch },
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
    const roles = {
      buildRole: this.buildRole,
      deployRole: this.deployRole,
      sageMakerExecutionRole: this.sageMakerExecutionRole,
      cloudFormationRole: this.cloudFormationRole,
    };
    grantPipelineAccess(roles, this.artifactsBucket, groupName, sagemakerArn, packagesArn);
    grantDeployAccess(roles, sagemakerArn, packagesArn, endpointArns, [stackArn(stagingStack), stackArn(prodStack)]);

    // ---- Handlers ----
    const handlers = {
      launch,
      allowedTokenSecretNames,
      allowedGroupPaths,
      network: props.vpc ? importHandlerNetwork(this, props.vpc) : undefined,
      roles,
      artifactsBucket: this.artifactsBucket,
      modelPackageGroup: this.modelPackageGroup,
      groupName,
      branch,
      audience,
      deletePolicy: props.deletePolicy ?? 'retain',
      stagingStack,
      prodStack,
      endpointStackArns: [stackArn(stagingStack), stackArn(prodStack)],
    };
    const seed = createSeedCheckIn(this, handlers);
    this.seedCheckInFunction = seed.fn;
    this.seedCheckIn = seed.resource;
    this.deployTriggerFunction = createDeployTrigger(this, handlers);
  }
}
