import { z } from 'zod';
import { ValidationError } from '../../shared/errors';
import type { JsonLineBatches } from '../../shared/jsonl';
import {
  AUTO_CHAIN_TAG_KEY,
  AUTO_CONTINUE_TRIGGER,
  BUILT_IN_TASK_LAMBDA_ACCOUNTS,
  CHAIN_INDEX_TAG_KEY,
  CHAIN_PARENT_TAG_KEY,
  CHAIN_ROOT_TAG_KEY,
  ENDED_STATUSES,
} from '../contract';
import { describeInvalidLines, type LabelCounters, OTHER_FAILURE_REASONS, scanManifest } from './manifest';
import {
  builtInLambdaArn,
  chainBaseName,
  childJobName,
  labelAttributeNameProblems,
  parseBuiltInLambdaArn,
} from './names';
import { type ChainOverrides, type ChainRequest, describeIssues, validateChainRequest } from './request';

/** Automated data labeling needs at least this many objects in the input manifest. */
export const MIN_AUTO_LABELING_OBJECTS = 1250;
/** Tags a labeling job may carry. */
export const MAX_TAGS = 50;
/** Longest task time limit for most task types (8 hours). */
export const MAX_TASK_TIME_LIMIT_SECONDS = 28_800;
/** Longest task time limit for 3D point cloud and video frame tasks (7 days). */
export const MAX_LONG_TASK_TIME_LIMIT_SECONDS = 604_800;

/** Deployment facts the state machine passes to the planner (resolved by CloudFormation). */
export const settingsSchema = z.object({
  maxChainLength: z.number().int().min(1),
  region: z.string().min(1),
  partition: z.string().min(1),
  /** Account of this Region's built-in `PRE-`/`ACS-` Lambdas (the `CfnMapping` lookup). */
  builtInLambdaAccount: z.string().min(1),
});
/** Deployment facts. */
export type ChainSettings = z.infer<typeof settingsSchema>;

const tagSchema = z.object({ Key: z.string(), Value: z.string() });

/** The part of `DescribeLabelingJob` the planner reads (Step Functions returns the API shape, PascalCase). */
export const describedJobSchema = z.looseObject({
  LabelingJobName: z.string(),
  LabelingJobArn: z.string(),
  LabelingJobStatus: z.string(),
  LabelAttributeName: z.string().optional(),
  FailureReason: z.string().optional(),
  InputConfig: z.looseObject({
    DataSource: z.looseObject({
      S3DataSource: z.looseObject({ ManifestS3Uri: z.string() }).optional(),
      SnsDataSource: z.unknown().optional(),
    }),
    DataAttributes: z.unknown().optional(),
  }),
  OutputConfig: z.looseObject({ S3OutputPath: z.string() }),
  RoleArn: z.string(),
  LabelCategoryConfigS3Uri: z.string().optional(),
  StoppingConditions: z
    .looseObject({
      MaxHumanLabeledObjectCount: z.number().optional(),
      MaxPercentageOfInputDatasetLabeled: z.number().optional(),
    })
    .optional(),
  LabelingJobAlgorithmsConfig: z
    .looseObject({
      LabelingJobAlgorithmSpecificationArn: z.string(),
      InitialActiveLearningModelArn: z.string().optional(),
      LabelingJobResourceConfig: z.unknown().optional(),
    })
    .optional(),
  HumanTaskConfig: z.looseObject({
    WorkteamArn: z.string(),
    PreHumanTaskLambdaArn: z.string().optional(),
    AnnotationConsolidationConfig: z.looseObject({ AnnotationConsolidationLambdaArn: z.string() }).optional(),
    TaskTimeLimitInSeconds: z.number().optional(),
  }),
  Tags: z.array(tagSchema).optional(),
  LabelingJobOutput: z
    .looseObject({ OutputDatasetS3Uri: z.string(), FinalActiveLearningModelArn: z.string().optional() })
    .optional(),
});
/** A described labeling job. */
export type DescribedJob = z.infer<typeof describedJobSchema>;

