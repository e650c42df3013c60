import { Duration, RemovalPolicy, Stack, type aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { acknowledge } from './nag';

/** Options of {@link SecureBucket}. */
export interface SecureBucketOptions {
  /**
   * Customer-managed KMS key for encryption at rest.
   * @default S3-managed keys (SSE-S3)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Keep every version of every object. Turn on where the data cannot be recreated.
   * @default true
   */
  readonly versioned?: boolean;
  /**
   * Expire current objects this long after creation (staging data).
   * @default never
   */
  readonly expireAfter?: Duration;
  /**
   * Expire non-current versions this long after they become non-current (versioned buckets).
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * What happens to the bucket when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Publish object events to EventBridge (set natively on the bucket, without a custom resource).
   * @default false
   */
  readonly eventBridgeEnabled?: boolean;
  /** CORS rules (for example `GET` for a labeling UI). @default none */
  readonly cors?: s3.CorsRule[];
  /**
   * Write server access logs to the stack's shared access-log bucket.
   * @default true
   */
  readonly serverAccessLogs?: boolean;
}

/**
 * An S3 bucket with the house defaults: all public access blocked, TLS-only bucket policy, encryption at rest,
 * bucket-owner-enforced object ownership, versioning with non-current expiry, incomplete-multipart clean-up, and server
 * access logs to one access-log bucket per stack.
 */
export class SecureBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, options: SecureBucketOptions = {}) {
    const versioned = options.versioned ?? true;
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
    ];
    if (versioned) {
      lifecycleRules.push({
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: options.noncurrentVersionExpiration ?? Duration.days(90),
      });
    }
    if (options.expireAfter) lifecycleRules.push({ id: 'expire-objects', expiration: options.expireAfter });
    super(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: options.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: options.encryptionKey,
      bucketKeyEnabled: options.encryptionKey ? true : undefined,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned,
      lifecycleRules,
      removalPolicy: options.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      cors: options.cors,
      serverAccessLogsBucket: options.serverAccessLogs === false ? undefined : AccessLogsBucket.of(scope),
      serverAccessLogsPrefix: options.serverAccessLogs === false ? undefined : `${id}/`,
    });
    if (options.eventBridgeEnabled) {
      // Native CloudFormation property: no bucket-notifications custom resource (and its managed-policy role).
      (this.node.defaultChild as s3.CfnBucket).addPropertyOverride(
        'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
        true,
      );
    }
  }
}

/** The one server-access-log bucket of a stack, created on first use. */
export class AccessLogsBucket extends s3.Bucket {
  /** The stack's access-log bucket (created on first call). */
  public static of(scope: Construct): AccessLogsBucket {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(ACCESS_LOGS_ID);
    return existing instanceof AccessLogsBucket ? existing : new AccessLogsBucket(stack, ACCESS_LOGS_ID);
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: false,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this,
      'This is the access-log bucket: logging it into itself would loop, and another log bucket would need one too.',
      'AwsSolutions-S1',
    );
  }
}

const ACCESS_LOGS_ID = 'AccessLogs';
