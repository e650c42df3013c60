import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type ReviewPortalConfig } from '../config/review-portal';
import { ReviewPortal } from '../constructs/review-portal';

/** Props of {@link ReviewPortalStack}. */
export interface ReviewPortalStackProps extends StackProps {
  /** The `reviewPortal` configuration section. */
  readonly config: ReviewPortalConfig;
  /**
   * Create the portal's image store for image tasks (the Custom Labels assist workflow keeps its images there).
   * @default false
   */
  readonly imageStore?: boolean;
}

/** Names of the stack's outputs (read by `mlw review`). */
export const REVIEW_PORTAL_OUTPUTS = {
  PORTAL_URL: 'PortalUrl',
  API_URL: 'ApiUrl',
  USER_POOL_ID: 'UserPoolId',
  USER_POOL_CLIENT_ID: 'UserPoolClientId',
  TASK_TABLE: 'TaskTableName',
  OUTPUT_BUCKET: 'OutputBucketName',
  PORTAL_ID: 'PortalId',
  IMAGES_BUCKET: 'ImagesBucketName',
} as const;

/** Thin stack around {@link ReviewPortal}: configuration in, outputs out. */
export class ReviewPortalStack extends Stack {
  /** The portal (an `IReviewBackend` other stacks can bind their review starters to). */
  public readonly portal: ReviewPortal;

  constructor(scope: Construct, id: string, props: ReviewPortalStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.portal = new ReviewPortal(this, 'Portal', {
      reviewersPerItem: config.reviewersPerItem,
      leaseDuration: Duration.minutes(config.leaseMinutes),
      maxTaskAge: Duration.hours(config.maxTaskAgeHours),
      taskRetention: Duration.days(config.taskRetentionDays),
      outputPrefix: config.outputPrefix,
      throttling: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      mfa: config.mfa,
      allowedOrigins: config.allowedOrigins,
      imageStore: props.imageStore,
      webAclArn: config.webAclArn,
    });
    const out = (key: string, value: string, description: string) => new CfnOutput(this, key, { value, description });
    out(REVIEW_PORTAL_OUTPUTS.PORTAL_URL, this.portal.portalUrl, 'The review page');
    out(REVIEW_PORTAL_OUTPUTS.API_URL, this.portal.api.url, 'The review API');
    out(
      REVIEW_PORTAL_OUTPUTS.USER_POOL_ID,
      this.portal.userPool.userPoolId,
      'Reviewer accounts (mlw review invite EMAIL)',
    );
    out(
      REVIEW_PORTAL_OUTPUTS.USER_POOL_CLIENT_ID,
      this.portal.userPoolClient.userPoolClientId,
      'OAuth client of the page',
    );
    out(REVIEW_PORTAL_OUTPUTS.TASK_TABLE, this.portal.table.tableName, 'Review task table (mlw review stats)');
    out(REVIEW_PORTAL_OUTPUTS.OUTPUT_BUCKET, this.portal.outputBucket.bucketName, 'A2I-shaped results (output.json)');
    out(REVIEW_PORTAL_OUTPUTS.PORTAL_ID, this.portal.portalId, 'flowDefinitionArn of results and completion events');
    if (this.portal.imagesBucket) {
      out(
        REVIEW_PORTAL_OUTPUTS.IMAGES_BUCKET,
        this.portal.imagesBucket.bucketName,
        'Images of image tasks (presigned to reviewers)',
      );
    }
  }
}