/** What the chain reports about one job. */
export interface JobSummary {
  jobName: string;
  /** `parent` for the job the chain started from, `child` for the jobs it created. */
  role: 'parent' | 'child';
  /** 0 for the parent, 1.. for children. */
  index: number;
  /** The job's final status (`Created` until the chain saw it end). */
  status: string;
  labelAttributeName: string;
  /** Children: objects sent to workers (needing a label when the job was created). */
  sentToWorkers?: number;
  /** Children: objects skipped because they were labeled already. */
  skipped?: number;
  /** Children: the manifest the job read. */
  inputManifestUri?: string;
  /** The manifest the chain scanned for this job (its output manifest, or its input when it wrote none). */
  outputManifestUri?: string;
  /** Counters for `labelAttributeName` after the job. */
  counts?: Omit<LabelCounters, 'failureReasons'>;
  /** Failed objects by reason after the job. */
  failureReasons?: Record<string, number>;
  /** Why the job itself failed (`DescribeLabelingJob.FailureReason`). */
  jobFailureReason?: string;
  autoLabeling?: boolean;
  initialActiveLearningModelArn?: string;
  finalActiveLearningModelArn?: string;
}

/** State the chain carries between planning steps. */
export interface ChainState {
  rootJobName?: string;
  labelAttributeName?: string;
  /** Jobs created so far. */
  created: number;
  jobs: JobSummary[];
}

const chainStateSchema = z
  .object({
    rootJobName: z.string().optional(),
    labelAttributeName: z.string().optional(),
    created: z.number().int().min(0).default(0),
    jobs: z
      .array(z.looseObject({ jobName: z.string(), role: z.enum(['parent', 'child']), index: z.number() }))
      .default([]),
  })
  .prefault({});

/** Why the chain stopped. */
export type ChainOutcome =
  'nothing-to-label' | 'complete' | 'max-chain-length' | 'no-progress' | 'not-opted-in' | 'owned-by-chain';

/** The execution's output when the chain ends. */
export interface ChainSummary {
  outcome: ChainOutcome;
  message: string;
  rootJobName: string;
  mode: ChainRequest['mode'];
  labelAttributeName?: string;
  jobsCreated: number;
  /** Objects still needing a label (failed + unlabeled) in the final manifest. */
  remaining?: number;
  finalOutputManifestUri?: string;
  jobs: JobSummary[];
}

/** The `CreateLabelingJob` request of the next job (Step Functions passes each field on). */
export interface CreateLabelingJobRequest {
  LabelingJobName: string;
  LabelAttributeName: string;
  InputConfig: Record<string, unknown>;
  OutputConfig: Record<string, unknown>;
  RoleArn: string;
  LabelCategoryConfigS3Uri: string;
  StoppingConditions: Record<string, number>;
  HumanTaskConfig: Record<string, unknown>;
  Tags: { Key: string; Value: string }[];
  LabelingJobAlgorithmsConfig?: Record<string, unknown>;
}

/** The planner's answer: the state the state machine carries on, and what to do next. */
export interface PlanResult {
  request: ChainRequest;
  settings: ChainSettings;
  chain: ChainState;
  decision: 'create' | 'stop';
  next?: { autoLabeling: boolean; request: CreateLabelingJobRequest };
  summary?: ChainSummary;
}

/** The planner's input: the state machine's state plus the job it just described. */
export interface PlanEvent {
  request: unknown;
  settings: unknown;
  chain?: unknown;
  job: unknown;
}

/**
 * Opens a manifest for streaming; resolves `undefined` when the object does not exist (a job that failed before
 * writing its output).
 */
export type ManifestOpener = (uri: string) => Promise<JsonLineBatches | undefined>;

/** What a planning step read, for logs and metrics. */
export interface PlanStats {
  linesScanned: number;
  manifestUri?: string;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = describeIssues(parsed.error.issues, value, what);
    throw new ValidationError(`Invalid ${what}: ${details.join('; ')}`, details);
  }
  return parsed.data;
}

/**
 * One planning step of the chain: read the job just described (the parent, or the child that just ended), count its
 * manifest for the label attribute, record the result, then either stop with a summary or build the complete
 * `CreateLabelingJob` request of the next job.
 *
 * @throws ValidationError for anything a person must fix (the execution fails with the message).
 */
