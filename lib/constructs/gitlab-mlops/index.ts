import {
  Stack,
  Tags,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_iam as iam,
  type aws_s3 as s3,
  aws_s3_deployment as s3deploy,
  aws_servicecatalog as servicecatalog,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type DeletePolicy, GITLAB_MLOPS_METRICS, GITLAB_MLOPS_SERVICE } from '../../../lambdas/gitlab-mlops/contract';
import { ConstructValidationError, validatePattern } from '../../shared/errors';
import { acknowledgeBucketDeployment } from '../../shared/custom-resource';
import { WorkflowLogGroup } from '../../shared/logs';
import { serviceMetrics } from '../../shared/metrics';
import { WorkflowOperations } from '../../shared/operations';
import { RUNBOOK } from '../../shared/runbook';
import { SecureBucket } from '../../shared/secure-bucket';
import { GitLabMlopsLaunchRole } from './launch-role';
import { GitLabMlopsProductStack, type HandlerVpcOptions } from './product-stack';

export { GitLabMlopsProductStack, type GitLabMlopsProductStackProps, type HandlerVpcOptions } from './product-stack';
export { GitLabMlopsLaunchRole, type GitLabMlopsLaunchRoleProps } from './launch-role';

/** Props of {@link GitLabMlopsProjectTemplate}. */
export interface GitLabMlopsProjectTemplateProps {
  /**
   * Literal name of the bucket that holds the product's assets (Lambda code, seed archive). Service Catalog product
   * stacks need a physical name without tokens.
   */
  readonly assetBucketName: string;
  /**
   * Base URL of the GitLab server (https, no trailing slash).
   * @default 'https://gitlab.com'
   */
  readonly gitlabUrl?: string;
  /**
   * ARN of an existing IAM OIDC identity provider for the GitLab host.
   * @default a provider is created (IAM allows one per host and account)
   */
  readonly oidcProviderArn?: string;
  /**
   * Audience the pipelines request in `id_tokens` and the roles require.
   * @default the GitLab URL
   */
  readonly oidcAudience?: string;
  /**
   * Id of an existing portfolio (`port-…`) to add the product to.
   * @default a new portfolio
   */
  readonly portfolioId?: string;
  /**
   * Display name of the created portfolio.
   * @default 'SageMaker MLOps templates'
   */
  readonly portfolioName?: string;
  /**
   * Owner of the portfolio and product.
   * @default 'ML platform team'
   */
  readonly owner?: string;
  /**
   * Product name (the template name in Studio).
   * @default 'MLOps with GitLab: model build, train and deploy'
   */
  readonly productName?: string;
  /**
   * Product version name.
   * @default 'v1'
   */
  readonly productVersion?: string;
  /**
   * Studio execution role ARNs given access to the portfolio.
   * @default none
   */
  readonly studioRoleArns?: string[];
  /**
   * Protected branch of the pipelines (the only branch the CI roles trust).
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * What happens to the GitLab projects when a SageMaker project is deleted.
   * @default 'retain'
   */
  readonly deletePolicy?: DeletePolicy;
  /**
   * Default token secret name offered at launch.
   * @default 'gitlab/mlops-token'
   */
  readonly tokenSecretName?: string;
  /**
   * More token secrets a launch may choose (besides `tokenSecretName`). The product's functions may read exactly
   * `tokenSecretName` and these; the administrator decides, never the launching user.
   * @default none
   */
  readonly allowedTokenSecretNames?: string[];
  /**
   * GitLab groups a launch may put the repositories in.
   * @default any group the token can reach
   */
  readonly allowedGroupPaths?: string[];
  /**
   * Default GitLab group offered at launch.
   * @default none
   */
  readonly defaultGroupPath?: string;
  /**
   * Handlers in a VPC (self-managed GitLab reachable only inside it).
   * @default no VPC
   */
  readonly vpc?: HandlerVpcOptions;
  /**
   * Topic for the alarms.
   * @default a new topic
   */
  readonly alarmTopic?: sns.ITopic;
}

const GITLAB_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)*$/;

/**
 * A Service Catalog portfolio and product that SageMaker Studio users launch as a project. Each project gets
 * model-build and model-deploy GitLab repositories seeded with CI pipelines, keyless AWS access for those pipelines
 * (GitLab OIDC, restricted to each project's protected branch), and a trigger that runs the deploy pipeline when a
 * model version is approved, or rolls back when the deployed version is rejected.
 */
export class GitLabMlopsProjectTemplate extends Construct {
  /** Holds the product's assets (Lambda code, seed archive). */
  public readonly assetBucket: s3.Bucket;
  /** The product template (one instance per SageMaker project). */
  public readonly productStack: GitLabMlopsProductStack;
  /** The Service Catalog product. */
  public readonly product: servicecatalog.CloudFormationProduct;
  /** The portfolio (created or imported). */
  public readonly portfolio: servicecatalog.IPortfolio;
  /** The launch constraint role. */
  public readonly launchRole: iam.Role;
  /** ARN of the GitLab OIDC identity provider (created or given). */
  public readonly oidcProviderArn: string;
  /** Dashboard and alarms (over every project: the handlers publish with fixed service names). */
  public readonly operations: WorkflowOperations;

