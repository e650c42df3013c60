import { Duration, type aws_events as events, aws_events_targets as targets, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type HandlerFunction } from './handler-function';

/** Options of {@link functionTarget}. */
export interface FunctionTargetOptions {
  /** @default 4 */
  readonly retryAttempts?: number;
  /** @default Duration.hours(6) */
  readonly maxEventAge?: Duration;
}

/**
 * An EventBridge rule target that invokes a house function with bounded retries (4, for at most 6 hours) and then
 * puts the event in the function's dead-letter queue (`invocation: 'async'` functions have one).
 */
export function functionTarget(fn: HandlerFunction, options: FunctionTargetOptions = {}): targets.LambdaFunction {
  return new targets.LambdaFunction(fn, {
    retryAttempts: options.retryAttempts ?? 4,
    maxEventAge: options.maxEventAge ?? Duration.hours(6),
    deadLetterQueue: fn.deadLetterQueue,
  });
}

/**
 * The EventBridge pattern of S3 "Object Created" events of one bucket (the bucket publishes to EventBridge:
 * `SecureBucket` `eventBridgeEnabled`), for keys with a prefix or a suffix.
 */
export function objectCreatedPattern(
  bucket: s3.IBucket,
  key: { prefix: string } | { suffix: string },
): events.EventPattern {
  return {
    source: ['aws.s3'],
    detailType: ['Object Created'],
    detail: { bucket: { name: [bucket.bucketName] }, object: { key: [key] } },
  };
}
