import { z } from 'zod';
import { ValidationError } from '../../shared/errors';
import {
  AUTO_CONTINUE_TRIGGER,
  DEFAULT_MAX_CHAIN_LENGTH,
  MAX_CHAIN_LENGTH_LIMIT,
  MAX_LONG_TASK_TIME_LIMIT_SECONDS,
} from '../contract';
import { jobNameProblems, labelAttributeNameProblems } from './names';

const s3Uri = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'expected an S3 URI (s3://bucket/key)');

/**
 * Changes a chained job may make to the parent's configuration. Limits follow SageMaker's `CreateLabelingJob`
 * (FORMATS.md): they are checked before a job is created, so a bad value costs nothing.
 */
export const overridesSchema = z
  .object({
    /** A private workteam (the public workforce is closed). */
    workteamArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam\/.+$/, 'expected a workteam ARN')
      .optional(),
    taskTitle: z.string().min(1).max(128).optional(),
    taskDescription: z.string().min(1).max(255).optional(),
    taskKeywords: z.array(z.string().min(1).max(30)).min(1).max(5).optional(),
    maxConcurrentTaskCount: z.number().int().min(1).max(1000).optional(),
    numberOfHumanWorkersPerDataObject: z.number().int().min(1).max(9).optional(),
    /** At most the task type's limit (task-type table): 8 hours, or 30 days for 3D point cloud and video frame jobs. */
    taskTimeLimitInSeconds: z.number().int().min(30).max(MAX_LONG_TASK_TIME_LIMIT_SECONDS).optional(),
    taskAvailabilityLifetimeInSeconds: z.number().int().min(60).max(864_000).optional(),
    maxHumanLabeledObjectCount: z.number().int().min(1).optional(),
    maxPercentageOfInputDatasetLabeled: z.number().int().min(1).max(100).optional(),
    /** Output path of the chained jobs (default: the parent's). */
    outputPath: s3Uri.optional(),
    /**
     * Start the first chained job from this manifest instead of the parent's output manifest, e.g. the parent's output
     * with third-party labels merged by `mlw manifest import-labels`.
     */
    inputManifestUri: s3Uri.optional(),
    /** Automated data labeling algorithm, needed when the parent did not use automated data labeling. */
    algorithmSpecificationArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:labeling-job-algorithm-specification\/.+$/,
        'expected a labeling job algorithm specification ARN',
      )
      .optional(),
    /** Extra tags of the chained jobs. */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
  })
  .strict();

/** Validated overrides. */
export type ChainOverrides = z.infer<typeof overridesSchema>;

/** The state machine's input (`mlw chain start` builds it; the auto-continue rule sends a minimal one). */
export const chainRequestSchema = z
  .object({
    /** The labeling job to continue (the parent). */
    jobName: z.string({ error: 'expected the name of a labeling job' }),
    /** `continue` labels what is still missing on the same attribute; `relabel` adds a new attribute over all objects. */
    mode: z.enum(['continue', 'relabel']).default('continue'),
    /** `continue`: the parent's attribute (the default); `relabel`: the new attribute (required). */
    labelAttributeName: z.string().optional(),
    /** Jobs this execution may create (at most the deployed limit). */
    maxChainLength: z.number().int().min(1).max(MAX_CHAIN_LENGTH_LIMIT).optional(),
    /** Use automated data labeling in the chained jobs (default: as the parent did). */
    autoLabeling: z.boolean().optional(),
    overrides: overridesSchema.default({}),
    /** Who started the execution: `manual` or the auto-continue rule. */
    trigger: z.enum(['manual', AUTO_CONTINUE_TRIGGER]).default('manual'),
  })
  .strict();

/** A raw chain request. */
export type ChainRequestInput = z.input<typeof chainRequestSchema>;
/** A validated chain request, defaults applied (`maxChainLength` resolved). */
export type ChainRequest = z.infer<typeof chainRequestSchema> & { maxChainLength: number };

/** Render zod issues as `path: received X; message`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, prefix = ''): string[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    if (issue.code === 'unrecognized_keys') return `${path ? `${path}: ` : ''}unknown key(s) ${issue.keys.join(', ')}`;
    let received: unknown = raw;
    for (const part of issue.path) {
      received =
        typeof received === 'object' && received !== null
          ? (received as Record<PropertyKey, unknown>)[part]
          : undefined;
    }
    return `${path}: received ${received === undefined ? '(missing)' : JSON.stringify(received)}; ${issue.message}`;
  });
}

/**
 * Validate a chain request before anything is spent: shape, job and attribute name rules, override limits and the
 * chain length against the deployed maximum.
 * @throws ValidationError listing every problem.
 */
export function validateChainRequest(raw: unknown, deployedMaxChainLength = DEFAULT_MAX_CHAIN_LENGTH): ChainRequest {
  const parsed = chainRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const details = describeIssues(parsed.error.issues, raw);
    throw new ValidationError(`Invalid chain request: ${details.join('; ')}`, details);
  }
  const request = parsed.data;
  const problems = [...jobNameProblems(request.jobName)];
  if (request.labelAttributeName !== undefined)
    problems.push(...labelAttributeNameProblems(request.labelAttributeName));
  if (request.mode === 'relabel' && request.labelAttributeName === undefined) {
    problems.push('mode "relabel" needs labelAttributeName: the new attribute that every object gets');
  }
  if (request.maxChainLength !== undefined && request.maxChainLength > deployedMaxChainLength) {
    problems.push(
      `maxChainLength ${request.maxChainLength} exceeds the deployed limit ${deployedMaxChainLength} (configuration labelingChain.maxChainLength)`,
    );
  }
  if (problems.length > 0) throw new ValidationError(`Invalid chain request: ${problems.join('; ')}`, problems);
  return { ...request, maxChainLength: request.maxChainLength ?? deployedMaxChainLength };
}
