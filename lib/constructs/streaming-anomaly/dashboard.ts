import {
  Duration,
  aws_cloudwatch as cloudwatch,
  type aws_kinesisfirehose as firehose,
  type aws_s3 as s3,
} from 'aws-cdk-lib';
import { DEAD_LETTER_PREFIX, STREAMING_ANOMALY_METRICS as METRICS } from '../../../lambdas/streaming-anomaly/contract';
import { type FailureQueue } from '../../shared/failure-queue';
import { type HandlerFunction } from '../../shared/handler-function';
import { serviceMetrics } from '../../shared/metrics';
import { type WorkflowOperations } from '../../shared/operations';
import { RUNBOOK } from '../../shared/runbook';

/** Props of {@link addPipelineOperations}. */
export interface PipelineOperationsProps {
  readonly aggregator: HandlerFunction;
  readonly aggregatorFailures: FailureQueue;
  readonly deliveryStream: firehose.DeliveryStream;
  readonly alertFunction?: HandlerFunction;
  readonly windowSeconds: number;
  readonly bufferSeconds: number;
  /** Bucket of the dead-letter prefixes. */
  readonly bucket: s3.IBucket;
}

/**
 * The pipeline's alarms and graphs: aggregator errors, failures, iterator age and records set aside under
 * `dead-letter/aggregator/`; Firehose freshness and success; the aggregator's own metrics; the alert handler and its
 * unrecognized notifications (`dead-letter/alerts/`).
 */
export function addPipelineOperations(ops: WorkflowOperations, props: PipelineOperationsProps): void {
  const period = Duration.minutes(5);
  ops.addFunction('Aggregator', props.aggregator);
  ops.addDeadLetterQueue('AggregatorFailures', props.aggregatorFailures);
  const iteratorAge = props.aggregator.metric('IteratorAge', { statistic: 'Maximum', period });
  ops.addThresholdAlarm('IteratorAgeAlarm', {
    metric: iteratorAge,
    description:
      'The aggregator falls behind the input stream: add shards or raise batchSize; records expire at the retention period.',
    runbook: RUNBOOK.STREAM_CONSUMER_BEHIND,
    threshold: props.windowSeconds * 2 * 1000,
    evaluationPeriods: 3,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  const freshness = props.deliveryStream.metric('DeliveryToS3.DataFreshness', { statistic: 'Maximum', period });
  const success = props.deliveryStream.metric('DeliveryToS3.Success', { statistic: 'Average', period });
  ops.addThresholdAlarm('DeliveryFreshnessAlarm', {
    metric: freshness,
    description: 'Firehose is not delivering rows to S3 in time: see the delivery log group and errors/ in the bucket.',
    runbook: RUNBOOK.FIREHOSE_DELIVERY,
    threshold: Math.ceil(props.bufferSeconds * 1.5) + 300,
    evaluationPeriods: 2,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  ops.addThresholdAlarm('DeliveryFailuresAlarm', {
    metric: success,
    description: 'Firehose deliveries to S3 are failing: see the delivery log group and errors/ in the bucket.',
    runbook: RUNBOOK.FIREHOSE_DELIVERY,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  });
  const own = serviceMetrics(props.aggregator, METRICS, { period });
  ops.addDeadLetterPrefix('Aggregator', {
    bucket: props.bucket,
    prefix: DEAD_LETTER_PREFIX.AGGREGATOR,
    metric: own(METRICS.INVALID_EVENTS),
  });
  ops.dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Aggregator: events, invalid events, rows',
      left: [own(METRICS.EVENTS), own(METRICS.INVALID_EVENTS), own(METRICS.ROWS), own(METRICS.SPILLED_ROWS)],
      right: [own(METRICS.STATE_BYTES, { statistic: 'Maximum' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({ title: 'Aggregator: iterator age (ms)', left: [iteratorAge], width: 8 }),
    new cloudwatch.GraphWidget({
      title: 'Firehose: freshness (s) and success',
      left: [freshness],
      right: [success],
      width: 8,
    }),
  );
  if (props.alertFunction) {
    ops.addFunction('AlertHandler', props.alertFunction);
    ops.addDeadLetterPrefix('AlertHandler', {
      bucket: props.bucket,
      prefix: DEAD_LETTER_PREFIX.ALERTS,
      metric: serviceMetrics(props.alertFunction, METRICS, { period })(METRICS.UNRECOGNIZED_NOTIFICATIONS),
    });
    if (props.alertFunction.deadLetterQueue)
      ops.addDeadLetterQueue('AlertHandlerDlq', props.alertFunction.deadLetterQueue);
  }
}