  constructor(scope: Construct, id: string, props: GitLabMlopsProjectTemplateProps) {
    super(scope, id);
    const gitlabUrl = props.gitlabUrl ?? 'https://gitlab.com';
    this.validate(props, gitlabUrl);
    const audience = props.oidcAudience ?? gitlabUrl;

    this.assetBucket = new SecureBucket(this, 'AssetBucket', {});
    (this.assetBucket.node.defaultChild as s3.CfnBucket).bucketName = props.assetBucketName;
    this.createAssetDeployment();

    if (props.oidcProviderArn) {
      this.oidcProviderArn = props.oidcProviderArn;
    } else {
      // Native AWS::IAM::OIDCProvider: no custom resource. IAM verifies GitLab's certificate chain itself.
      this.oidcProviderArn = new iam.OidcProviderNative(this, 'GitLabOidcProvider', {
        url: gitlabUrl,
        clientIds: [audience],
      }).oidcProviderArn;
    }

    this.productStack = new GitLabMlopsProductStack(this, 'ProductTemplate', {
      assetBucket: this.assetBucket,
      gitlabUrl,
      oidcProviderArn: props.oidcProviderArn,
      oidcAudience: audience,
      branch: props.branch,
      deletePolicy: props.deletePolicy,
      tokenSecretName: props.tokenSecretName,
      allowedTokenSecretNames: props.allowedTokenSecretNames,
      defaultGroupPath: props.defaultGroupPath,
      allowedGroupPaths: props.allowedGroupPaths,
      vpc: props.vpc,
    });

    this.product = new servicecatalog.CloudFormationProduct(this, 'Product', {
      productName: props.productName ?? 'MLOps with GitLab: model build, train and deploy',
      owner: props.owner ?? 'ML platform team',
      description:
        'Model-build and model-deploy GitLab repositories with CI pipelines, keyless AWS access, and deployment on model approval.',
      productVersions: [
        {
          productVersionName: props.productVersion ?? 'v1',
          cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(this.productStack),
        },
      ],
    });
    // SageMaker Studio lists only products with this tag as project templates.
    Tags.of(this.product).add('sagemaker:studio-visibility', 'true');

    this.portfolio = props.portfolioId
      ? servicecatalog.Portfolio.fromPortfolioArn(
          this,
          'Portfolio',
          Stack.of(this).formatArn({ service: 'catalog', resource: 'portfolio', resourceName: props.portfolioId }),
        )
      : new servicecatalog.Portfolio(this, 'Portfolio', {
          displayName: props.portfolioName ?? 'SageMaker MLOps templates',
          providerName: props.owner ?? 'ML platform team',
          description: 'SageMaker project templates of the ML platform',
        });
    this.portfolio.addProduct(this.product);
    this.launchRole = new GitLabMlopsLaunchRole(this, 'LaunchRole', {
      assetBucket: this.assetBucket,
      vpc: props.vpc !== undefined,
    });
    this.portfolio.setLaunchRole(this.product, this.launchRole);
    (props.studioRoleArns ?? []).forEach((roleArn, i) =>
      this.portfolio.giveAccessToRole(iam.Role.fromRoleArn(this, `StudioRole${i}`, roleArn, { mutable: false })),
    );

    this.operations = new WorkflowOperations(this, 'Operations', {
      title: 'GitLab MLOps project template',
      alarmTopic: props.alarmTopic,
    });
    this.addAlarms();
  }