export async function planStep(
  event: PlanEvent,
  openManifest: ManifestOpener,
): Promise<PlanResult & { stats: PlanStats }> {
  const settings = parseOrThrow(settingsSchema, event.settings, 'settings');
  const request = validateChainRequest(event.request, settings.maxChainLength);
  const job = parseOrThrow(describedJobSchema, event.job, 'described job');
  const chain = parseOrThrow(chainStateSchema, event.chain ?? {}, 'chain state') as unknown as ChainState;
  const first = chain.jobs.length === 0;
  const stats: PlanStats = { linesScanned: 0 };

  if (!(ENDED_STATUSES as readonly string[]).includes(job.LabelingJobStatus)) {
    throw new ValidationError(
      `Labeling job ${job.LabelingJobName} is ${job.LabelingJobStatus}: chain a job after it has ended (stop it, or wait for it)`,
    );
  }

  if (first && request.trigger === AUTO_CONTINUE_TRIGGER) {
    const tags = Object.fromEntries((job.Tags ?? []).map((t) => [t.Key, t.Value]));
    const outcome: ChainOutcome | undefined =
      tags[CHAIN_ROOT_TAG_KEY] !== undefined
        ? 'owned-by-chain'
        : tags[AUTO_CHAIN_TAG_KEY] !== 'true'
          ? 'not-opted-in'
          : undefined;
    if (outcome) {
      const parent: JobSummary = {
        jobName: job.LabelingJobName,
        role: 'parent',
        index: 0,
        status: job.LabelingJobStatus,
        labelAttributeName: job.LabelAttributeName ?? '',
      };
      const message =
        outcome === 'owned-by-chain'
          ? `${job.LabelingJobName} was created by a chain; the execution that created it continues it`
          : `${job.LabelingJobName} is not tagged ${AUTO_CHAIN_TAG_KEY}=true: nothing to do`;
      return {
        request,
        settings,
        chain: { ...chain, jobs: [parent] },
        decision: 'stop',
        summary: {
          outcome,
          message,
          rootJobName: chainBaseName(job.LabelingJobName),
          mode: request.mode,
          jobsCreated: 0,
          jobs: [parent],
        },
        stats,
      };
    }
  }

  const parentAttribute = job.LabelAttributeName;
  if (parentAttribute === undefined)
    throw new ValidationError(`Labeling job ${job.LabelingJobName} has no LabelAttributeName`);
  const taskType = taskTypeOf(job);
  let attribute: string;
  if (!first) {
    attribute = chain.labelAttributeName ?? parentAttribute;
  } else if (request.mode === 'continue') {
    if (request.labelAttributeName !== undefined && request.labelAttributeName !== parentAttribute) {
      throw new ValidationError(
        `mode "continue" keeps the parent's label attribute "${parentAttribute}" (got "${request.labelAttributeName}"); use mode "relabel" for a new attribute`,
      );
    }
    attribute = parentAttribute;
  } else {
    attribute = request.labelAttributeName!;
    if (attribute === parentAttribute) {
      throw new ValidationError(
        `mode "relabel" needs a new label attribute name, not the parent's "${parentAttribute}"`,
      );
    }
  }
  const attributeProblems = labelAttributeNameProblems(attribute, taskType);
  if (attributeProblems.length > 0)
    throw new ValidationError(`Invalid label attribute: ${attributeProblems.join('; ')}`, attributeProblems);

  // The manifest that holds the job's result: its output, or its input when it wrote none.
  const candidates: string[] = [];
  if (first && request.overrides.inputManifestUri) candidates.push(request.overrides.inputManifestUri);
  else {
    if (job.LabelingJobOutput?.OutputDatasetS3Uri) candidates.push(job.LabelingJobOutput.OutputDatasetS3Uri);
    const input = job.InputConfig.DataSource.S3DataSource?.ManifestS3Uri;
    if (input) candidates.push(input);
    else if (job.InputConfig.DataSource.SnsDataSource !== undefined) {
      throw new ValidationError(
        `Labeling job ${job.LabelingJobName} is a streaming job (SNS input): streaming jobs are not chained`,
      );
    }
  }
  let manifestUri: string | undefined;
  let lines: JsonLineBatches | undefined;
  for (const candidate of candidates) {
    lines = await openManifest(candidate);
    if (lines) {
      manifestUri = candidate;
      break;
    }
  }
  if (!lines || !manifestUri) {
    throw new ValidationError(
      `No manifest found for labeling job ${job.LabelingJobName} (looked at ${candidates.join(', ') || 'nothing'})`,
    );
  }
  const scan = await scanManifest(lines, first ? [parentAttribute, attribute] : [attribute]);
  stats.linesScanned = scan.lines;
  stats.manifestUri = manifestUri;
  if (scan.invalidCount > 0) {
    throw new ValidationError(
      `Manifest ${manifestUri} has ${scan.invalidCount} line(s) that are not JSON objects (${describeInvalidLines(scan)}); fix them (mlw manifest stats) before chaining`,
    );
  }
  const counters = scan.counters[attribute]!;

  let progress = Number.POSITIVE_INFINITY;
  if (first) {
    const parentCounters = scan.counters[parentAttribute]!;
    chain.rootJobName = chainBaseName(job.LabelingJobName);
    chain.labelAttributeName = attribute;
    chain.created = 0;
    chain.jobs = [
      {
        jobName: job.LabelingJobName,
        role: 'parent',
        index: 0,
        status: job.LabelingJobStatus,
        labelAttributeName: parentAttribute,
        outputManifestUri: manifestUri,
        ...countsOf(parentCounters),
        ...(job.FailureReason ? { jobFailureReason: job.FailureReason } : {}),
        autoLabeling: job.LabelingJobAlgorithmsConfig !== undefined,
        ...(job.LabelingJobOutput?.FinalActiveLearningModelArn
          ? { finalActiveLearningModelArn: job.LabelingJobOutput.FinalActiveLearningModelArn }
          : {}),
      },
    ];
  } else {
    const last = chain.jobs[chain.jobs.length - 1]!;
    if (last.jobName !== job.LabelingJobName) {
      throw new ValidationError(
        `Chain state is out of step: expected job ${last.jobName}, described ${job.LabelingJobName}`,
      );
    }
    Object.assign(last, {
      status: job.LabelingJobStatus,
      outputManifestUri: manifestUri,
      ...countsOf(counters),
      ...(job.FailureReason ? { jobFailureReason: job.FailureReason } : {}),
      ...(job.LabelingJobOutput?.FinalActiveLearningModelArn
        ? { finalActiveLearningModelArn: job.LabelingJobOutput.FinalActiveLearningModelArn }
        : {}),
    });
    progress = counters.labeled - (last.skipped ?? 0);
  }

  const stop = (outcome: ChainOutcome, message: string): PlanResult & { stats: PlanStats } => ({
    request,
    settings,
    chain,
    decision: 'stop',
    summary: {
      outcome,
      message,
      rootJobName: chain.rootJobName ?? job.LabelingJobName,
      mode: request.mode,
      labelAttributeName: attribute,
      jobsCreated: chain.created,
      remaining: counters.needsLabeling,
      finalOutputManifestUri: manifestUri,
      jobs: chain.jobs,
    },
    stats,
  });

  if (counters.needsLabeling === 0) {
    return first
      ? stop(
          'nothing-to-label',
          `All ${counters.total} objects of ${job.LabelingJobName} are labeled for "${attribute}": no job created`,
        )
      : stop(
          'complete',
          `All ${counters.total} objects are labeled for "${attribute}" after ${chain.created} chained job(s)`,
        );
  }
  if (progress <= 0) {
    return stop(
      'no-progress',
      `${job.LabelingJobName} ended ${job.LabelingJobStatus} without labeling any object${job.FailureReason ? ` (${job.FailureReason})` : ''}; ${counters.needsLabeling} still need a label. Fix the cause, then start the chain again`,
    );
  }
  if (chain.created >= request.maxChainLength) {
    return stop(
      'max-chain-length',
      `Stopped at the maximum chain length ${request.maxChainLength} with ${counters.needsLabeling} of ${counters.total} objects still needing a label; start the chain again from ${job.LabelingJobName}`,
    );
  }

  const index = chain.created + 1;
  const name = childJobName(chain.rootJobName ?? job.LabelingJobName, index, job.LabelingJobArn, attribute);
  const next = buildCreateRequest({
    job,
    request,
    settings,
    name,
    attribute,
    manifestUri,
    counters,
    index,
    first,
    rootJobName: chain.rootJobName ?? job.LabelingJobName,
    taskType,
  });
  chain.created = index;
  chain.jobs.push({
    jobName: name,
    role: 'child',
    index,
    status: 'Created',
    labelAttributeName: attribute,
    inputManifestUri: manifestUri,
    sentToWorkers: counters.needsLabeling,
    skipped: counters.labeled,
    autoLabeling: next.autoLabeling,
    ...(typeof next.request.LabelingJobAlgorithmsConfig?.InitialActiveLearningModelArn === 'string'
      ? { initialActiveLearningModelArn: next.request.LabelingJobAlgorithmsConfig.InitialActiveLearningModelArn }
      : {}),
  });
  return { request, settings, chain, decision: 'create', next, stats };
}

