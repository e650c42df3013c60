import { z } from 'zod';
import { ValidationError } from '../../shared/errors';
import type { JsonLineBatches } from '../../shared/jsonl';
import type { LabelCounters } from './manifest';
import { type ChainRequest, describeIssues } from './request';

/**
 * The planner's data: what the state machine hands it (settings, the described job, the chain state), what it
 * answers (a `CreateLabelingJob` request or a summary) and the small ports it is given. Shapes only; the steps live in
 * their own files (see plan.ts).
 */

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
  /** What the job itself counted (reconciled with the manifest by `reconcile.ts`). */
  LabelCounters: z
    .looseObject({
      TotalLabeled: z.number().optional(),
      HumanLabeled: z.number().optional(),
      MachineLabeled: z.number().optional(),
      FailedNonRetryableError: z.number().optional(),
      Unlabeled: z.number().optional(),
    })
    .optional(),
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

export const chainStateSchema = z
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

/** Parse with a schema or throw a ValidationError naming every problem (`Invalid <what>: …`). */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = describeIssues(parsed.error.issues, value, what);
    throw new ValidationError(`Invalid ${what}: ${details.join('; ')}`, details);
  }
  return parsed.data;
}
