import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type GitLabMlopsConfig } from '../config/gitlab-mlops';
import { GitLabMlopsProjectTemplate } from '../constructs/gitlab-mlops';

/** Props of {@link GitLabMlopsStack}. */
export interface GitLabMlopsStackProps extends StackProps {
  /** The `gitlabMlops` configuration section. */
  readonly config: GitLabMlopsConfig;
  /** Prefix of the stack names (names the default asset bucket). */
  readonly stackPrefix: string;
  /**
   * Configured account, for the default asset bucket name.
   * @default none
   */
  readonly account?: string;
  /**
   * Configured region, for the default asset bucket name.
   * @default none
   */
  readonly region?: string;
}

/** Thin stack around {@link GitLabMlopsProjectTemplate}. */
export class GitLabMlopsStack extends Stack {
  /** The template construct. */
  public readonly template: GitLabMlopsProjectTemplate;

  constructor(scope: Construct, id: string, props: GitLabMlopsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = props.stackPrefix.toLowerCase();
    const derived =
      props.account !== undefined && props.region !== undefined
        ? `${prefix}-gitlab-mlops-assets-${props.account}-${props.region}`
        : `${prefix}-gitlab-mlops-assets`;
    const assetBucketName = config.assetBucketName ?? derived.slice(0, 63).replace(/-+$/, '');
    if (config.assetBucketName === undefined && props.account === undefined) {
      Annotations.of(this).addWarningV2(
        'ml-workflows:gitlabMlopsAssetBucketName',
        `The product asset bucket is named ${assetBucketName}; bucket names are global, so set gitlabMlops.assetBucketName (or account and region) before deploying.`,
      );
    }
    this.template = new GitLabMlopsProjectTemplate(this, 'ProjectTemplate', {
      assetBucketName,
      gitlabUrl: config.gitlabUrl,
      oidcProviderArn: config.oidcProviderArn,
      oidcAudience: config.oidcAudience,
      portfolioId: config.portfolioId,
      portfolioName: config.portfolioName,
      owner: config.owner,
      productName: config.productName,
      productVersion: config.productVersion,
      studioRoleArns: config.studioRoleArns,
      branch: config.branch,
      deletePolicy: config.deletePolicy,
      tokenSecretName: config.tokenSecretName,
      allowedTokenSecretNames: config.allowedTokenSecretNames,
      defaultGroupPath: config.defaultGroupPath,
      allowedGroupPaths: config.allowedGroupPaths,
      vpc: config.vpcId
        ? { vpcId: config.vpcId, subnetIds: config.subnetIds, securityGroupIds: config.securityGroupIds }
        : undefined,
    });
    new CfnOutput(this, 'PortfolioId', {
      value: this.template.portfolio.portfolioId,
      description: 'Service Catalog portfolio of the template',
    });
    new CfnOutput(this, 'ProductId', {
      value: this.template.product.productId,
      description: 'Service Catalog product (SageMaker project template)',
    });
    new CfnOutput(this, 'OidcProviderArn', {
      value: this.template.oidcProviderArn,
      description: 'IAM OIDC provider of the GitLab host',
    });
    new CfnOutput(this, 'LaunchRoleArn', {
      value: this.template.launchRole.roleArn,
      description: 'Launch constraint role',
    });
  }
}
