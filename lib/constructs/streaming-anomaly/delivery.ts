import { Duration, Size, Stack, aws_kinesisfirehose as firehose, type aws_kinesis as kinesis } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { FIREHOSE_ERROR_PREFIX, type IntervalLayout } from '../../../lambdas/streaming-anomaly/contract';
import { FirehoseS3DeliveryRole } from '../../shared/firehose-role';
import { WorkflowLogGroup } from '../../shared/logs';
import { acknowledge } from '../../shared/nag';
import { type SecureBucket } from '../../shared/secure-bucket';

/** Props of {@link createDeliveryStream}. */
export interface DeliveryProps {
  readonly processedStream: kinesis.IStream;
  readonly bucket: SecureBucket;
  readonly layout: IntervalLayout;
  readonly bufferSeconds: number;
}

/**
 * Delivery (`DeliveryStream`): the processed stream → Firehose → gzipped JSON Lines in one S3 folder per interval,
 * named after each row's `window_start` by an inline jq 1.6 query (dynamic partitioning), errors under `errors/`.
 */
export function createDeliveryStream(scope: Construct, props: DeliveryProps): firehose.DeliveryStream {
  const logGroup = new WorkflowLogGroup(scope, 'DeliveryLogs');
  const errorsPrefix = FIREHOSE_ERROR_PREFIX.slice(0, FIREHOSE_ERROR_PREFIX.indexOf('/') + 1);
  const role = new FirehoseS3DeliveryRole(scope, 'DeliveryRole', {
    bucket: props.bucket,
    keyPatterns: [`${props.layout.prefix}/*`, `${errorsPrefix}*`],
    logGroup,
    description: 'Lets Firehose read the processed stream and write interval folders and errors',
  });
  const stream = new firehose.DeliveryStream(scope, 'DeliveryStream', {
    source: new firehose.KinesisStreamSource(props.processedStream),
    role,
    destination: new firehose.S3Bucket(props.bucket, {
      role: role.withoutPolicyUpdates(),
      dataOutputPrefix: props.layout.firehosePrefix,
      errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
      compression: firehose.Compression.GZIP,
      fileExtension: '.jsonl.gz',
      // Rows of one interval arrive in at most two bursts (the window's own end, and stragglers at the next one):
      // with a buffer of at least 60 s each burst makes at most two objects, within Lookout's 5 files per interval.
      bufferingInterval: Duration.seconds(props.bufferSeconds),
      bufferingSize: Size.mebibytes(64),
      dynamicPartitioning: { enabled: true, retryDuration: Duration.minutes(5) },
      processors: [
        firehose.MetadataExtractionProcessor.jq16({ ...props.layout.partitionQuery }),
        new firehose.AppendDelimiterToRecordProcessor(),
      ],
      loggingConfig: new firehose.EnableLogging(logGroup),
    }),
  });
  stream.node.addDependency(role);
  acknowledge(
    Stack.of(scope),
    'The Firehose L2 adds a mapping of Firehose CIDR blocks per region for Redshift, OpenSearch and HTTP destinations; an S3 destination does not use it.',
    'CloudFormation-Validate::W7001',
  );
  acknowledge(
    stream,
    'The source is a Kinesis data stream encrypted with the aws/kinesis key; Firehose rejects delivery-stream SSE for KinesisStreamAsSource, and objects land in an encrypted bucket.',
    'AwsSolutions-KDF1',
  );
  return stream;
}
