import { Duration, Stack, aws_iam as iam, type aws_s3 as s3, aws_sns as sns } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  STREAMING_ANOMALY_SERVICE,
  DEAD_LETTER_PREFIX,
  STREAMING_ANOMALY_ENV as ENV,
} from '../../../lambdas/streaming-anomaly/contract';
import { AlarmTopic, AlarmTopicKey } from '../../shared/alarm-topic';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { lambdaEntry } from '../../shared/paths';

/** The detector's topics and the alert handler. */
export interface Alerts {
  /** `AnomalyTopic`: raw detector notifications (CloudWatch alarms publish here, so it is an `AlarmTopic`). */
  readonly anomalyTopic: sns.Topic;
  /** `AlertTopic`: readable alert messages; people subscribe here. */
  readonly alertTopic: sns.Topic;
  /** `HandleAlert`: turns notifications into readable messages and device-shadow updates. */
  readonly alertFunction: HandlerFunction;
}

/**
 * Alerts: one key (`AlertKey`) for both topics, and the handler between them; notifications it does not recognize go
 * to `dead-letter/alerts/` in the pipeline's bucket.
 */
export function createAlerts(
  scope: Construct,
  shadowThingName: string | undefined,
  deadLetterBucket: s3.IBucket,
): Alerts {
  const key = new AlarmTopicKey(scope, 'AlertKey', { description: 'Encrypts the traffic anomaly and alert topics' });
  const anomalyTopic = new AlarmTopic(scope, 'AnomalyTopic', {
    displayName: 'Traffic anomalies (raw detector notifications)',
    masterKey: key,
  });
  const alertTopic = new sns.Topic(scope, 'AlertTopic', {
    displayName: 'Traffic anomaly alerts',
    masterKey: key,
    enforceSSL: true,
  });
  const alertFunction = new HandlerFunction(scope, 'HandleAlert', {
    entry: lambdaEntry('streaming-anomaly/handle-alert.ts'),
    invocation: 'async',
    serviceName: STREAMING_ANOMALY_SERVICE.ALERTS,
    description: 'Turns traffic anomaly notifications into readable alerts and device-shadow updates',
    timeout: Duration.seconds(30),
    memorySize: 256,
  })
    .bind(ENV.ALERT_TOPIC_ARN, alertTopic.topicArn, (g) => alertTopic.grantPublish(g))
    .bind(ENV.DEAD_LETTER_BUCKET, deadLetterBucket.bucketName, (g) =>
      grantObjects(deadLetterBucket, g, 'write', `${DEAD_LETTER_PREFIX.ALERTS}*`),
    );
  acknowledge(
    alertFunction.role!,
    'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* (data keys of any spec); the grant is limited to the alert key.',
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  );
  if (shadowThingName) {
    const stack = Stack.of(scope);
    alertFunction.bind(ENV.SHADOW_THING_NAME, shadowThingName, (g) => {
      iam.Grant.addToPrincipal({
        grantee: g,
        actions: ['iot:UpdateThingShadow'],
        resourceArns: [stack.formatArn({ service: 'iot', resource: 'thing', resourceName: shadowThingName })],
      });
      iam.Grant.addToPrincipal({ grantee: g, actions: ['iot:DescribeEndpoint'], resourceArns: ['*'] });
    });
    acknowledge(
      alertFunction.role!,
      'Resource "*" is required by the services: iot:DescribeEndpoint (to find the account\'s data-plane endpoint for shadow updates), X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.',
      'AwsSolutions-IAM5[Resource::*]',
    );
  }
  return { anomalyTopic, alertTopic, alertFunction };
}