/** Failure reasons kept per job in the chain state (the state must stay far below Step Functions' 256 KB). */
export const MAX_SUMMARY_FAILURE_REASONS = 10;

function countsOf(counters: LabelCounters): Pick<JobSummary, 'counts' | 'failureReasons'> {
  const { failureReasons, ...counts } = counters;
  const sorted = Object.entries(failureReasons).sort((a, b) => b[1] - a[1]);
  const kept = Object.fromEntries(sorted.slice(0, MAX_SUMMARY_FAILURE_REASONS));
  const rest = sorted.slice(MAX_SUMMARY_FAILURE_REASONS).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) kept[OTHER_FAILURE_REASONS] = (kept[OTHER_FAILURE_REASONS] ?? 0) + rest;
  return { counts, failureReasons: kept };
}

/** The built-in task type of a job (`ImageMultiClass`, `BoundingBox`, …), from its PRE or ACS Lambda ARN. */
export function taskTypeOf(job: DescribedJob): string | undefined {
  const pre = job.HumanTaskConfig.PreHumanTaskLambdaArn;
  const acs = job.HumanTaskConfig.AnnotationConsolidationConfig?.AnnotationConsolidationLambdaArn;
  return (
    (pre ? parseBuiltInLambdaArn(pre) : undefined)?.taskType ?? (acs ? parseBuiltInLambdaArn(acs) : undefined)?.taskType
  );
}

