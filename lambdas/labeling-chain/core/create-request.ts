import { ValidationError } from '../../shared/errors';
import {
  CHAIN_INDEX_TAG_KEY,
  CHAIN_PARENT_TAG_KEY,
  CHAIN_ROOT_TAG_KEY,
  GROUND_TRUTH_TASK_TYPES,
  type GroundTruthTaskType,
} from '../contract';
import type { LabelCounters } from './manifest';
import type { ChainSettings, CreateLabelingJobRequest, DescribedJob } from './plan-model';
import type { ChainOverrides, ChainRequest } from './request';
import { builtInLambdaArn, parseBuiltInLambdaArn } from './task-types';

/** Automated data labeling needs at least this many objects in the input manifest. */
export const MIN_AUTO_LABELING_OBJECTS = 1250;
/** Tags a labeling job may carry. */
export const MAX_TAGS = 50;

const KNOWN_ALGORITHMS = new Set<string>(
  GROUND_TRUTH_TASK_TYPES.flatMap((t) => (t.autoLabeling ? [t.autoLabeling] : [])),
);
const AUTO_LABELING_TASK_TYPES = GROUND_TRUTH_TASK_TYPES.filter((t) => t.autoLabeling)
  .map((t) => t.name)
  .join(', ');

/**
 * Check a task Lambda ARN against this Region's built-ins: an ARN that names a built-in (`PRE-`/`ACS-` of a task type
 * of the table, in one of the Ground Truth accounts) must be this Region's. Custom Lambdas pass unchanged.
 */
function checkTaskLambda(
  arn: string | undefined,
  field: string,
  settings: ChainSettings,
  problems: string[],
): string | undefined {
  if (arn === undefined) return undefined;
  const parsed = parseBuiltInLambdaArn(arn);
  if (!parsed) return undefined;
  const expected = builtInLambdaArn({
    ...parsed,
    partition: settings.partition,
    region: settings.region,
    account: settings.builtInLambdaAccount,
  });
  if (arn !== expected)
    problems.push(
      `${field} ${arn} is not this Region's built-in ${parsed.kind}-${parsed.taskType} Lambda (${expected})`,
    );
  return parsed.taskType;
}

/** What {@link buildCreateRequest} needs. */
export interface BuildInput {
  job: DescribedJob;
  request: ChainRequest;
  settings: ChainSettings;
  name: string;
  attribute: string;
  manifestUri: string;
  counters: LabelCounters;
  index: number;
  first: boolean;
  rootJobName: string;
  taskType: GroundTruthTaskType;
}

/**
 * The complete `CreateLabelingJob` request of a chained job, from the parent's configuration and the overrides.
 * @throws ValidationError listing every rule the request would break.
 */
