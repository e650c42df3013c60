/**
 * Names shared by the active-learning construct (CDK side) and its handlers: environment variables, S3 key
 * prefixes, metric names and limits. Zero imports: the CDK app imports this file.
 */

/** Environment variables of the active-learning handlers. */
export const ACTIVE_LEARNING_ENV = {
  /** How the classify handler finds the endpoint: `endpoint-arn` or `ssm-parameter`. */
  ENDPOINT_MODE: 'AL_ENDPOINT_MODE',
  /** `endpoint-arn` mode: JSON object `{ "<classifier name>": "<endpoint ARN>" }`. */
  ENDPOINTS: 'AL_ENDPOINTS',
  /** `ssm-parameter` mode: parameter path prefix; the endpoint of classifier `x` is in `<prefix>/x`. */
  ENDPOINT_PARAMETER_PREFIX: 'AL_ENDPOINT_PARAMETER_PREFIX',
  /** `ssm-parameter` mode: seconds a parameter value is cached. */
  ENDPOINT_CACHE_SECONDS: 'AL_ENDPOINT_CACHE_SECONDS',
  /** Scores below this write implicit feedback (0–1). */
  THRESHOLD: 'AL_THRESHOLD',
  /** Firehose delivery stream that receives every feedback record. */
  DELIVERY_STREAM: 'AL_DELIVERY_STREAM',
  /** Comma-separated origins allowed by CORS (empty: none). */
  ALLOWED_ORIGINS: 'AL_ALLOWED_ORIGINS',
  /** Comma-separated review categories (labels reviewers choose from). */
  CATEGORIES: 'AL_CATEGORIES',
  /** `true` when the classifier is multi-label. */
  MULTI_LABEL: 'AL_MULTI_LABEL',
  /** Bucket of batch-feedback uploads (error reports and markers are written there too). */
  UPLOAD_BUCKET: 'AL_UPLOAD_BUCKET',
  /** Bucket of feedback objects, review batches, failures and training data. */
  DATA_BUCKET: 'AL_DATA_BUCKET',
  /** Maximum items per human review (loop). */
  MAX_ITEMS_PER_REVIEW: 'AL_MAX_ITEMS_PER_REVIEW',
} as const;

/** Endpoint resolution modes of the classify handler. */
export const ENDPOINT_MODES = ['endpoint-arn', 'ssm-parameter'] as const;

/** Value the stack writes into a classifier endpoint parameter it creates: "not configured yet". */
export const ENDPOINT_PLACEHOLDER = 'arn:aws:comprehend:region:000000000000:document-classifier-endpoint/replace-me';

/** Key prefixes in the data bucket. */
export const DATA_PREFIX = {
  /** Firehose output: newline-delimited feedback records. */
  FEEDBACK: 'feedback/',
  /** Firehose error output. */
  FEEDBACK_ERRORS: 'feedback-errors/',
  /** The input of every review batch (`<batch id>.json`), kept to report failed reviews. */
  REVIEW_BATCHES: 'review-batches/',
  /** A2I output (`<flow definition>/<yyyy>/…/<loop>/output.json`). */
  REVIEW_OUTPUT: 'review-output/',
  /** Reports of failed or stopped reviews and of unresolved (tied) items. */
  REVIEW_REPORTS: 'review-reports/',
  /** Comprehend training CSV written from reviewed answers: `training-data/<classifier>/<yyyy>/<mm>/<dd>/<loop>.csv`. */
  TRAINING_DATA: 'training-data/',
  /**
   * Records a handler could not use, kept for recovery: `dead-letter/<source>/<yyyy>/<MM>/<dd>/<HH>/<digest>.jsonl`,
   * one JSON object per record `{reason, data (base64 of the bytes received), source, recordedAt}`.
   */
  DEAD_LETTER: 'dead-letter/',
} as const;

/** Dead-letter prefixes in the data bucket, one per kind of record (each under {@link DATA_PREFIX.DEAD_LETTER}). */
export const DEAD_LETTER_PREFIX = {
  /** Implicit feedback that Firehose did not accept (the classification was answered). */
  IMPLICIT_FEEDBACK: 'dead-letter/implicit-feedback/',
  /** Feedback lines the review starter cannot read or cannot fit into a review. */
  FEEDBACK_RECORDS: 'dead-letter/feedback-records/',
} as const;

/** Key prefixes in the upload bucket. */
export const UPLOAD_PREFIX = {
  /** Error reports of malformed uploads: `errors/<upload key>.errors.jsonl`. */
  ERRORS: 'errors/',
  /** Markers of processed uploads: `processed/<upload key>/<version or etag>.done`. */
  PROCESSED: 'processed/',
} as const;

/**
 * Powertools service names of the active-learning functions: `POWERTOOLS_SERVICE_NAME` of each, and the `service`
 * dimension of every metric it publishes (dashboards and alarms name it).
 */
export const ACTIVE_LEARNING_SERVICE = {
  CLASSIFY: 'active-learning-classify',
  FEEDBACK: 'active-learning-feedback',
  BATCH_FEEDBACK: 'active-learning-batch-feedback',
  START_REVIEW: 'active-learning-start-review',
  CONSOLIDATE_REVIEW: 'active-learning-consolidate',
  /** The A2I flow definition custom resource (create, replace, delete). */
  FLOW_DEFINITION: 'flow-definition-handler',
  /** The A2I flow definition custom resource's completeness check. */
  FLOW_DEFINITION_STATUS: 'flow-definition-status',
} as const;

