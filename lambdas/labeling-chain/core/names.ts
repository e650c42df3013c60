import { createHash } from 'node:crypto';

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
 * Problems with a label attribute name (empty when valid).
 * @param taskType the built-in task type (`SemanticSegmentation`, `ImageMultiClass`, …) when known: semantic
 *   segmentation requires the `-ref` suffix, every other task forbids it.
 */
export function labelAttributeNameProblems(name: string, taskType?: string): string[] {
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
  if (taskType !== undefined) {
    const segmentation = isSemanticSegmentation(taskType);
    if (segmentation && !name.endsWith('-ref')) {
      problems.push(
        `label attribute name "${name}" must end with "-ref" for the semantic segmentation task ${taskType}`,
      );
    }
    if (!segmentation && name.endsWith('-ref')) {
      problems.push(
        `label attribute name "${name}" must not end with "-ref" (only semantic segmentation labels do; task ${taskType})`,
      );
    }
  }
  return problems;
}

/** True for task types whose label is a mask image (`SemanticSegmentation`, `AdjustmentSemanticSegmentation`). */
export function isSemanticSegmentation(taskType: string): boolean {
  return taskType === 'SemanticSegmentation' || taskType === 'AdjustmentSemanticSegmentation';
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

/** A built-in Ground Truth task Lambda ARN, parsed. */
export interface BuiltInLambdaArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** `PRE` (pre-annotation) or `ACS` (annotation consolidation). */
  readonly kind: 'PRE' | 'ACS';
  /** The task type, e.g. `ImageMultiClass`, `BoundingBox`, `SemanticSegmentation`. */
  readonly taskType: string;
}

const BUILT_IN_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:(PRE|ACS)-([A-Za-z0-9]+)$/;

/**
 * Parse `arn:aws:lambda:<region>:<account>:function:PRE-<TaskType>` (or `ACS-`). Returns undefined for anything else
 * (a custom task Lambda).
 */
export function parseBuiltInLambdaArn(arn: string): BuiltInLambdaArn | undefined {
  const match = BUILT_IN_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, kind, taskType] = match as unknown as [
    string,
    string,
    string,
    string,
    'PRE' | 'ACS',
    string,
  ];
  return { partition, region, account, kind, taskType };
}

/** The ARN of a built-in task Lambda. */
export function builtInLambdaArn(parts: BuiltInLambdaArn): string {
  return `arn:${parts.partition}:lambda:${parts.region}:${parts.account}:function:${parts.kind}-${parts.taskType}`;
}