export function buildCreateRequest(input: BuildInput): { autoLabeling: boolean; request: CreateLabelingJobRequest } {
  const { job, request, settings, name, attribute, manifestUri, counters, index, first, rootJobName } = input;
  const overrides: ChainOverrides = request.overrides;
  const problems: string[] = [];

  const human: Record<string, unknown> = { ...job.HumanTaskConfig };
  delete human.PublicWorkforceTaskPrice; // private workteams only (the public workforce closed on 2026-09-30)
  const set = (key: string, value: unknown) => {
    if (value !== undefined) human[key] = value;
  };
  set('WorkteamArn', overrides.workteamArn);
  set('TaskTitle', overrides.taskTitle);
  set('TaskDescription', overrides.taskDescription);
  set('TaskKeywords', overrides.taskKeywords);
  set('MaxConcurrentTaskCount', overrides.maxConcurrentTaskCount);
  set('NumberOfHumanWorkersPerDataObject', overrides.numberOfHumanWorkersPerDataObject);
  set('TaskTimeLimitInSeconds', overrides.taskTimeLimitInSeconds);
  set('TaskAvailabilityLifetimeInSeconds', overrides.taskAvailabilityLifetimeInSeconds);

  if (typeof human.WorkteamArn === 'string' && /:workteam\/public-crowd\//.test(human.WorkteamArn)) {
    problems.push(
      'the parent used the public workforce (Amazon Mechanical Turk), which closed on 2026-09-30: give overrides.workteamArn with a private workteam',
    );
  }
  const preTask = checkTaskLambda(
    human.PreHumanTaskLambdaArn as string | undefined,
    'PreHumanTaskLambdaArn',
    settings,
    problems,
  );
  const consolidation = human.AnnotationConsolidationConfig as
    { AnnotationConsolidationLambdaArn?: string } | undefined;
  const acsTask = checkTaskLambda(
    consolidation?.AnnotationConsolidationLambdaArn,
    'AnnotationConsolidationLambdaArn',
    settings,
    problems,
  );
  if (preTask !== undefined && acsTask !== undefined && preTask !== acsTask) {
    problems.push(
      `PreHumanTaskLambdaArn (PRE-${preTask}) and AnnotationConsolidationLambdaArn (ACS-${acsTask}) are for different task types`,
    );
  }
  const taskType = input.taskType;
  if (!taskType.chainable) problems.push(`${taskType.title} (${taskType.name}) jobs are not chained`);
  const limit = taskType.maxTaskTimeLimitSeconds;
  const timeLimit = human.TaskTimeLimitInSeconds;
  if (typeof timeLimit === 'number' && timeLimit > limit) {
    problems.push(`TaskTimeLimitInSeconds ${timeLimit} exceeds ${limit} for task type ${taskType.name}`);
  }
  const checkRange = (key: string, min: number, max: number) => {
    const value = human[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) {
      problems.push(`${key} ${JSON.stringify(value)} must be an integer from ${min} to ${max}`);
    }
  };
  checkRange('MaxConcurrentTaskCount', 1, 1000);
  checkRange('NumberOfHumanWorkersPerDataObject', 1, 9);
  checkRange('TaskAvailabilityLifetimeInSeconds', 60, 864_000);
  for (const key of [
    'WorkteamArn',
    'UiConfig',
    'TaskTitle',
    'TaskDescription',
    'NumberOfHumanWorkersPerDataObject',
    'TaskTimeLimitInSeconds',
  ]) {
    if (human[key] === undefined) problems.push(`the parent's HumanTaskConfig has no ${key}`);
  }
  if (job.LabelCategoryConfigS3Uri === undefined) {
    problems.push(
      'the parent has no LabelCategoryConfigS3Uri (the chain passes it on to every job; jobs without label categories are not chained)',
    );
  }

  const autoLabeling = request.autoLabeling ?? job.LabelingJobAlgorithmsConfig !== undefined;
  let algorithms: Record<string, unknown> | undefined;
  if (autoLabeling) {
    const specification =
      overrides.algorithmSpecificationArn ?? job.LabelingJobAlgorithmsConfig?.LabelingJobAlgorithmSpecificationArn;
    const algorithm = specification?.split('/').pop();
    if (taskType.autoLabeling === undefined) {
      problems.push(
        `${taskType.title} (${taskType.name}) has no automated data labeling (only ${AUTO_LABELING_TASK_TYPES}): set autoLabeling to false`,
      );
    } else if (algorithm !== undefined && KNOWN_ALGORITHMS.has(algorithm) && algorithm !== taskType.autoLabeling) {
      problems.push(
        `the labeling job algorithm ${algorithm} does not fit ${taskType.name} jobs, which use ${taskType.autoLabeling}`,
      );
    }
    if (specification === undefined) {
      problems.push(
        'autoLabeling needs a labeling job algorithm: the parent did not use automated data labeling, so give overrides.algorithmSpecificationArn',
      );
    }
    if (counters.total < MIN_AUTO_LABELING_OBJECTS) {
      problems.push(
        `automated data labeling needs at least ${MIN_AUTO_LABELING_OBJECTS} objects; the manifest has ${counters.total} (set autoLabeling to false)`,
      );
    }
    // A new annotation layer (relabel) starts without the previous layer's model; continuing reuses it.
    const model =
      first && request.mode === 'relabel'
        ? undefined
        : (job.LabelingJobOutput?.FinalActiveLearningModelArn ??
          job.LabelingJobAlgorithmsConfig?.InitialActiveLearningModelArn);
    algorithms = {
      LabelingJobAlgorithmSpecificationArn: specification,
      ...(model ? { InitialActiveLearningModelArn: model } : {}),
      ...(job.LabelingJobAlgorithmsConfig?.LabelingJobResourceConfig !== undefined
        ? { LabelingJobResourceConfig: job.LabelingJobAlgorithmsConfig.LabelingJobResourceConfig }
        : {}),
    };
  }

  const chainTags: Record<string, string> = {
    [CHAIN_ROOT_TAG_KEY]: rootJobName,
    [CHAIN_PARENT_TAG_KEY]: job.LabelingJobName,
    [CHAIN_INDEX_TAG_KEY]: String(index),
  };
  const tags = new Map<string, string>();
  for (const tag of job.Tags ?? []) if (!tag.Key.startsWith('aws:')) tags.set(tag.Key, tag.Value);
  for (const [key, value] of Object.entries({ ...overrides.tags, ...chainTags })) tags.set(key, value);
  if (tags.size > MAX_TAGS) problems.push(`the job would carry ${tags.size} tags; at most ${MAX_TAGS} are allowed`);

  const stopping: Record<string, number> = {};
  const parentStopping = job.StoppingConditions ?? {};
  const maxHuman = overrides.maxHumanLabeledObjectCount ?? parentStopping.MaxHumanLabeledObjectCount;
  const maxPercentage =
    overrides.maxPercentageOfInputDatasetLabeled ?? parentStopping.MaxPercentageOfInputDatasetLabeled;
  if (maxHuman !== undefined) stopping.MaxHumanLabeledObjectCount = maxHuman;
  stopping.MaxPercentageOfInputDatasetLabeled = maxPercentage ?? 100;

  if (problems.length > 0) {
    throw new ValidationError(`Cannot create ${name}: ${problems.join('; ')}`, problems);
  }

  const outputConfig: Record<string, unknown> = { ...job.OutputConfig };
  if (overrides.outputPath) outputConfig.S3OutputPath = overrides.outputPath;
  const inputConfig: Record<string, unknown> = { DataSource: { S3DataSource: { ManifestS3Uri: manifestUri } } };
  if (job.InputConfig.DataAttributes !== undefined) inputConfig.DataAttributes = job.InputConfig.DataAttributes;

  return {
    autoLabeling,
    request: {
      LabelingJobName: name,
      LabelAttributeName: attribute,
      InputConfig: inputConfig,
      OutputConfig: outputConfig,
      RoleArn: job.RoleArn,
      LabelCategoryConfigS3Uri: job.LabelCategoryConfigS3Uri!,
      StoppingConditions: stopping,
      HumanTaskConfig: human,
      Tags: [...tags].map(([Key, Value]) => ({ Key, Value })),
      ...(algorithms ? { LabelingJobAlgorithmsConfig: algorithms } : {}),
    },
  };
}
