import { aws_iam as iam, aws_iot as iot, type aws_kinesis as kinesis, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { CAMERA_PARTITION_KEY_TEMPLATE, INGEST_ERROR_PREFIX } from '../../../lambdas/streaming-anomaly/contract';
import { grantObjects } from '../../shared/grants';

/**
 * Ingest (`TopicRule`): camera events from the MQTT topic filter onto the input stream, partitioned by camera (one
 * camera's events on one shard), with the arrival time as `event_time`; messages the rule cannot deliver go to
 * `ingest-errors/` in the bucket (its error action).
 */
export function createTopicRule(
  scope: Construct,
  props: { topic: string; inputStream: kinesis.IStream; bucket: s3.IBucket },
): iot.CfnTopicRule {
  const role = new iam.Role(scope, 'TopicRuleRole', {
    assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
    description: 'Lets the traffic IoT rule put camera events on the input stream and failed messages in S3',
  });
  props.inputStream.grantWrite(role);
  grantObjects(props.bucket, role, 'write', `${INGEST_ERROR_PREFIX}*`);
  return new iot.CfnTopicRule(scope, 'TopicRule', {
    topicRulePayload: {
      description: 'Camera events (person/car track ids) to the traffic input stream',
      sql: `SELECT person, car, camera_id, timestamp() AS event_time FROM '${props.topic}'`,
      awsIotSqlVersion: '2016-03-23',
      ruleDisabled: false,
      actions: [
        {
          kinesis: {
            streamName: props.inputStream.streamName,
            partitionKey: CAMERA_PARTITION_KEY_TEMPLATE,
            roleArn: role.roleArn,
          },
        },
      ],
      errorAction: {
        s3: {
          bucketName: props.bucket.bucketName,
          key: `${INGEST_ERROR_PREFIX}\${parse_time("yyyy/MM/dd", timestamp())}/\${newuuid()}.json`,
          roleArn: role.roleArn,
        },
      },
    },
  });
}
