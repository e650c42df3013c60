import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type CiDeployAccessConfig } from '../config/ci-deploy-access';
import { CiDeployAccess } from '../constructs/ci-deploy-access';

/** Props of {@link CiDeployAccessStack}. */
export interface CiDeployAccessStackProps extends StackProps {
  /** The `ciDeployAccess` configuration section (enabled, with a repository). */
  readonly config: CiDeployAccessConfig;
  /** The app's stack prefix: the diff role may read the stacks whose names start with `<prefix>-`. */
  readonly stackPrefix: string;
}

/** Thin stack around {@link CiDeployAccess}; its outputs are the values the pipelines' variables take. */
export class CiDeployAccessStack extends Stack {
  /** The construct. */
  public readonly access: CiDeployAccess;

  constructor(scope: Construct, id: string, props: CiDeployAccessStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (config.repository === undefined) throw new Error('ciDeployAccess.repository is required');
    this.access = new CiDeployAccess(this, 'CiDeployAccess', {
      provider: config.provider,
      repository: config.repository,
      branch: config.branch,
      environment: config.environment,
      gitlabUrl: config.provider === 'gitlab' ? config.gitlabUrl : undefined,
      oidcProviderArn: config.oidcProviderArn,
      qualifier: config.qualifier,
      diffRole: config.diffRole,
      readableStackPrefix: `${props.stackPrefix}-`,
    });
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.access.deployRole.roleArn,
      description: `CI variable AWS_DEPLOY_ROLE_ARN (trusts ${this.access.deploySubject})`,
    });
    if (this.access.diffRole) {
      new CfnOutput(this, 'DiffRoleArn', {
        value: this.access.diffRole.roleArn,
        description: `CI variable AWS_DIFF_ROLE_ARN (trusts ${this.access.diffSubjects.join(', ')})`,
      });
    }
    new CfnOutput(this, 'Region', { value: Aws.REGION, description: 'CI variable AWS_REGION' });
    new CfnOutput(this, 'OidcProviderArn', { value: this.access.oidcProviderArn });
  }
}
