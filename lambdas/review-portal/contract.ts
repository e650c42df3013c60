/**
 * Names shared by the review portal's CDK construct, its Lambda handlers, the web page's local test adapter and the
 * `mlw review` CLI. Zero imports: the CDK app may import this file.
 */

/** Environment variables of the review portal's functions. */
export const REVIEW_PORTAL_ENV = {
  /** DynamoDB task table. */
  TASK_TABLE: 'REVIEW_PORTAL_TASK_TABLE',
  /** Answers each task needs before it completes (a task may override it with `requiredAnswers`). */
  REVIEWERS_PER_ITEM: 'REVIEW_PORTAL_REVIEWERS_PER_ITEM',
  /** Lease length in seconds: how long a claimed task stays reserved for its reviewer. */
  LEASE_SECONDS: 'REVIEW_PORTAL_LEASE_SECONDS',
  /** Tasks older than this many seconds count as waiting too long (metric and alarm). */
  MAX_TASK_AGE_SECONDS: 'REVIEW_PORTAL_MAX_TASK_AGE_SECONDS',
  /** Days a completed task is kept in the table (DynamoDB TTL) before it expires. */
  RETENTION_DAYS: 'REVIEW_PORTAL_RETENTION_DAYS',
  /** Bucket of the A2I-shaped `output.json` results. */
  OUTPUT_BUCKET: 'REVIEW_PORTAL_OUTPUT_BUCKET',
  /** Key prefix of results (ends with `/` or is empty). */
  OUTPUT_PREFIX: 'REVIEW_PORTAL_OUTPUT_PREFIX',
  /** The portal's name: the path segment A2I would use for the flow definition name. */
  PORTAL_NAME: 'REVIEW_PORTAL_NAME',
  /** The portal's identifier, written as `flowDefinitionArn` in outputs and completion events. */
  PORTAL_ID: 'REVIEW_PORTAL_ID',
  /** EventBridge bus that receives completion events. */
  EVENT_BUS: 'REVIEW_PORTAL_EVENT_BUS',
  /** Comma-separated origins allowed to call the API from a browser (CORS). */
  ALLOWED_ORIGINS: 'REVIEW_PORTAL_ALLOWED_ORIGINS',
  /** Cognito group whose members may review. */
  REVIEWER_GROUP: 'REVIEW_PORTAL_REVIEWER_GROUP',
  /**
   * Comma-separated buckets whose images the page may show (image tasks): the administrator's configuration. An image
   * in any other bucket gets no URL. The functions that answer with task views may read exactly these buckets.
   */
  IMAGE_BUCKETS: 'REVIEW_PORTAL_IMAGE_BUCKETS',
} as const;

/** Seconds a presigned image URL stays valid: long enough to load the image, short enough not to outlive a lease. */
export const IMAGE_URL_SECONDS = 300;

/** Cognito group of reviewers. */
export const REVIEWER_GROUP = 'reviewers';

/** Attribute names and index of the task table. */
export const TASK_TABLE = {
  PARTITION_KEY: 'taskId',
  /** Sparse index of open tasks, oldest first: partition `queue` (= {@link OPEN_QUEUE}), sort `createdAt`. */
  QUEUE_INDEX: 'ByQueue',
  QUEUE_KEY: 'queue',
  QUEUE_SORT_KEY: 'createdAt',
  /** DynamoDB TTL attribute (epoch seconds), set when a task completes. */
  TTL_ATTRIBUTE: 'expiresAt',
} as const;

/** Value of the `queue` attribute while a task is open (removed when it completes, so it leaves the index). */
export const OPEN_QUEUE = 'open';

/** Attributes projected into the queue index (besides the keys): what a claim needs to pick a task. */
export const QUEUE_INDEX_ATTRIBUTES = [
  'version',
  'leases',
  'answeredBy',
  'requiredAnswers',
  'status',
  'skippedBy',
] as const;

