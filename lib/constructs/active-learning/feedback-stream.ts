import { type Duration, aws_kinesisfirehose as firehose } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { DATA_PREFIX } from '../../../lambdas/active-learning/contract';
import { FirehoseS3DeliveryRole } from '../../shared/firehose-role';
import { WorkflowLogGroup } from '../../shared/logs';
import { type SecureBucket } from '../../shared/secure-bucket';

/**
 * The feedback stream (`FeedbackStream`): a direct-put Firehose stream (AWS-owned key) writing every feedback record,
 * newline-delimited (the writers end each record with "\n"), to `feedback/<yyyy>/<MM>/<dd>/<HH>/` of the data bucket,
 * errors to `feedback-errors/`, with error logging and a role that may write only those two prefixes.
 */
export function createFeedbackStream(
  scope: Construct,
  dataBucket: SecureBucket,
  buffering: Duration,
): firehose.CfnDeliveryStream {
  const logGroup = new WorkflowLogGroup(scope, 'FeedbackStreamLogs');
  const logStream = logGroup.addStream('S3Delivery');
  const role = new FirehoseS3DeliveryRole(scope, 'FeedbackStreamRole', {
    bucket: dataBucket,
    keyPatterns: [`${DATA_PREFIX.FEEDBACK}*`, `${DATA_PREFIX.FEEDBACK_ERRORS}*`],
    logGroup,
    description: 'Firehose writes feedback records to the data bucket with this role',
  });
  const stream = new firehose.CfnDeliveryStream(scope, 'FeedbackStream', {
    deliveryStreamType: 'DirectPut',
    deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
    extendedS3DestinationConfiguration: {
      bucketArn: dataBucket.bucketArn,
      roleArn: role.roleArn,
      prefix: `${DATA_PREFIX.FEEDBACK}!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/`,
      errorOutputPrefix: `${DATA_PREFIX.FEEDBACK_ERRORS}!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/`,
      bufferingHints: { intervalInSeconds: buffering.toSeconds(), sizeInMBs: 5 },
      compressionFormat: 'UNCOMPRESSED',
      fileExtension: '.jsonl',
      cloudWatchLoggingOptions: {
        enabled: true,
        logGroupName: logGroup.logGroupName,
        logStreamName: logStream.logStreamName,
      },
    },
  });
  stream.node.addDependency(role);
  return stream;
}
