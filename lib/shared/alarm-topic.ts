import { Duration, RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { type Construct } from 'constructs';

/** Props of {@link AlarmTopicKey}. */
export interface AlarmTopicKeyProps {
  /** What the key encrypts, e.g. `Encrypts the Review portal alarm topic`. */
  readonly description: string;
}

/**
 * A KMS key for topics that CloudWatch alarms publish to. CloudWatch cannot publish to a topic encrypted with the
 * AWS-managed `aws/sns` key (its key policy cannot grant CloudWatch), and alarms on such a topic fail silently; this
 * key lets CloudWatch generate data keys and decrypt (the actions the CloudWatch user guide lists for encrypted
 * topics). Rotated yearly; deleted with the stack after 7 days (topics hold no data at rest beyond delivery retries).
 */
export class AlarmTopicKey extends kms.Key {
  constructor(scope: Construct, id: string, props: AlarmTopicKeyProps) {
    super(scope, id, {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" is this key
      }),
    );
  }
}

/** Props of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** Display name of the topic. */
  readonly displayName: string;
  /** The key that encrypts the topic (an {@link AlarmTopicKey}, so CloudWatch can publish). */
  readonly masterKey: AlarmTopicKey;
}

/**
 * An SNS topic that CloudWatch alarms of this account may publish to: encrypted with an {@link AlarmTopicKey},
 * TLS-only, and a topic policy that allows `sns:Publish` to `cloudwatch.amazonaws.com` for this account only
 * (`aws:SourceAccount`).
 */
export class AlarmTopic extends sns.Topic {
  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id, { displayName: props.displayName, enforceSSL: true, masterKey: props.masterKey });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: [this.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
