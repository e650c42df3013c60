import { Stack, aws_iam as iam, type aws_logs as logs, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { grantObjects } from './grants';

/** Props of {@link FirehoseS3DeliveryRole}. */
export interface FirehoseS3DeliveryRoleProps {
  /** The destination bucket. */
  readonly bucket: s3.IBucket;
  /** Key patterns Firehose writes (the data prefix and the error prefix), e.g. `['feedback/*', 'feedback-errors/*']`. */
  readonly keyPatterns: readonly string[];
  /** The delivery stream's log group (error logging). */
  readonly logGroup: logs.ILogGroup;
  /** What the role is for. */
  readonly description: string;
}

/**
 * The role a Firehose delivery stream writes to S3 with: exactly the S3 actions the Firehose developer guide lists for
 * an S3 destination (`s3:PutObject`, `s3:GetObject`, `s3:AbortMultipartUpload` on the given key patterns only;
 * `s3:GetBucketLocation`, `s3:ListBucket`, `s3:ListBucketMultipartUploads` on the bucket), the bucket key's KMS
 * actions, writing to its log group, and a trust limited to this account (`aws:SourceAccount`, against the confused
 * deputy). Give it to the Firehose L2 destination as `role.withoutPolicyUpdates()`: the L2 would otherwise add
 * `bucket.grantReadWrite` (`s3:GetObject*`, `s3:DeleteObject*`, `s3:List*` on the whole bucket).
 */
export class FirehoseS3DeliveryRole extends iam.Role {
  constructor(scope: Construct, id: string, props: FirehoseS3DeliveryRoleProps) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
      description: props.description,
    });
    for (const pattern of props.keyPatterns) {
      grantObjects(props.bucket, this, 'readWrite', pattern);
      this.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload'],
          resources: [props.bucket.arnForObjects(pattern)],
        }),
      );
    }
    this.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [props.bucket.bucketArn],
      }),
    );
    props.logGroup.grantWrite(this);
  }
}
