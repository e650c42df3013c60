import {
  Duration,
  type aws_apigateway as apigw,
  aws_cloudwatch as cloudwatch,
  type aws_kinesisfirehose as firehose,
  type aws_s3 as s3,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { ACTIVE_LEARNING_METRICS, DEAD_LETTER_PREFIX } from '../../../lambdas/active-learning/contract';
import { type HandlerFunction } from '../../shared/handler-function';
import { serviceMetrics } from '../../shared/metrics';
import { WorkflowOperations } from '../../shared/operations';
import { RUNBOOK } from '../../shared/runbook';

/** The loop's functions, by dashboard label. */
export interface LoopFunctions {
  readonly Classify: HandlerFunction;
  readonly Feedback: HandlerFunction;
  readonly BatchFeedback: HandlerFunction;
  readonly StartReview: HandlerFunction;
  readonly ConsolidateReview: HandlerFunction;
}

/** Props of {@link createLoopOperations}. */
export interface LoopOperationsProps {
  readonly api: apigw.RestApi;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly functions: LoopFunctions;
  /** The data bucket (its dead-letter prefixes). */
  readonly dataBucket: s3.IBucket;
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The loop's dashboard and alarms: API 5xx, Firehose delivery, failed or stopped reviews, lost implicit feedback,
 * every function and its dead-letter queue.
 */
export function createLoopOperations(scope: Construct, props: LoopOperationsProps): WorkflowOperations {
  const ops = new WorkflowOperations(scope, 'Operations', {
    title: 'Active learning: Comprehend feedback loop',
    alarmTopic: props.alarmTopic,
  });
  const period = Duration.minutes(5);
  const fns = props.functions;
  const classify = serviceMetrics(fns.Classify, ACTIVE_LEARNING_METRICS);
  const feedback = serviceMetrics(fns.Feedback, ACTIVE_LEARNING_METRICS);
  const batch = serviceMetrics(fns.BatchFeedback, ACTIVE_LEARNING_METRICS);
  const start = serviceMetrics(fns.StartReview, ACTIVE_LEARNING_METRICS);
  const consolidate = serviceMetrics(fns.ConsolidateReview, ACTIVE_LEARNING_METRICS);

  const api5xx = props.api.metricServerError({ period, statistic: 'Sum' });
  ops.addThresholdAlarm('Api5xxAlarm', {
    metric: api5xx,
    description: 'The active-learning API answered 5xx: see the Classify and Feedback logs.',
    runbook: RUNBOOK.API_SERVER_ERRORS,
  });
  const firehoseMetric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: props.deliveryStream.ref },
      period,
      statistic,
    });
  const deliverySuccess = firehoseMetric('DeliveryToS3.Success', 'Minimum');
  ops.addThresholdAlarm('FeedbackDeliveryAlarm', {
    metric: deliverySuccess,
    description: 'Firehose failed to deliver feedback to S3: see the FeedbackStream log group and feedback-errors/.',
    runbook: RUNBOOK.FIREHOSE_DELIVERY,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
  });
  const failedReviews = consolidate(ACTIVE_LEARNING_METRICS.REVIEWS_FAILED);
  ops.addThresholdAlarm('FailedReviewsAlarm', {
    metric: failedReviews,
    description: 'Human reviews failed or were stopped: their items are in review-reports/ of the data bucket.',
    runbook: RUNBOOK.REVIEWS_FAILED,
  });
  ops.addThresholdAlarm('ImplicitFeedbackAlarm', {
    metric: classify(ACTIVE_LEARNING_METRICS.IMPLICIT_FEEDBACK_FAILED),
    description:
      'Low-confidence classifications could not be written to Firehose: the records are kept under dead-letter/implicit-feedback/ in the data bucket.',
    runbook: RUNBOOK.IMPLICIT_FEEDBACK_LOST,
  });
  ops.addDeadLetterPrefix('StartReview', {
    bucket: props.dataBucket,
    prefix: DEAD_LETTER_PREFIX.FEEDBACK_RECORDS,
    metric: start(ACTIVE_LEARNING_METRICS.DEAD_LETTERED_RECORDS),
  });
  ops.dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'API',
      left: [
        props.api.metricCount({ period, label: 'requests' }),
        props.api.metricClientError({ period, label: '4xx' }),
        api5xx.with({ label: '5xx' }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Feedback stream',
      left: [
        firehoseMetric('IncomingRecords', 'Sum').with({ label: 'records in' }),
        firehoseMetric('DeliveryToS3.Records', 'Sum').with({ label: 'records delivered' }),
      ],
      right: [deliverySuccess.with({ label: 'delivery success (min)' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Classification and feedback',
      left: [
        classify(ACTIVE_LEARNING_METRICS.CLASSIFICATIONS, { label: 'classifications' }),
        classify(ACTIVE_LEARNING_METRICS.LOW_CONFIDENCE, { label: 'low confidence' }),
        feedback(ACTIVE_LEARNING_METRICS.EXPLICIT_FEEDBACK, { label: 'explicit feedback' }),
        batch(ACTIVE_LEARNING_METRICS.BATCH_RECORDS_SENT, { label: 'batch records sent' }),
        batch(ACTIVE_LEARNING_METRICS.MALFORMED_UPLOADS, { label: 'malformed uploads' }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Human review',
      left: [
        start(ACTIVE_LEARNING_METRICS.REVIEWS_STARTED, { label: 'started' }),
        consolidate(ACTIVE_LEARNING_METRICS.REVIEWS_COMPLETED, { label: 'completed' }),
        failedReviews.with({ label: 'failed / stopped' }),
      ],
      right: [
        consolidate(ACTIVE_LEARNING_METRICS.TRAINING_ROWS, { label: 'training rows' }),
        consolidate(ACTIVE_LEARNING_METRICS.UNRESOLVED_ITEMS, { label: 'no majority' }),
        consolidate(ACTIVE_LEARNING_METRICS.IGNORED_ANSWERS, { label: 'answers not used' }),
        start(ACTIVE_LEARNING_METRICS.REDELIVERED_RECORDS, { label: 're-sent records dropped' }),
      ],
      width: 8,
    }),
  );
  for (const [label, fn] of Object.entries(fns) as [string, HandlerFunction][]) {
    ops.addFunction(label, fn);
    if (fn.deadLetterQueue) ops.addDeadLetterQueue(`${label}Dlq`, fn.deadLetterQueue);
  }
  return ops;
}
