import { createHash } from 'node:crypto';
import { type GroundTruthTaskType } from '../contract';
import { refSuffixProblems } from './task-types';

/** Labeling job names: 1–63 characters, letters, digits and single hyphens between them. */
export const JOB_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** Maximum length of a labeling job name. */
export const MAX_JOB_NAME_LENGTH = 63;
/** Maximum length of a label attribute name. */
export const MAX_LABEL_ATTRIBUTE_NAME_LENGTH = 127;
const LABEL_ATTRIBUTE_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** Problems with a labeling job name (empty when valid). */
export function jobNameProblems(name: string): string[] {
  if (name.length === 0 || name.length > MAX_JOB_NAME_LENGTH)
    return [`job name "${name}" must have 1 to ${MAX_JOB_NAME_LENGTH} characters`];
  if (!JOB_NAME_PATTERN.test(name))
    return [
      `job name "${name}" may contain only letters, digits and hyphens, and must start and end with a letter or digit`,
    ];
  return [];
}

/**
 * Problems with a label attribute name (empty when valid): the naming rules every job shares, plus the `-ref` rule of
 * the task type when it is known (from the task-type table: e.g. video frame and 3D point cloud tracking labels must end
 * with `-ref`, classification labels must not).
 */
export function labelAttributeNameProblems(name: string, taskType?: GroundTruthTaskType): string[] {
  const problems: string[] = [];
  if (name.length === 0 || name.length > MAX_LABEL_ATTRIBUTE_NAME_LENGTH) {
    problems.push(`label attribute name "${name}" must have 1 to ${MAX_LABEL_ATTRIBUTE_NAME_LENGTH} characters`);
  } else if (!LABEL_ATTRIBUTE_PATTERN.test(name)) {
    problems.push(
      `label attribute name "${name}" may contain only letters, digits and hyphens, and must start and end with a letter or digit`,
    );
  }
  if (name.endsWith('-metadata')) problems.push(`label attribute name "${name}" must not end with "-metadata"`);
  if (name === 'source' || name === 'source-ref')
    problems.push(`label attribute name "${name}" is reserved for the data object`);
  if (taskType !== undefined) problems.push(...refSuffixProblems(name, taskType));
  return problems;
}

const CHAIN_SUFFIX = /-chain-\d+-[0-9a-f]{6}$/;

/** The name a chain derives from: the job name without a `-chain-<n>-<hash>` suffix this module added. */
export function chainBaseName(jobName: string): string {
  return jobName.replace(CHAIN_SUFFIX, '');
}

/**
 * A deterministic, valid name for the `index`-th job of a chain: `<base>-chain-<index>-<hash>`, where the hash covers
 * the parent job ARN and the label attribute name. The same parent and attribute always give the same name (a retried
 * `CreateLabelingJob` finds its own job instead of creating a second one); another parent never collides.
 */
export function childJobName(base: string, index: number, parentJobArn: string, labelAttributeName: string): string {
  const hash = createHash('sha256').update(`${parentJobArn}\n${labelAttributeName}`).digest('hex').slice(0, 6);
  const suffix = `-chain-${index}-${hash}`;
  const trimmed = chainBaseName(base)
    .slice(0, MAX_JOB_NAME_LENGTH - suffix.length)
    .replace(/-+$/, '');
  return `${trimmed || 'job'}${suffix}`;
}
