import { z } from 'zod';
import { APPROVAL_MODES, RETRAINING_MODES, RT_DEFAULTS } from '../../lambdas/classifier-retraining/contract';
import { arn, bool, int, num } from './schema-helpers';

const s3Object = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'expected s3://bucket/key of a Comprehend CSV file');

/**
 * Configuration of the classifier-retraining workflow (`classifierRetraining` in context). It retrains the active-learning
 * loop's classifier, so it is deployed only with the loop (`activeLearning.enabled`).
 */
export const classifierRetrainingConfigSchema = z
  .object({
    /** Deploy the retraining stack (with the active-learning stack). */
    enabled: bool().default(true),
    /** `versions` (a new model version per run) or `flywheel` (a Comprehend flywheel). */
    mode: z.enum(RETRAINING_MODES).default('versions'),
    /** `manual`: a better candidate waits for `mlw retrain approve`; `auto`: it is deployed at once. */
    approval: z.enum(APPROVAL_MODES).default('manual'),
    /** EventBridge Scheduler expression that starts a run, or `off`. */
    schedule: z
      .string()
      .regex(/^(off|(rate|cron|at)\(.+\))$/, 'expected off or a Scheduler expression such as rate(7 days)')
      .default('rate(7 days)'),
    /** Base training set (Comprehend CSV) merged under the reviewed rows. */
    baseTrainingDataUri: s3Object.optional(),
    /** Frozen test set (Comprehend CSV, `TestS3Uri`): every version is scored on the same documents. */
    testDataUri: s3Object.optional(),
    /** Reviewed rows needed since the last promoted model before a run trains. */
    minNewRows: int({ min: 0, max: 1_000_000 }).default(RT_DEFAULTS.MIN_NEW_ROWS),
    /** The candidate's F1 (micro F1 for multi-label) must beat the current one by at least this (0-1). */
    minImprovement: num({ min: 0, max: 1 }).default(RT_DEFAULTS.MIN_IMPROVEMENT),
    /** The candidate's F1 must be at least this (0-1). */
    minF1: num({ min: 0, max: 1 }).default(RT_DEFAULTS.MIN_F1),
    /** Newest model versions always kept by the clean-up. */
    keepVersions: int({ min: 1, max: 100 }).default(RT_DEFAULTS.KEEP_VERSIONS),
    /** Inference units of an endpoint the workflow creates (first deployment), 1-10. */
    inferenceUnits: int({ min: 1, max: 10 }).default(RT_DEFAULTS.INFERENCE_UNITS),
    /** KMS key that encrypts the training volume. */
    volumeKmsKeyArn: arn('kms', 'key/').optional(),
    /** KMS key that encrypts the models. */
    modelKmsKeyArn: arn('kms', 'key/').optional(),
    /** Minutes between two checks of a training job or flywheel iteration (1-60). */
    trainingPollMinutes: int({ min: 1, max: 60 }).default(10),
    /** Hours after which a run times out (and alarms as stuck), 1-720. */
    maxRunHours: int({ min: 1, max: 720 }).default(48),
  })
  .strict();

/** Validated classifier-retraining configuration. */
export type ClassifierRetrainingConfig = z.infer<typeof classifierRetrainingConfigSchema>;