/** Metric names published by the portal (namespace `MlWorkflows`, dimensions `service` and `portal`). */
export const REVIEW_PORTAL_METRICS = {
  /** Open tasks (not yet completed). */
  QUEUE_DEPTH: 'ReviewQueueDepth',
  /** Open tasks a reviewer is working on now (an unexpired lease). */
  LEASED_TASKS: 'ReviewTasksLeased',
  /** Age of the oldest open task, in seconds. */
  OLDEST_TASK_AGE: 'ReviewOldestTaskAgeSeconds',
  /** Open tasks older than the maximum age. */
  TASKS_WAITING_TOO_LONG: 'ReviewTasksWaitingTooLong',
  /** Answers recorded (one per reviewer per task). */
  ANSWERS_SUBMITTED: 'ReviewAnswersSubmitted',
  /** Tasks claimed. */
  TASKS_CLAIMED: 'ReviewTasksClaimed',
  /** Tasks completed (all answers in). */
  TASKS_COMPLETED: 'ReviewTasksCompleted',
  /** Results published (output.json written and completion event sent). */
  RESULTS_PUBLISHED: 'ReviewResultsPublished',
} as const;

/**
 * Powertools service names: the `service` dimension of every metric a function publishes. Every portal function
 * publishes under one name (`PORTAL`); the `portal` dimension (the task table) tells two portals apart.
 */
export const REVIEW_PORTAL_SERVICE = {
  PORTAL: 'review-portal',
} as const;

/** Error codes in 4xx answers that the web page turns into specific messages. */
export const REVIEW_ERROR_CODES = {
  LEASE_EXPIRED: 'LEASE_EXPIRED',
  NOT_LEASED: 'NOT_LEASED',
  ALREADY_ANSWERED: 'ALREADY_ANSWERED',
  TASK_COMPLETED: 'TASK_COMPLETED',
  INVALID_ANSWER: 'INVALID_ANSWER',
  NOT_A_REVIEWER: 'NOT_A_REVIEWER',
  NOT_FOUND: 'NOT_FOUND',
} as const;

/** One route of the review API: method, path (API Gateway syntax) and the handler file under lambdas/review-portal/. */
export interface ReviewRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handler: string;
  /** Construct id of the function. */
  readonly id: string;
}

/** The review API. The construct builds exactly these routes; the local test adapter routes by the same table. */
export const REVIEW_ROUTES: readonly ReviewRoute[] = [
  { method: 'POST', path: '/tasks/claim', handler: 'claim-task', id: 'ClaimTask' },
  { method: 'GET', path: '/tasks/{taskId}', handler: 'get-task', id: 'GetTask' },
  { method: 'POST', path: '/tasks/{taskId}/answers', handler: 'submit-answers', id: 'SubmitAnswers' },
  { method: 'POST', path: '/tasks/{taskId}/release', handler: 'release-task', id: 'ReleaseTask' },
  { method: 'GET', path: '/stats', handler: 'queue-stats', id: 'QueueStats' },
];

/**
 * Most answers one submission may carry: one per item of the task (`textCategory<index>`). The API model
 * (`lib/constructs/review-portal/api.ts`) refuses larger bodies before a function runs (a 40,000-field body was
 * answered with a 14.6 MB error once), so the portal refuses a task with more items than this: its answers could
 * never be submitted.
 */
export const MAX_ANSWERS_PER_SUBMISSION = 1000;
/** Most categories one multi-label answer may list (API model); a multi-label task offers at most this many. */
export const MAX_LABELS_PER_ANSWER = 100;
/** Longest category name in an answer, in characters (API model); a task's categories are at most this long. */
export const MAX_LABEL_LENGTH = 1000;

/**
 * The portal's name when none is configured: the path segment of its result keys (where A2I puts the flow definition
 * name) and the `portal` part of its outputs.
 */
export const DEFAULT_PORTAL_NAME = 'review-portal';

/** Pattern of task ids (the A2I human loop name rule). */
export const TASK_ID_PATTERN = '^[a-z0-9](-*[a-z0-9])*$';

/** Maximum length of a task id. */
export const TASK_ID_MAX_LENGTH = 63;

/** Name of the generated configuration file the web page reads at start-up. */
export const WEB_CONFIG_FILE = 'config.json';

/** The web page's configuration (`config.json`), written at deploy time. */
export interface WebConfig {
  /** Base URL of the review API (no trailing slash needed). */
  readonly apiUrl: string;
  readonly region?: string;
  readonly userPoolId?: string;
  readonly userPoolClientId?: string;
  /** Cognito domain, e.g. `https://review-xxx.auth.eu-west-1.amazoncognito.com`. */
  readonly cognitoDomain?: string;
}