  private validate(props: GitLabMlopsProjectTemplateProps, gitlabUrl: string): void {
    validatePattern(
      this,
      'gitlabUrl',
      gitlabUrl,
      GITLAB_URL,
      'use an https URL without a trailing slash, e.g. https://gitlab.example.com',
    );
    if (Token.isUnresolved(props.assetBucketName)) {
      throw new ConstructValidationError(
        this,
        'assetBucketName',
        '(token)',
        'Service Catalog product stacks need a literal bucket name',
      );
    }
    validatePattern(
      this,
      'assetBucketName',
      props.assetBucketName,
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'use 3-63 lowercase letters, digits, dots and hyphens',
    );
    validatePattern(
      this,
      'portfolioId',
      props.portfolioId,
      /^port-[a-z0-9]{10,20}$/,
      'use a portfolio id such as port-abcdefghij123',
    );
    validatePattern(
      this,
      'oidcProviderArn',
      props.oidcProviderArn,
      /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/,
      'use an IAM OIDC provider ARN',
    );
    if (props.oidcProviderArn && !Token.isUnresolved(props.oidcProviderArn)) {
      const host = gitlabUrl.replace(/^https:\/\//, '');
      if (!props.oidcProviderArn.endsWith(`:oidc-provider/${host}`)) {
        throw new ConstructValidationError(
          this,
          'oidcProviderArn',
          props.oidcProviderArn,
          `the provider must be the one of the GitLab host (…:oidc-provider/${host})`,
        );
      }
    }
    for (const roleArn of props.studioRoleArns ?? []) {
      validatePattern(this, 'studioRoleArns', roleArn, /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'use IAM role ARNs');
    }
    validatePattern(this, 'branch', props.branch, /^[A-Za-z0-9._/-]{1,255}$/, 'use a branch name');
    for (const name of [props.tokenSecretName, ...(props.allowedTokenSecretNames ?? [])]) {
      validatePattern(
        this,
        'allowedTokenSecretNames',
        name,
        /^[A-Za-z0-9/_+=.@-]{1,512}$/,
        'use Secrets Manager secret names',
      );
    }
    const groups = props.allowedGroupPaths ?? [];
    if (props.defaultGroupPath !== undefined && groups.length > 0 && !groups.includes(props.defaultGroupPath)) {
      throw new ConstructValidationError(
        this,
        'defaultGroupPath',
        props.defaultGroupPath,
        'must be one of allowedGroupPaths',
      );
    }
    if (props.vpc) {
      if (props.vpc.subnetIds.length === 0)
        throw new ConstructValidationError(this, 'vpc.subnetIds', [], 'give at least one subnet');
      if (props.vpc.securityGroupIds.length === 0)
        throw new ConstructValidationError(this, 'vpc.securityGroupIds', [], 'give at least one security group');
    }
  }

  /**
   * The deployment that copies the product's assets into the asset bucket. ProductStack creates it on first use
   * during synthesis (same id, same settings); creating it here lets its CDK-maintained function carry specific
   * cdk-nag acknowledgments.
   */
  private createAssetDeployment(): void {
    const deployment = new s3deploy.BucketDeployment(this.assetBucket, 'ProductAssetsDeployment', {
      sources: [],
      destinationBucket: this.assetBucket,
      extract: false,
      prune: false,
      retainOnDelete: true,
      outputObjectKeys: false,
      logGroup: new WorkflowLogGroup(this, 'ProductAssetsDeploymentLogs'),
    });
    acknowledgeBucketDeployment(deployment, {
      destinationBucket: this.assetBucket,
      purpose:
        'copies the product assets (Lambda code, seed archive) from the CDK staging bucket into the asset bucket',
    });
  }

  private addAlarms(): void {
    const seedCheckIn = serviceMetrics(GITLAB_MLOPS_SERVICE.SEED_CHECK_IN, GITLAB_MLOPS_METRICS);
    const deployTrigger = serviceMetrics(GITLAB_MLOPS_SERVICE.DEPLOY_TRIGGER, GITLAB_MLOPS_METRICS);
    const seedFailures = seedCheckIn(GITLAB_MLOPS_METRICS.SEED_CHECK_IN_FAILURES);
    const triggerFailures = deployTrigger(GITLAB_MLOPS_METRICS.DEPLOY_TRIGGER_FAILURES);
    const impossible = deployTrigger(GITLAB_MLOPS_METRICS.ROLLBACKS_IMPOSSIBLE);
    this.operations.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Deployments started (all projects)',
        left: [
          deployTrigger(GITLAB_MLOPS_METRICS.DEPLOYMENTS_TRIGGERED, { label: 'approved → deploy' }),
          deployTrigger(GITLAB_MLOPS_METRICS.ROLLBACKS_TRIGGERED, { label: 'rejected → rollback' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures (all projects)',
        left: [
          seedFailures.with({ label: 'seed check-in failures' }),
          triggerFailures.with({ label: 'deploy trigger failures' }),
          impossible.with({ label: 'rollbacks impossible' }),
          seedCheckIn(GITLAB_MLOPS_METRICS.PROJECTS_SEEDED, { label: 'repositories seeded' }),
        ],
        width: 12,
      }),
    );
    this.operations.addThresholdAlarm('SeedCheckInFailedAlarm', {
      metric: seedFailures,
      description:
        'A SageMaker project could not create or seed its GitLab repositories: see the project stack events and the seed check-in log group.',
      runbook: RUNBOOK.GITLAB_CHECK_IN,
    });
    this.operations.addThresholdAlarm('DeployTriggerFailedAlarm', {
      metric: triggerFailures,
      description:
        'The deploy trigger failed to start a GitLab pipeline (EventBridge retries, then the project dead-letter queue): see its log group.',
      runbook: RUNBOOK.GITLAB_DEPLOY_TRIGGER,
    });
    this.operations.addThresholdAlarm('RollbackImpossibleAlarm', {
      metric: impossible,
      description:
        'A deployed model version was rejected and no approved version remains: approve one or delete the endpoint stacks.',
      runbook: RUNBOOK.GITLAB_ROLLBACK_IMPOSSIBLE,
    });
  }
}
