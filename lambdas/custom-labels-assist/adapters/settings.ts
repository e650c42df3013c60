import { z } from 'zod';
import { defineEnv } from '../../shared/env';
import { CUSTOM_LABELS_ASSIST_ENV, DEFAULT_MIN_CONFIDENCE, REVIEW_MODES } from '../contract';

/** Environment of the run's functions (every missing variable reported at once). */
export const runEnv = defineEnv({
  [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: z.string().min(3),
  [CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN]: z
    .string()
    .regex(/^arn:aws[a-z-]*:rekognition:[a-z0-9-]+:\d{12}:project\/[^/]+\/\d+$/),
  [CUSTOM_LABELS_ASSIST_ENV.MIN_CONFIDENCE]: z.coerce.number().min(0).max(100).default(DEFAULT_MIN_CONFIDENCE),
  [CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_PAGE]: z.coerce.number().int().min(1).max(20).default(10),
  [CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_TASK]: z.coerce.number().int().min(1).max(20).default(1),
  [CUSTOM_LABELS_ASSIST_ENV.REVIEW]: z.enum(REVIEW_MODES).default('portal'),
  [CUSTOM_LABELS_ASSIST_ENV.LABEL_ATTRIBUTE]: z.string().min(1).default('bounding-box'),
});

/** Environment of the model functions (idle check and clean-up). */
export const modelEnv = defineEnv({
  [CUSTOM_LABELS_ASSIST_ENV.BUCKET]: z.string().min(3),
  [CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN]: z.string().min(1),
  [CUSTOM_LABELS_ASSIST_ENV.STATE_MACHINE_ARN]: z.string().min(1),
  [CUSTOM_LABELS_ASSIST_ENV.MAX_IDLE_MINUTES]: z.coerce.number().int().min(5).default(60),
  [CUSTOM_LABELS_ASSIST_ENV.CHECK_INTERVAL_MINUTES]: z.coerce.number().int().min(1).default(15),
});
