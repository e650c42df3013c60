import { z } from 'zod';
import { DEFAULT_CATEGORIES } from '../../lambdas/active-learning/contract';
import { A2I_CONTENT_CLASSIFIERS, REVIEW_BACKEND_KINDS } from '../../lambdas/review/contract';
import { arn, bool, int, modeVariants, num, requiredString, stringList, withDefaultMode } from './schema-helpers';

const categoryName = z
  .string()
  .min(1, 'expected a non-empty category')
  .max(100, 'expected a category of at most 100 characters')
  .regex(/^[^|,\r\n"]+$/, 'expected a category without "|", ",", quotes or line breaks');

const classifierName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'expected 1-63 letters, digits, "_", "." or "-", starting with a letter or digit',
  )
  .default('default');

const classifierModes = modeVariants('activeLearning.classifier', 'mode', 'ssm-parameter', {
  /**
   * The endpoint ARN of classifier `x` is read from the SSM parameter `<parameterPrefix>/x` (cached `cacheSeconds`);
   * the stack creates the parameter of `name` holding a placeholder, so the first deployment works with no training
   * data and no endpoint, and a retraining workflow can switch endpoints live by updating it.
   */
  'ssm-parameter': {
    mode: z.literal('ssm-parameter'),
    /** Name of the classifier (the `classifier` field of requests). */
    name: classifierName,
    /** Parameter path prefix. Default `/<stack name>/classifier-endpoints`. */
    parameterPrefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'expected an SSM parameter path such as /ml/classifier-endpoints')
      .optional(),
    /** Seconds the classify function caches a parameter value. */
    cacheSeconds: int({ min: 0, max: 3600 }).default(60),
  },
  /** One classifier served by the fixed, existing endpoint `endpointArn`. */
  'endpoint-arn': {
    mode: z.literal('endpoint-arn'),
    name: classifierName,
    /** The endpoint ARN. */
    endpointArn: arn('comprehend', 'document-classifier-endpoint/', 'activeLearning.classifier.mode is endpoint-arn'),
  },
  /** The stack trains a classifier from `trainingDataUri` and creates its endpoint. */
  create: {
    mode: z.literal('create'),
    name: classifierName,
    /** S3 URI (file or prefix) of the Comprehend training CSV. */
    trainingDataUri: requiredString('activeLearning.classifier.mode is create').regex(
      /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
      'expected s3://bucket/key-or-prefix',
    ),
    /** Language of the documents. */
    languageCode: z.enum(['en', 'es', 'fr', 'de', 'it', 'pt']).default('en'),
    /** Inference units of the endpoint (each unit is billed by the second). */
    inferenceUnits: int({ min: 1, max: 100 }).default(1),
  },
});

/**
 * Where the classify API finds the Comprehend endpoint of a classifier: `mode` (default `ssm-parameter`) decides
 * which other keys apply; a key of another mode, or a missing `endpointArn` / `trainingDataUri`, is reported with every
 * other problem.
 */
export const classifierConfigSchema = withDefaultMode(
  'mode',
  'ssm-parameter',
  z.discriminatedUnion('mode', [
    classifierModes['ssm-parameter'],
    classifierModes['endpoint-arn'],
    classifierModes.create,
  ]),
);

/** Validated classifier configuration (one of the three modes). */
export type ClassifierConfig = z.infer<typeof classifierConfigSchema>;

/** Amazon A2I settings (review back end `a2i`). */
export const a2iConfigSchema = z
  .object({
    /** Existing private workteam. Default: the stack creates a Cognito user pool, a private workforce and a workteam. */
    workteamArn: arn('sagemaker', 'workteam/').optional(),
    /** Workers per review (A2I `TaskCount`, 1-3); with several, answers are consolidated by majority vote. */
    workersPerReview: int({ min: 1, max: 3 }).default(1),
    /** Seconds a worker has to finish a review. */
    taskTimeLimitSeconds: int({ min: 30, max: 28800 }).default(3600),
    /** Seconds a review stays available to workers (at most 10 days). */
    taskAvailabilitySeconds: int({ min: 60, max: 864000 }).default(864000),
    /** `ContentClassifiers` declared on every loop; declare only what you know of your feedback text. */
    contentClassifiers: stringList(z.enum(A2I_CONTENT_CLASSIFIERS)).default([]),
  })
  .strict();

/** API settings. */
export const apiConfigSchema = z
  .object({
    /** Requests per month allowed to the API key (usage plan quota). */
    quotaPerMonth: int({ min: 1, max: 1_000_000_000 }).default(2000),
    /** Steady-state requests per second (usage plan and stage throttling). */
    rateLimit: num({ min: 1, max: 10000 }).default(10),
    /** Burst of requests (usage plan and stage throttling). */
    burstLimit: int({ min: 1, max: 5000 }).default(20),
    /** Origins allowed by CORS, e.g. `https://app.example.com`. Empty: no CORS. */
    allowedOrigins: stringList(
      z.string().regex(/^https?:\/\/[^/*\s]+$/, 'expected an origin such as https://app.example.com (no wildcard)'),
    ).default([]),
  })
  .strict();

/** Configuration of the active-learning feedback loop (`activeLearning` in context). */
export const activeLearningConfigSchema = z
  .object({
    /** Deploy the active-learning stack. */
    enabled: bool().default(true),
    /** Classifier endpoint. */
    classifier: classifierConfigSchema.prefault({}),
    /** Classifications scoring below this write implicit feedback (0-1). */
    threshold: num({ min: 0, max: 1 }).default(0.5),
    /** Categories reviewers choose from (the classifier's labels). */
    categories: stringList(categoryName)
      .refine((l) => l.length > 0, 'expected at least one category')
      .refine((l) => new Set(l).size === l.length, 'expected distinct categories')
      .default([...DEFAULT_CATEGORIES]),
    /** The classifier is multi-label: reviewers may choose several categories (`A|B` in training data). */
    multiLabel: bool().default(false),
    /** Items per human review. */
    maxItemsPerReview: int({ min: 1, max: 100 }).default(10),
    /**
     * Human-review back end: `portal` (the self-hosted review portal stack; works in any account) or `a2i` (Amazon
     * A2I, for accounts that still have access: A2I is closed to new customers).
     */
    review: z.enum(REVIEW_BACKEND_KINDS).default('portal'),
    /** Amazon A2I settings. */
    a2i: a2iConfigSchema.prefault({}),
    /** API settings. */
    api: apiConfigSchema.prefault({}),
    /** Seconds Firehose buffers feedback before writing an object (0-900). */
    feedbackBufferSeconds: int({ min: 0, max: 900 }).default(60),
    /** Days after which batch uploads and their reports expire. */
    uploadExpireAfterDays: int({ min: 1, max: 3650 }).default(90),
  })
  .strict();

/** Validated active-learning configuration. */
export type ActiveLearningConfig = z.infer<typeof activeLearningConfigSchema>;
