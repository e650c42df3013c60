import { Duration, type aws_kinesis as kinesis, aws_lambda as lambda, type aws_s3 as s3 } from 'aws-cdk-lib';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type Construct } from 'constructs';
import {
  STREAMING_ANOMALY_SERVICE,
  DEAD_LETTER_PREFIX,
  DEFAULT_MAX_STATE_BYTES,
  STREAMING_ANOMALY_ENV as ENV,
} from '../../../lambdas/streaming-anomaly/contract';
import { FailureQueue } from '../../shared/failure-queue';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { lambdaEntry } from '../../shared/paths';

/** Props of {@link createAggregator}. */
export interface AggregatorProps {
  readonly inputStream: kinesis.IStream;
  readonly processedStream: kinesis.IStream;
  readonly windowSeconds: number;
  readonly retentionHours: number;
  readonly batchSize: number;
  readonly retryAttempts: number;
  readonly publishCountMetrics: boolean;
  readonly maxStateBytes?: number;
  /** Bucket whose `dead-letter/aggregator/` prefix keeps the records the aggregator cannot use. */
  readonly deadLetterBucket: s3.IBucket;
  /** Newest accepted event time after a record's arrival, in seconds. */
  readonly maxClockSkewSeconds: number;
}

/**
 * Aggregation: a tumbling-window function (`AggregateWindow`) on the input stream writes one row per camera per window
 * to the processed stream; records it cannot use go to `dead-letter/aggregator/` in the bucket; failed batches are
 * bisected, retried and then described in `AggregateFailures`.
 */
export function createAggregator(
  scope: Construct,
  props: AggregatorProps,
): { fn: HandlerFunction; failures: FailureQueue } {
  const fn = new HandlerFunction(scope, 'AggregateWindow', {
    entry: lambdaEntry('streaming-anomaly/aggregate-window.ts'),
    invocation: 'event-source',
    serviceName: STREAMING_ANOMALY_SERVICE.AGGREGATOR,
    description: 'Counts distinct person and car track ids per camera per window (tumbling window)',
    timeout: Duration.minutes(1),
    memorySize: 512,
  })
    .bind(ENV.PROCESSED_STREAM, props.processedStream.streamName, (g) => props.processedStream.grantWrite(g))
    .bind(ENV.DEAD_LETTER_BUCKET, props.deadLetterBucket.bucketName, (g) =>
      grantObjects(props.deadLetterBucket, g, 'write', `${DEAD_LETTER_PREFIX.AGGREGATOR}*`),
    );
  fn.addEnvironment(ENV.WINDOW_SECONDS, String(props.windowSeconds));
  // Events older than the input stream's retention, or further ahead of arrival than the skew, are set aside.
  fn.addEnvironment(ENV.MAX_EVENT_AGE_SECONDS, String(props.retentionHours * 3600));
  fn.addEnvironment(ENV.MAX_CLOCK_SKEW_SECONDS, String(props.maxClockSkewSeconds));
  fn.addEnvironment(ENV.PUBLISH_COUNT_METRICS, String(props.publishCountMetrics));
  fn.addEnvironment(ENV.MAX_STATE_BYTES, String(props.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES));
  const failures = new FailureQueue(scope, 'AggregateFailures', {
    purpose: 'the on-failure destination of the aggregator event source mapping',
  });
  fn.addEventSource(
    new KinesisEventSource(props.inputStream, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize,
      maxBatchingWindow: Duration.seconds(5),
      tumblingWindow: Duration.seconds(props.windowSeconds),
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts,
      // Lambda allows at most 7 days; records older than that (or than the retention) are not worth counting late.
      maxRecordAge: Duration.hours(Math.min(props.retentionHours, 7 * 24)),
      onFailure: new SqsDlq(failures),
    }),
  );
  return { fn, failures };
}
