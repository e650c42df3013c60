import { MODEL_STATUS } from '../contract';

/** The fields of a `DescribeProjectVersions` description this workflow reads. */
export interface ModelVersion {
  readonly ProjectVersionArn?: string;
  readonly Status?: string;
  readonly CreationTimestamp?: Date | string | number;
  readonly MinInferenceUnits?: number;
  readonly MaxInferenceUnits?: number;
  readonly EvaluationResult?: { readonly F1Score?: number };
}

/** Statuses in which a model version can detect (after starting it, if needed). */
const USABLE: readonly string[] = [
  MODEL_STATUS.RUNNING,
  MODEL_STATUS.STARTING,
  MODEL_STATUS.STOPPED,
  MODEL_STATUS.TRAINING_COMPLETED,
];

const time = (t: ModelVersion['CreationTimestamp']) =>
  t === undefined ? 0 : t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);

/** The newest model version that trained successfully (the default model of a run), or undefined. */
export function latestUsableVersion(versions: readonly ModelVersion[]): ModelVersion | undefined {
  return [...versions]
    .filter((v) => v.ProjectVersionArn && USABLE.includes(v.Status ?? ''))
    .sort((a, b) => time(b.CreationTimestamp) - time(a.CreationTimestamp))[0];
}

/**
 * The project name and version name of a model version ARN
 * (`arn:<partition>:rekognition:<region>:<account>:project/<project>/version/<version>/<timestamp>`), or undefined.
 * (A project ARN, `…:project/<project>/<timestamp>`, has its own timestamp: it cannot be derived from a version ARN.)
 */
export function parseModelVersionArn(arn: string): { projectName: string; versionName: string } | undefined {
  const match = /^arn:aws[a-z-]*:rekognition:[a-z0-9-]+:\d{12}:project\/([^/]+)\/version\/([^/]+)\/\d+$/.exec(arn);
  return match?.[1] && match[2] ? { projectName: match[1], versionName: match[2] } : undefined;
}

/** The project name of a project ARN (`…:project/<project>/<timestamp>`), or undefined. */
export function projectNameOf(projectArn: string): string | undefined {
  return /^arn:aws[a-z-]*:rekognition:[a-z0-9-]+:\d{12}:project\/([^/]+)\/\d+$/.exec(projectArn)?.[1];
}