const KNOWN_BUILT_IN_ACCOUNTS = new Set(Object.values(BUILT_IN_TASK_LAMBDA_ACCOUNTS));

/**
 * Check a task Lambda ARN against this Region's built-ins: an ARN that names a built-in (`PRE-`/`ACS-` in one of the
 * Ground Truth accounts) must be this Region's. Custom Lambdas pass unchanged.
 */
function checkTaskLambda(
  arn: string | undefined,
  field: string,
  settings: ChainSettings,
  problems: string[],
): string | undefined {
  if (arn === undefined) return undefined;
  const parsed = parseBuiltInLambdaArn(arn);
  if (!parsed || !(KNOWN_BUILT_IN_ACCOUNTS.has(parsed.account) || parsed.account === settings.builtInLambdaAccount))
    return undefined;
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

function isLongTask(taskType: string | undefined): boolean {
  return taskType !== undefined && /^(3DPointCloud|VideoObject|Video)/.test(taskType);
}

interface BuildInput {
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
  taskType: string | undefined;
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
  const limit = isLongTask(input.taskType) ? MAX_LONG_TASK_TIME_LIMIT_SECONDS : MAX_TASK_TIME_LIMIT_SECONDS;
  const timeLimit = human.TaskTimeLimitInSeconds;
  if (typeof timeLimit === 'number' && timeLimit > limit) {
    problems.push(`TaskTimeLimitInSeconds ${timeLimit} exceeds ${limit} for task type ${input.taskType ?? 'custom'}`);
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
    problems.push(`the parent has no LabelCategoryConfigS3Uri (task types without label categories are not chained)`);
  }

  const autoLabeling = request.autoLabeling ?? job.LabelingJobAlgorithmsConfig !== undefined;
  let algorithms: Record<string, unknown> | undefined;
  if (autoLabeling) {
    const specification =
      overrides.algorithmSpecificationArn ?? job.LabelingJobAlgorithmsConfig?.LabelingJobAlgorithmSpecificationArn;
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
