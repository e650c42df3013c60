import {
  BUILT_IN_TASK_LAMBDA_ACCOUNTS,
  CUSTOM_TASK_TYPE_NAME,
  GROUND_TRUTH_TASK_TYPES,
  type GroundTruthTaskType,
} from '../contract';

/**
 * Lookups in the task-type table (`GROUND_TRUTH_TASK_TYPES` in ../contract.ts) and the rules derived from it. No rule
 * about a task type is written anywhere else.
 */

const BY_NAME = new Map(GROUND_TRUTH_TASK_TYPES.map((t) => [t.name, t]));

/** The custom-workflow row. */
export const CUSTOM_TASK_TYPE: GroundTruthTaskType = BY_NAME.get(CUSTOM_TASK_TYPE_NAME)!;

/** The row of a built-in task type (`VideoObjectDetection`, …), or undefined for a name the table does not know. */
export function builtInTaskType(name: string): GroundTruthTaskType | undefined {
  const row = BY_NAME.get(name);
  return row === CUSTOM_TASK_TYPE ? undefined : row;
}

/** A built-in Ground Truth task Lambda ARN, parsed. */
export interface BuiltInLambdaArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** `PRE` (pre-annotation) or `ACS` (annotation consolidation). */
  readonly kind: 'PRE' | 'ACS';
  /** The task type name, e.g. `ImageMultiClass`, `VideoObjectDetection`. */
  readonly taskType: string;
}

const BUILT_IN_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:(PRE|ACS)-([A-Za-z0-9]+)$/;
const BUILT_IN_ACCOUNTS = new Set(Object.values(BUILT_IN_TASK_LAMBDA_ACCOUNTS));

/**
 * Parse `arn:aws:lambda:<region>:<account>:function:PRE-<TaskType>` (or `ACS-`) when it names a task type of the table
 * in one of Ground Truth's accounts. Anything else (a custom task Lambda) is undefined.
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
  if (!BUILT_IN_ACCOUNTS.has(account) || builtInTaskType(taskType) === undefined) return undefined;
  return { partition, region, account, kind, taskType };
}

/** The ARN of a built-in task Lambda. */
export function builtInLambdaArn(parts: BuiltInLambdaArn): string {
  return `arn:${parts.partition}:lambda:${parts.region}:${parts.account}:function:${parts.kind}-${parts.taskType}`;
}

/** The task Lambdas a labeling job names (`HumanTaskConfig`). */
export interface TaskLambdas {
  readonly PreHumanTaskLambdaArn?: string;
  readonly AnnotationConsolidationConfig?: { readonly AnnotationConsolidationLambdaArn?: string };
}

/**
 * The task type of a job, from its built-in pre-annotation (else consolidation) Lambda; the custom row when it names
 * no built-in Lambda of the table.
 */
export function taskTypeOfJob(human: TaskLambdas): GroundTruthTaskType {
  const pre = human.PreHumanTaskLambdaArn;
  const acs = human.AnnotationConsolidationConfig?.AnnotationConsolidationLambdaArn;
  const parsed = (pre ? parseBuiltInLambdaArn(pre) : undefined) ?? (acs ? parseBuiltInLambdaArn(acs) : undefined);
  return (parsed && builtInTaskType(parsed.taskType)) ?? CUSTOM_TASK_TYPE;
}

/** Problems of a label attribute name with the task type's `-ref` rule (empty when it fits). */
export function refSuffixProblems(labelAttributeName: string, taskType: GroundTruthTaskType): string[] {
  const ref = labelAttributeName.endsWith('-ref');
  if (taskType.refSuffix === 'required' && !ref) {
    return [
      `label attribute name "${labelAttributeName}" must end with "-ref": ${taskType.title} (${taskType.name}) stores each label in a file the attribute refers to`,
    ];
  }
  if (taskType.refSuffix === 'forbidden' && ref) {
    return [
      `label attribute name "${labelAttributeName}" must not end with "-ref": ${taskType.title} (${taskType.name}) stores its labels in the manifest line`,
    ];
  }
  return [];
}
