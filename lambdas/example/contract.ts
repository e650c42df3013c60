/** Environment variables of the example JSON-lines inspector (shared by the construct and the handler). */
export const EXAMPLE_ENV = {
  /** Bucket that receives the uploads and the summaries. */
  BUCKET: 'EXAMPLE_BUCKET',
} as const;

/** Key prefix of uploads the inspector reads. */
export const EXAMPLE_INCOMING_PREFIX = 'incoming/';
/** Key prefix of the summaries it writes. */
export const EXAMPLE_SUMMARY_PREFIX = 'summaries/';

/** Powertools service names: the `service` dimension of the metrics a function publishes. */
export const EXAMPLE_SERVICE = {
  /** The JSON-lines inspector (`inspect-upload.ts`). */
  INSPECT_UPLOAD: 'inspect-upload',
} as const;

/** Metric names published by the inspector (namespace `MlWorkflows`, dimension `service`). */
export const EXAMPLE_METRICS = {
  LINES: 'JsonLines',
  INVALID_LINES: 'InvalidJsonLines',
} as const;
