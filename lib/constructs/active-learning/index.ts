import {
  Duration,
  RemovalPolicy,
  type aws_apigateway as apigw,
  type aws_kinesisfirehose as firehose,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DATA_PREFIX, DEFAULT_CATEGORIES } from '../../../lambdas/active-learning/contract';
import { ConstructValidationError, validateExclusive, validateRange } from '../../shared/errors';
import { type HandlerFunction } from '../../shared/handler-function';
import { type WorkflowOperations } from '../../shared/operations';
import { type IReviewBackend } from '../../shared/review-backend';
import { SecureBucket } from '../../shared/secure-bucket';
import { A2iReview, type A2iReviewProps } from './a2i-review';
import { createClassifierApi } from './api';
import { ClassifierEndpoint, type ClassifierEndpointOptions } from './classifier-endpoint';
import { createLoopOperations } from './dashboard';
import { createFeedbackStream } from './feedback-stream';
import { createApiFunctions, createBatchFeedback, createReviewFunctions } from './handlers';

export { A2iReview, type A2iReviewProps } from './a2i-review';
export { classifyRequestSchema, feedbackRequestSchema } from './api';
export { ClassifierEndpoint, type ClassifierEndpointOptions } from './classifier-endpoint';

/** API options of {@link ActiveLearningLoop}. */
export interface ActiveLearningApiOptions {
  /**
   * Requests per month allowed to the API key.
   * @default 2000
   */
  readonly quotaPerMonth?: number;
  /**
   * Steady requests per second (usage plan and stage).
   * @default 10
   */
  readonly rateLimit?: number;
  /**
   * Request burst (usage plan and stage).
   * @default 20
   */
  readonly burstLimit?: number;
  /**
   * Origins allowed by CORS (exact origins, no wildcard).
   * @default none: no CORS headers and no preflight methods
   */
  readonly allowedOrigins?: readonly string[];
}

/** Props of {@link ActiveLearningLoop}. */
export interface ActiveLearningLoopProps {
  /**
   * Where the Comprehend endpoint comes from.
   * @default `{ mode: 'ssm-parameter' }`: an SSM parameter created with a placeholder (no manual step before the first deployment)
   */
  readonly classifier?: ClassifierEndpointOptions;
  /**
   * Classifications scoring below this write implicit feedback (0-1).
   * @default 0.5
   */
  readonly threshold?: number;
  /**
   * Categories reviewers choose from (the classifier's labels).
   * @default BILLING, TECHNICAL_ISSUE, ACCOUNT, PRODUCT_FEEDBACK, OTHER
   */
  readonly categories?: readonly string[];
  /**
   * Multi-label classifier: reviewers may choose several categories.
   * @default false
   */
  readonly multiLabel?: boolean;
  /**
   * Items per human review.
   * @default 10
   */
  readonly maxItemsPerReview?: number;
  /**
   * The human-review back end (A2I, or the review portal).
   * @default an {@link A2iReview} created here with `a2i`, writing under `review-output/` of the data bucket
   */
  readonly reviewBackend?: IReviewBackend;
  /**
   * Options of the A2I back end created when `reviewBackend` is not given.
   * @default A2iReview defaults
   */
  readonly a2i?: Omit<A2iReviewProps, 'outputBucket' | 'outputPrefix'>;
  /**
   * API options.
   * @default quota 2,000 requests a month, 10 requests/s, burst 20, no CORS
   */
  readonly api?: ActiveLearningApiOptions;
  /**
   * How long Firehose buffers feedback before writing an object (0-900 s).
   * @default Duration.seconds(60)
   */
  readonly feedbackBuffering?: Duration;
  /**
   * Expire batch uploads (and their reports and markers) after this long.
   * @default Duration.days(90)
   */
  readonly uploadExpiration?: Duration;
  /**
   * Topic for the workflow's alarms.
   * @default a new topic
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The active-learning feedback loop for a Comprehend custom classifier:
 * - `POST /classify` (Comprehend `ClassifyDocument`; low-confidence answers become implicit feedback) and
 *   `POST /feedback` (explicit feedback), behind an API key, usage plan, request validation and access logs;
 * - batch feedback files (`*.json`) uploaded to a bucket, validated and fanned out with `PutRecordBatch`;
 * - one Firehose stream writing every feedback record, newline-delimited, to the data bucket;
 * - human review of each feedback object through a pluggable {@link IReviewBackend} (A2I by default);
 * - reviewed answers consolidated by majority vote into Comprehend training CSV under `training-data/`;
 * - a dashboard and alarms (API 5xx, Firehose delivery, dead-letter queues, failed reviews, lost implicit feedback).
 */
export class ActiveLearningLoop extends Construct {
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** The API key the usage plan admits. */
  public readonly apiKey: apigw.IApiKey;
  /** The usage plan (quota and throttling). */
  public readonly usagePlan: apigw.UsagePlan;
  /** Feedback records, review batches and reports, review output (A2I) and training data. */
  public readonly dataBucket: SecureBucket;
  /** Batch-feedback uploads (`*.json`), their error reports and processed markers. */
  public readonly uploadBucket: SecureBucket;
  /** The feedback stream. */
  public readonly deliveryStream: firehose.CfnDeliveryStream;
  /** Classifier endpoint wiring. */
  public readonly classifier: ClassifierEndpoint;
  /** The review back end in use. */
  public readonly reviewBackend: IReviewBackend;
  /** Functions. */
  public readonly classifyFunction: HandlerFunction;
  public readonly feedbackFunction: HandlerFunction;
  public readonly batchFeedbackFunction: HandlerFunction;
  public readonly startReviewFunction: HandlerFunction;
  public readonly consolidateFunction: HandlerFunction;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;
  /** S3 URI prefix of the training data (`s3://<data bucket>/training-data/`). */
  public readonly trainingDataUri: string;
  /** The classifier is multi-label (training data `A|B,text`). */
  public readonly multiLabel: boolean;

