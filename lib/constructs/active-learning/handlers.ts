import { Duration, aws_events as events, aws_iam as iam, type aws_kinesisfirehose as firehose } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  ACTIVE_LEARNING_ENV,
  ACTIVE_LEARNING_SERVICE,
  DATA_PREFIX,
  DEAD_LETTER_PREFIX,
  UPLOAD_PREFIX,
} from '../../../lambdas/active-learning/contract';
import { functionTarget, objectCreatedPattern } from '../../shared/events';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { lambdaEntry } from '../../shared/paths';
import { type IReviewBackend } from '../../shared/review-backend';
import { type SecureBucket } from '../../shared/secure-bucket';
import { type ClassifierEndpoint } from './classifier-endpoint';

/** Grant `firehose:PutRecord`/`PutRecordBatch` on exactly the feedback stream. */
function grantPut(stream: firehose.CfnDeliveryStream, action: string) {
  return (grantee: iam.IGrantable) =>
    iam.Grant.addToPrincipal({ grantee, actions: [action], resourceArns: [stream.attrArn] });
}

/** Props of {@link createApiFunctions}. */
export interface ApiFunctionsProps {
  readonly stream: firehose.CfnDeliveryStream;
  readonly classifier: ClassifierEndpoint;
  readonly threshold: number;
  readonly categories: readonly string[];
  readonly allowedOrigins: readonly string[];
  /** Bucket whose `dead-letter/implicit-feedback/` keeps implicit feedback Firehose refused. */
  readonly dataBucket: SecureBucket;
}

/**
 * `Classify` (Comprehend `ClassifyDocument`, implicit feedback; what Firehose refuses goes to
 * `dead-letter/implicit-feedback/`) and `Feedback` (explicit feedback) behind the API.
 */
export function createApiFunctions(
  scope: Construct,
  props: ApiFunctionsProps,
): { classify: HandlerFunction; feedback: HandlerFunction } {
  const origins = props.allowedOrigins.join(',');
  const classify = new HandlerFunction(scope, 'Classify', {
    entry: lambdaEntry('active-learning/classify.ts'),
    invocation: 'sync',
    serviceName: ACTIVE_LEARNING_SERVICE.CLASSIFY,
    description: 'POST /classify: Comprehend ClassifyDocument; low-confidence answers become implicit feedback',
    timeout: Duration.seconds(10),
    environment: {
      [ACTIVE_LEARNING_ENV.THRESHOLD]: String(props.threshold),
      [ACTIVE_LEARNING_ENV.ALLOWED_ORIGINS]: origins,
    },
  })
    .bind(ACTIVE_LEARNING_ENV.DELIVERY_STREAM, props.stream.ref, grantPut(props.stream, 'firehose:PutRecord'))
    .bind(ACTIVE_LEARNING_ENV.DATA_BUCKET, props.dataBucket.bucketName, (g) =>
      grantObjects(props.dataBucket, g, 'write', `${DEAD_LETTER_PREFIX.IMPLICIT_FEEDBACK}*`),
    );
  props.classifier.bind(classify);
  const feedback = new HandlerFunction(scope, 'Feedback', {
    entry: lambdaEntry('active-learning/feedback.ts'),
    invocation: 'sync',
    serviceName: ACTIVE_LEARNING_SERVICE.FEEDBACK,
    description: 'POST /feedback: one explicit-feedback record to Firehose',
    timeout: Duration.seconds(10),
    environment: {
      [ACTIVE_LEARNING_ENV.CATEGORIES]: props.categories.join(','),
      [ACTIVE_LEARNING_ENV.ALLOWED_ORIGINS]: origins,
    },
  }).bind(ACTIVE_LEARNING_ENV.DELIVERY_STREAM, props.stream.ref, grantPut(props.stream, 'firehose:PutRecord'));
  return { classify, feedback };
}

/**
 * `BatchFeedback`: validates each batch-feedback upload (`*.json`, S3 → EventBridge `UploadCreated`), fans it out to
 * Firehose with `PutRecordBatch`, writes error reports under `errors/`, and progress objects (what Firehose accepted,
 * so a retry resends only the rest) and processed markers under `processed/`.
 */
