import { z } from 'zod';
import { ValidationError } from '../../shared/errors';
import { MAX_LABEL_LENGTH, MAX_LABELS } from '../contract';
import { parseModelVersionArn, projectNameOf } from './model-versions';

/**
 * The run: the execution's request, checked and completed with the deployment's settings. It travels in the state
 * (`$.run`) and in `runs/<run id>/request.json`.
 */

const requestSchema = z
  .object({
    images: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(.*\/)?$/, 'expected s3://bucket/prefix/'),
    modelVersionArn: z.string(),
    minConfidence: z.number().min(0).max(100).optional(),
    train: z.boolean().optional(),
    labels: z.array(z.string().min(1).max(MAX_LABEL_LENGTH)).max(MAX_LABELS).optional(),
  })
  .strict();

/** A run as the state machine carries it. */
export interface Run {
  readonly runId: string;
  readonly executionArn: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly projectArn: string;
  readonly modelVersionArn: string;
  /** The model version's name (`DescribeProjectVersions` `VersionNames`). */
  readonly versionName: string;
  readonly minConfidence: number;
  readonly train: boolean;
  /** Labels reviewers may give boxes besides the proposed ones, sorted. */
  readonly labels: readonly string[];
  /** Name of the model version this run trains (when `train`). */
  readonly newVersionName: string;
}

/** Deployment settings a run needs. */
export interface RunSettings {
  readonly bucket: string;
  readonly projectArn: string;
  readonly minConfidence: number;
}

/**
 * Check an execution's request and complete it.
 * @throws ValidationError naming every problem: a malformed request, images outside the images bucket (Custom Labels
 *   datasets read one bucket, and the run may read only it), a model version of another project.
 */
export function runOf(raw: unknown, runId: string, executionArn: string, settings: RunSettings): Run {
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
    throw new ValidationError(
      `Invalid run request: ${problems.join('; ')} (see docs/custom-labels-assist.md)`,
      problems,
    );
  }
  const request = parsed.data;
  const problems: string[] = [];
  const [, , bucket = '', ...rest] = request.images.split('/');
  if (bucket !== settings.bucket) {
    problems.push(
      `images: ${request.images} is not in the images bucket ${settings.bucket} (upload the images there: a Custom Labels dataset reads one bucket)`,
    );
  }
  const version = parseModelVersionArn(request.modelVersionArn);
  const project = projectNameOf(settings.projectArn);
  if (!version) problems.push(`modelVersionArn: ${request.modelVersionArn} is not a Custom Labels model version ARN`);
  else if (project !== undefined && version.projectName !== project) {
    problems.push(
      `modelVersionArn: a version of project ${version.projectName}, not of this workflow's project ${project}`,
    );
  }
  if (problems.length > 0) throw new ValidationError(`Invalid run request: ${problems.join('; ')}`, problems);
  return {
    runId,
    executionArn,
    bucket,
    prefix: rest.join('/'),
    projectArn: settings.projectArn,
    modelVersionArn: request.modelVersionArn,
    versionName: version!.versionName,
    minConfidence: request.minConfidence ?? settings.minConfidence,
    train: request.train ?? false,
    labels: [...new Set(request.labels ?? [])].sort(),
    newVersionName: `assist-${runId}`,
  };
}