  constructor(scope: Construct, id: string, props: ActiveLearningLoopProps = {}) {
    super(scope, id);
    const { categories, origins } = validate(this, props);
    const multiLabel = props.multiLabel ?? false;
    this.multiLabel = multiLabel;

    // Storage and the feedback stream (Firehose → data bucket).
    this.dataBucket = new SecureBucket(this, 'DataBucket', { eventBridgeEnabled: true });
    this.uploadBucket = new SecureBucket(this, 'UploadBucket', {
      eventBridgeEnabled: true,
      expireAfter: props.uploadExpiration ?? Duration.days(90),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.trainingDataUri = `s3://${this.dataBucket.bucketName}/${DATA_PREFIX.TRAINING_DATA}`;
    this.deliveryStream = createFeedbackStream(this, this.dataBucket, props.feedbackBuffering ?? Duration.seconds(60));

    // Classification and feedback.
    this.classifier = new ClassifierEndpoint(
      this,
      'Classifier',
      props.classifier?.mode === 'create'
        ? { ...props.classifier, multiLabel }
        : (props.classifier ?? { mode: 'ssm-parameter' }),
    );
    const api = createApiFunctions(this, {
      stream: this.deliveryStream,
      classifier: this.classifier,
      threshold: props.threshold ?? 0.5,
      categories,
      allowedOrigins: origins,
      dataBucket: this.dataBucket,
    });
    this.classifyFunction = api.classify;
    this.feedbackFunction = api.feedback;
    this.batchFeedbackFunction = createBatchFeedback(this, this.deliveryStream, this.uploadBucket);

    // Human review.
    this.reviewBackend =
      props.reviewBackend ??
      new A2iReview(this, 'A2iReview', {
        ...props.a2i,
        outputBucket: this.dataBucket,
        outputPrefix: DATA_PREFIX.REVIEW_OUTPUT,
      });
    const review = createReviewFunctions(this, {
      dataBucket: this.dataBucket,
      backend: this.reviewBackend,
      categories,
      multiLabel,
      maxItemsPerReview: props.maxItemsPerReview ?? 10,
    });
    this.startReviewFunction = review.startReview;
    this.consolidateFunction = review.consolidate;

    // API.
    const rest = createClassifierApi(this, {
      classifyFunction: this.classifyFunction,
      feedbackFunction: this.feedbackFunction,
      quotaPerMonth: props.api?.quotaPerMonth ?? 2000,
      rateLimit: props.api?.rateLimit ?? 10,
      burstLimit: props.api?.burstLimit ?? 20,
      allowedOrigins: origins,
    });
    this.api = rest.api;
    this.apiKey = rest.key;
    this.usagePlan = rest.plan;

    // Operations.
    this.operations = createLoopOperations(this, {
      api: this.api,
      deliveryStream: this.deliveryStream,
      alarmTopic: props.alarmTopic,
      dataBucket: this.dataBucket,
      functions: {
        Classify: this.classifyFunction,
        Feedback: this.feedbackFunction,
        BatchFeedback: this.batchFeedbackFunction,
        StartReview: this.startReviewFunction,
        ConsolidateReview: this.consolidateFunction,
      },
    });
  }
}

/** The validation block of {@link ActiveLearningLoop}; returns the categories and CORS origins to use. */
function validate(scope: Construct, props: ActiveLearningLoopProps): { categories: string[]; origins: string[] } {
  validateRange(scope, 'threshold', props.threshold, 0, 1);
  validateRange(scope, 'maxItemsPerReview', props.maxItemsPerReview, 1, 100);
  validateRange(scope, 'feedbackBuffering', props.feedbackBuffering?.toSeconds(), 0, 900, ' seconds');
  validateRange(scope, 'uploadExpiration', props.uploadExpiration?.toDays(), 1, 3650, ' days');
  validateRange(scope, 'api.quotaPerMonth', props.api?.quotaPerMonth, 1, 1_000_000_000);
  validateRange(scope, 'api.rateLimit', props.api?.rateLimit, 1, 10000);
  validateRange(scope, 'api.burstLimit', props.api?.burstLimit, 1, 5000);
  validateExclusive(scope, { reviewBackend: props.reviewBackend, a2i: props.a2i });
  const categories = [...(props.categories ?? DEFAULT_CATEGORIES)];
  if (categories.length === 0)
    throw new ConstructValidationError(scope, 'categories', categories, 'give at least one category');
  const badCategory = categories.find((c) => !/^[^|,\r\n"]{1,100}$/.test(c));
  if (badCategory !== undefined)
    throw new ConstructValidationError(
      scope,
      'categories',
      badCategory,
      'categories are 1-100 characters without "|", ",", quotes or line breaks',
    );
  if (new Set(categories).size !== categories.length)
    throw new ConstructValidationError(scope, 'categories', categories, 'categories must be distinct');
  const origins = [...(props.api?.allowedOrigins ?? [])];
  const badOrigin = origins.find((o) => !/^https?:\/\/[^/*\s]+$/.test(o));
  if (badOrigin !== undefined)
    throw new ConstructValidationError(
      scope,
      'api.allowedOrigins',
      badOrigin,
      'origins are exact, e.g. https://app.example.com (no wildcard, no path)',
    );
  if (
    props.classifier?.mode === 'create' &&
    props.classifier.multiLabel !== undefined &&
    props.classifier.multiLabel !== (props.multiLabel ?? false)
  ) {
    throw new ConstructValidationError(
      scope,
      'classifier.multiLabel',
      props.classifier.multiLabel,
      'must match multiLabel',
    );
  }
  return { categories, origins };
}