export function createBatchFeedback(
  scope: Construct,
  stream: firehose.CfnDeliveryStream,
  uploadBucket: SecureBucket,
): HandlerFunction {
  const fn = new HandlerFunction(scope, 'BatchFeedback', {
    entry: lambdaEntry('active-learning/batch-feedback.ts'),
    invocation: 'async',
    serviceName: ACTIVE_LEARNING_SERVICE.BATCH_FEEDBACK,
    description: 'Validates batch-feedback uploads and fans them out to Firehose (PutRecordBatch)',
    timeout: Duration.minutes(15),
    memorySize: 1024,
  })
    .bind(ACTIVE_LEARNING_ENV.DELIVERY_STREAM, stream.ref, grantPut(stream, 'firehose:PutRecordBatch'))
    .bind(ACTIVE_LEARNING_ENV.UPLOAD_BUCKET, uploadBucket.bucketName, (g) => {
      grantObjects(uploadBucket, g, 'read', '*', true);
      grantObjects(uploadBucket, g, 'write', `${UPLOAD_PREFIX.ERRORS}*`);
      grantObjects(uploadBucket, g, 'write', `${UPLOAD_PREFIX.PROCESSED}*`);
    });
  new events.Rule(scope, 'UploadCreated', {
    description: 'Batch-feedback upload (*.json) created',
    eventPattern: objectCreatedPattern(uploadBucket, { suffix: '.json' }),
    targets: [functionTarget(fn)],
  });
  return fn;
}

/** Props of {@link createReviewFunctions}. */
export interface ReviewFunctionsProps {
  readonly dataBucket: SecureBucket;
  readonly backend: IReviewBackend;
  readonly categories: readonly string[];
  readonly multiLabel: boolean;
  readonly maxItemsPerReview: number;
}

/**
 * Human review: `StartReview` groups each delivered feedback object (`FeedbackDelivered`) into review batches and hands
 * them to the back end; `ConsolidateReview` turns each finished review (`ReviewFinished`, the back end's completion
 * events) into Comprehend training CSV, and reports failed reviews.
 */
export function createReviewFunctions(
  scope: Construct,
  props: ReviewFunctionsProps,
): { startReview: HandlerFunction; consolidate: HandlerFunction } {
  const { dataBucket } = props;
  const startReview = new HandlerFunction(scope, 'StartReview', {
    entry: lambdaEntry('active-learning/start-review.ts'),
    invocation: 'async',
    serviceName: ACTIVE_LEARNING_SERVICE.START_REVIEW,
    description: 'Groups new feedback into review batches and hands them to the review back end',
    timeout: Duration.minutes(5),
    environment: {
      [ACTIVE_LEARNING_ENV.CATEGORIES]: props.categories.join(','),
      [ACTIVE_LEARNING_ENV.MULTI_LABEL]: String(props.multiLabel),
      [ACTIVE_LEARNING_ENV.MAX_ITEMS_PER_REVIEW]: String(props.maxItemsPerReview),
    },
  }).bind(ACTIVE_LEARNING_ENV.DATA_BUCKET, dataBucket.bucketName, (g) => {
    grantObjects(dataBucket, g, 'read', `${DATA_PREFIX.FEEDBACK}*`);
    grantObjects(dataBucket, g, 'write', `${DATA_PREFIX.REVIEW_BATCHES}*`);
    grantObjects(dataBucket, g, 'write', `${DEAD_LETTER_PREFIX.FEEDBACK_RECORDS}*`);
  });
  props.backend.bindStarter(startReview);

  const consolidate = new HandlerFunction(scope, 'ConsolidateReview', {
    entry: lambdaEntry('active-learning/consolidate-review.ts'),
    invocation: 'async',
    serviceName: ACTIVE_LEARNING_SERVICE.CONSOLIDATE_REVIEW,
    description: 'Turns finished reviews into Comprehend training CSV; reports failed reviews',
    timeout: Duration.minutes(2),
  }).bind(ACTIVE_LEARNING_ENV.DATA_BUCKET, dataBucket.bucketName, (g) => {
    grantObjects(dataBucket, g, 'read', `${DATA_PREFIX.REVIEW_BATCHES}*`, true);
    grantObjects(dataBucket, g, 'write', `${DATA_PREFIX.TRAINING_DATA}*`);
    grantObjects(dataBucket, g, 'write', `${DATA_PREFIX.REVIEW_REPORTS}*`);
  });
  props.backend.grantReadOutput(consolidate);

  new events.Rule(scope, 'FeedbackDelivered', {
    description: 'Firehose delivered a feedback object',
    eventPattern: objectCreatedPattern(dataBucket, { prefix: DATA_PREFIX.FEEDBACK }),
    targets: [functionTarget(startReview)],
  });
  new events.Rule(scope, 'ReviewFinished', {
    description: 'A human review completed, failed or stopped',
    eventPattern: props.backend.completionEventPattern,
    targets: [functionTarget(consolidate)],
  });
  return { startReview, consolidate };
}
