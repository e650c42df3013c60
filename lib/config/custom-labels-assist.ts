import { z } from 'zod';
import { DEFAULT_MIN_CONFIDENCE, REVIEW_MODES } from '../../lambdas/custom-labels-assist/contract';
import { arn, bool, int, stringList } from './schema-helpers';

/** Configuration of the Rekognition Custom Labels assist workflow (`customLabelsAssist` in context). */
export const customLabelsAssistConfigSchema = z
  .object({
    /** Deploy the Custom Labels assist stack. */
    enabled: bool().default(true),
    /** Who verifies the proposals: `portal` (the review portal, any account) or `ground-truth` (adjustment jobs). */
    review: z.enum(REVIEW_MODES).default('portal'),
    /** An existing Custom Labels project ARN; unset: the stack creates a project. */
    projectArn: arn('rekognition', 'project/').optional(),
    /** Inference units a run starts the model with (each billed per hour while running). */
    minInferenceUnits: int({ min: 1, max: 10 }).default(1),
    /** Default `MinConfidence` of `DetectCustomLabels` (0–100); a run may ask for another. */
    minConfidence: int({ min: 0, max: 100 }).default(DEFAULT_MIN_CONFIDENCE),
    /** Images per page (one state payload each). */
    imagesPerPage: int({ min: 1, max: 20 }).default(10),
    /** Images per review task (must divide imagesPerPage). */
    imagesPerTask: int({ min: 1, max: 20 }).default(1),
    /** Images detected at once. */
    detectConcurrency: int({ min: 1, max: 10 }).default(4),
    /** Most images one run takes (the 25,000-event execution history bounds it). */
    maxImagesPerRun: int({ min: 1, max: 2000 }).default(1000),
    /** Days a run waits for reviews before it goes on with what is done (the rest goes to needs-labeling). */
    reviewWaitDays: int({ min: 1, max: 30 }).default(7),
    /** Minutes between two review checks. */
    reviewPollMinutes: int({ min: 5, max: 1440 }).default(30),
    /** A model running this long with no run using it is stopped. */
    maxIdleMinutes: int({ min: 15, max: 1440 }).default(60),
    /** Minutes between two watchdog checks. */
    idleCheckMinutes: int({ min: 5, max: 60 }).default(15),
    /** Alarm when the project's models ran this many inference-unit hours within 6 hours. */
    inferenceHoursAlarm: int({ min: 1, max: 1000 }).default(6),
    /** Label attribute of the manifests runs write. */
    labelAttribute: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$/, 'expected 1-127 letters, digits and single hyphens')
      .default('bounding-box'),
    /** Origins allowed to GET images of the stack's own images bucket (review mode ground-truth: the worker portal). */
    imageOrigins: stringList(
      z.string().regex(/^https?:\/\/[^/\s]+$/, 'expected an origin such as https://x.example.com'),
    ).default([]),
    /** Ground Truth adjustment jobs (review mode `ground-truth`): all three are required then. */
    groundTruth: z
      .object({
        workteamArn: arn('sagemaker', 'workteam/'),
        roleArn: arn('iam', 'role/'),
        uiTemplateS3Uri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'expected s3://bucket/key'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.review === 'ground-truth' && config.groundTruth === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['groundTruth'],
        message:
          'review ground-truth needs groundTruth.workteamArn, groundTruth.roleArn and groundTruth.uiTemplateS3Uri',
      });
    }
    if (config.imagesPerPage % config.imagesPerTask !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['imagesPerTask'],
        message: `expected a divisor of imagesPerPage (${config.imagesPerPage})`,
      });
    }
  });

/** Validated Custom Labels assist configuration. */
export type CustomLabelsAssistConfig = z.infer<typeof customLabelsAssistConfigSchema>;