/** Metric names (namespace `MlWorkflows`, dimension `service` from {@link ACTIVE_LEARNING_SERVICE}). */
export const ACTIVE_LEARNING_METRICS = {
  CLASSIFICATIONS: 'Classifications',
  LOW_CONFIDENCE: 'LowConfidenceClassifications',
  IMPLICIT_FEEDBACK_FAILED: 'ImplicitFeedbackFailed',
  EXPLICIT_FEEDBACK: 'ExplicitFeedback',
  BATCH_RECORDS_SENT: 'BatchFeedbackRecordsSent',
  BATCH_RECORDS_REJECTED: 'BatchFeedbackRecordsRejected',
  MALFORMED_UPLOADS: 'MalformedFeedbackUploads',
  FIREHOSE_CALLS: 'FirehosePutRecordBatchCalls',
  REVIEWS_STARTED: 'ReviewsStarted',
  REVIEWS_ALREADY_STARTED: 'ReviewsAlreadyStarted',
  REVIEW_ITEMS: 'ReviewItems',
  REVIEWS_COMPLETED: 'ReviewsCompleted',
  REVIEWS_FAILED: 'ReviewsFailed',
  TRAINING_ROWS: 'TrainingRowsWritten',
  UNRESOLVED_ITEMS: 'UnresolvedReviewItems',
  /** Records set aside under `dead-letter/` (alarmed: each one needs a person to look at it). */
  DEAD_LETTERED_RECORDS: 'FeedbackRecordsDeadLettered',
  /** Feedback records dropped because their `recordId` was already seen in the same object (re-sent records). */
  REDELIVERED_RECORDS: 'FeedbackRecordsRedelivered',
  /** Review answers ignored by consolidation (invalid label, or no item with that index); listed in the report. */
  IGNORED_ANSWERS: 'ReviewAnswersIgnored',
} as const;

/** Limits of the services the loop talks to. */
export const LIMITS = {
  /** Firehose PutRecordBatch: records per call. */
  FIREHOSE_BATCH_RECORDS: 500,
  /** Firehose PutRecordBatch: bytes per call (4 MiB). */
  FIREHOSE_BATCH_BYTES: 4 * 1024 * 1024,
  /**
   * Firehose: bytes of data per record before base64 encoding (1,000 KiB). Source of the three Firehose limits: Amazon
   * Data Firehose API Reference, `PutRecordBatch` and `Record`.
   */
  FIREHOSE_RECORD_BYTES: 1000 * 1024,
  /**
   * Comprehend `ClassifyDocument` on a custom classifier endpoint, plain text: a UTF-8 text document of at most 10 KB,
   * one page of at most 10,000 characters (Amazon Comprehend Developer Guide, "Inputs for real-time custom
   * analysis"). Checked as 10,000 UTF-8 bytes, which keeps both.
   */
  UTTERANCE_BYTES: 10_000,
  /** A2I StartHumanLoop `InputContent`: characters. */
  A2I_INPUT_CONTENT_CHARS: 3_145_728,
  /**
   * DynamoDB item size: 400 KB (409,600 bytes: attribute names plus values, UTF-8), Amazon DynamoDB Developer Guide,
   * "Constraints". The review portal stores a review batch as one item.
   */
  DYNAMODB_ITEM_BYTES: 400 * 1024,
  /**
   * UTF-8 bytes of one review's serialized input: the review portal keeps a task's input in one DynamoDB item and
   * accepts at most 300,000 bytes of it (room under {@link LIMITS.DYNAMODB_ITEM_BYTES} for answers and leases); far
   * under A2I's {@link LIMITS.A2I_INPUT_CONTENT_CHARS}, so one bound serves both back ends.
   */
  REVIEW_INPUT_BYTES: 300_000,
  /** Human loop / flow definition names. */
  A2I_NAME_LENGTH: 63,
} as const;

/**
 * Longest classifier name in requests, records and SSM parameter names (characters): {@link CLASSIFIER_NAME_PATTERN}
 * allows 1 + 62. The API model (`lib/constructs/active-learning/api.ts`) and the handler's schema both use it.
 */
export const MAX_CLASSIFIER_NAME_LENGTH = 63;

/** Longest `expectedLabel` / `prediction` in a `POST /feedback` request (characters): the API model and the handler's schema. */
export const MAX_LABEL_LENGTH = 5000;

/** Longest `requestId` in a `POST /feedback` request (characters): the API model and the handler's schema. */
export const MAX_REQUEST_ID_LENGTH = 256;

/** Pattern of a classifier name in requests, records and SSM parameter names. */
export const CLASSIFIER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Default review categories: a generic customer-message taxonomy; configure your classifier's labels instead. */
export const DEFAULT_CATEGORIES = ['BILLING', 'TECHNICAL_ISSUE', 'ACCOUNT', 'PRODUCT_FEEDBACK', 'OTHER'] as const;
