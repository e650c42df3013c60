/**
 * Contract of the Ground Truth job chain, shared by the construct (lib/) and the handlers, zero imports: tag keys,
 * metric names, the state-machine input fields, the Regions' built-in task Lambda accounts and the table of Ground
 * Truth task types ({@link GROUND_TRUTH_TASK_TYPES}) every task-type rule is derived from.
 */

/** Tag that opts a labeling job into auto-continue (value `true`). */
export const AUTO_CHAIN_TAG_KEY = 'ml-workflows:auto-chain';
/** Tag on every job the chain creates: the name of the first job of the chain. */
export const CHAIN_ROOT_TAG_KEY = 'ml-workflows:chain-root';
/** Tag on every job the chain creates: the job it continues. */
export const CHAIN_PARENT_TAG_KEY = 'ml-workflows:chain-parent';
/** Tag on every job the chain creates: its position in the chain (1 for the first child). */
export const CHAIN_INDEX_TAG_KEY = 'ml-workflows:chain-index';

/** `detail-type` of the EventBridge event SageMaker sends when a labeling job changes status. */
export const LABELING_JOB_STATE_CHANGE = 'SageMaker Ground Truth Labeling Job State Change';
/** Statuses that start the chain automatically (for opted-in jobs). */
export const AUTO_CONTINUE_STATUSES = ['Stopped', 'Failed'] as const;
/** Statuses in which a labeling job has ended. */
export const ENDED_STATUSES = ['Completed', 'Stopped', 'Failed'] as const;
/** Statuses in which a labeling job is still running. */
export const RUNNING_STATUSES = ['Initializing', 'InProgress', 'Stopping'] as const;

/** Value of `trigger` in the state-machine input when the auto-continue rule started the execution. */
export const AUTO_CONTINUE_TRIGGER = 'auto-continue';

/** Default and maximum length of a chain (jobs created by one execution). */
export const DEFAULT_MAX_CHAIN_LENGTH = 3;
export const MAX_CHAIN_LENGTH_LIMIT = 10;

/** Output of the labeling-chain stack that holds the state machine ARN (read by `mlw chain start`). */
export const STATE_MACHINE_OUTPUT_KEY = 'StateMachineArn';

/** Name of the state that runs the planning Lambda (used by tests to answer it). */
export const PLAN_STATE_NAME = 'PlanNextJob';

/**
 * Environment variables of the chain's functions: none. The planner reads everything it needs from its Step Functions
 * task input (the job description and the chain state), so one function serves every chain.
 */
export const LABELING_CHAIN_ENV = {} as const;

/** Powertools service names: the `service` dimension of the metrics a function publishes. */
export const LABELING_CHAIN_SERVICE = {
  /** The planning function (`plan-next-job.ts`). */
  PLANNER: 'labeling-chain-planner',
} as const;

/** Metric names published by the planning function (namespace `MlWorkflows`, dimension `service`). */
export const LABELING_CHAIN_METRICS = {
  /** Manifest lines read while planning. */
  LINES_SCANNED: 'ManifestLinesScanned',
  /** Objects a planned child job sends to workers. */
  SENT_TO_WORKERS: 'ObjectsSentToWorkers',
  /** Objects a planned child job skips because they are labeled already. */
  SKIPPED: 'ObjectsSkipped',
  /** Child jobs planned. */
  JOBS_PLANNED: 'ChildJobsPlanned',
  /** Chains that ended (any outcome). */
  CHAINS_FINISHED: 'ChainsFinished',
} as const;

/**
 * Account that owns the built-in Ground Truth pre-annotation (`PRE-<TaskType>`) and annotation-consolidation
 * (`ACS-<TaskType>`) Lambda functions in each Region (FORMATS.md, SageMaker Ground Truth).
 */
export const BUILT_IN_TASK_LAMBDA_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '432418664414',
  'us-east-2': '266458841044',
  'us-west-2': '081040173940',
  'ca-central-1': '918755190332',
  'eu-west-1': '568282634449',
  'eu-west-2': '487402164563',
  'eu-central-1': '203001061592',
  'ap-northeast-1': '477331159723',
  'ap-northeast-2': '845288260483',
  'ap-south-1': '565803892007',
  'ap-southeast-1': '377565633583',
  'ap-southeast-2': '454466003867',
};

/** The Regions where Ground Truth's built-in `PRE-`/`ACS-` task Lambdas exist (every built-in task type has all of them). */
export const BUILT_IN_TASK_LAMBDA_REGIONS: readonly string[] = Object.keys(BUILT_IN_TASK_LAMBDA_ACCOUNTS);

/** How a task type stores a data object's label in the output manifest line. */
export type LabelStorage =
  /** The label itself is the value of `<LabelAttributeName>` (a class index, boxes, entities, …). */
  | 'inline'
  /** `<LabelAttributeName>` (ending in `-ref`) holds the S3 URI of a file with the label (a mask, a sequence file). */
  | 'reference'
  /** Custom task types decide themselves. */
  | 'either';

/** What a task type requires of the end of `LabelAttributeName`. */
export type RefSuffixRule = 'required' | 'forbidden' | 'any';

/** Built-in automated data labeling algorithms (`labeling-job-algorithm-specification/<name>`). */
export type AutoLabelingAlgorithm =
  'image-classification' | 'object-detection' | 'semantic-segmentation' | 'text-classification';

/** One Ground Truth task type. */
export interface GroundTruthTaskType {
  /** The name in the built-in Lambda names `PRE-<name>` and `ACS-<name>`; `Custom` for custom workflows. */
  readonly name: string;
  /** As the SageMaker Developer Guide names it. */
  readonly title: string;
  readonly modality: 'image' | 'text' | 'video' | 'video-frame' | '3d-point-cloud' | 'custom';
  /** `labeling` creates labels; `verification` and `adjustment` review another job's labels (a new attribute). */
  readonly kind: 'labeling' | 'verification' | 'adjustment' | 'custom';
  readonly labels: LabelStorage;
  /** `LabelAttributeName` must end with `-ref` (`required`), must not (`forbidden`), or either (`any`). */
  readonly refSuffix: RefSuffixRule;
  /** The built-in algorithm when the task type supports automated data labeling. */
  readonly autoLabeling?: AutoLabelingAlgorithm;
  /** The chain continues jobs of this task type (same label attribute, previous output manifest). */
  readonly chainable: boolean;
  /** Longest `HumanTaskConfig.TaskTimeLimitInSeconds`. */
  readonly maxTaskTimeLimitSeconds: number;
}

/** 8 hours: the task time limit of image, text and custom labeling jobs. */
export const MAX_TASK_TIME_LIMIT_SECONDS = 28_800;
/** 30 days: the task time limit of 3D point cloud and video frame labeling jobs (API reference, `HumanTaskConfig`). */
export const MAX_LONG_TASK_TIME_LIMIT_SECONDS = 2_592_000;

const IMAGE = { modality: 'image', maxTaskTimeLimitSeconds: MAX_TASK_TIME_LIMIT_SECONDS, chainable: true } as const;
const TEXT = { modality: 'text', maxTaskTimeLimitSeconds: MAX_TASK_TIME_LIMIT_SECONDS, chainable: true } as const;
const FRAMES = {
  modality: 'video-frame',
  maxTaskTimeLimitSeconds: MAX_LONG_TASK_TIME_LIMIT_SECONDS,
  chainable: true,
} as const;
const POINTS = {
  modality: '3d-point-cloud',
  maxTaskTimeLimitSeconds: MAX_LONG_TASK_TIME_LIMIT_SECONDS,
  chainable: true,
} as const;
const INLINE = { labels: 'inline', refSuffix: 'forbidden' } as const;
const REFERENCE = { labels: 'reference', refSuffix: 'required' } as const;

/**
 * Ground Truth's task types, one row each, written from the SageMaker Developer Guide and API reference
 * (`HumanTaskConfig.PreHumanTaskLambdaArn` / `AnnotationConsolidationLambdaArn` list the built-in Lambdas and their
 * Regions; `CreateLabelingJob.LabelAttributeName` lists the task types whose attribute must end with `-ref`, every
 * other one must not; "Automate data labeling" lists the four task types with a built-in algorithm; the task time
 * limit is 8 hours for image and text jobs and 30 days for 3D point cloud and video frame jobs). Every task-type rule
 * of the chain (label attribute suffix, auto-labeling, time limit, which Lambdas a job may name) and the deploy-time
 * Lambda mapping read this table.
 *
 * Notes: label verification of semantic segmentation stores a verdict, not a mask, so its attribute must not end with
 * `-ref`; 3D point cloud object detection stores its cuboids inline (it is not in the `-ref` list); 3D-2D object
 * tracking jobs run with the 3D point cloud object tracking Lambdas and worker UI, so they follow that row; video
 * classification is a video job but not a video *frame* job, so it keeps the 8-hour limit.
 */
export const GROUND_TRUTH_TASK_TYPES: readonly GroundTruthTaskType[] = [
  {
    name: 'ImageMultiClass',
    title: 'Image classification (single label)',
    kind: 'labeling',
    ...IMAGE,
    ...INLINE,
    autoLabeling: 'image-classification',
  },
  {
    name: 'ImageMultiClassMultiLabel',
    title: 'Image classification (multi-label)',
    kind: 'labeling',
    ...IMAGE,
    ...INLINE,
  },
  {
    name: 'BoundingBox',
    title: 'Bounding box',
    kind: 'labeling',
    ...IMAGE,
    ...INLINE,
    autoLabeling: 'object-detection',
  },
  {
    name: 'SemanticSegmentation',
    title: 'Semantic segmentation',
    kind: 'labeling',
    ...IMAGE,
    ...REFERENCE,
    autoLabeling: 'semantic-segmentation',
  },
  {
    name: 'VerificationBoundingBox',
    title: 'Label verification (bounding box)',
    kind: 'verification',
    ...IMAGE,
    ...INLINE,
  },
  {
    name: 'VerificationSemanticSegmentation',
    title: 'Label verification (semantic segmentation)',
    kind: 'verification',
    ...IMAGE,
    ...INLINE,
  },
  { name: 'AdjustmentBoundingBox', title: 'Label adjustment (bounding box)', kind: 'adjustment', ...IMAGE, ...INLINE },
  {
    name: 'AdjustmentSemanticSegmentation',
    title: 'Label adjustment (semantic segmentation)',
    kind: 'adjustment',
    ...IMAGE,
    ...REFERENCE,
  },
  {
    name: 'TextMultiClass',
    title: 'Text classification (single label)',
    kind: 'labeling',
    ...TEXT,
    ...INLINE,
    autoLabeling: 'text-classification',
  },
  {
    name: 'TextMultiClassMultiLabel',
    title: 'Text classification (multi-label)',
    kind: 'labeling',
    ...TEXT,
    ...INLINE,
  },
  { name: 'NamedEntityRecognition', title: 'Named entity recognition', kind: 'labeling', ...TEXT, ...INLINE },
  {
    name: 'VideoMultiClass',
    title: 'Video classification',
    kind: 'labeling',
    modality: 'video',
    maxTaskTimeLimitSeconds: MAX_TASK_TIME_LIMIT_SECONDS,
    chainable: true,
    ...INLINE,
  },
  { name: 'VideoObjectDetection', title: 'Video frame object detection', kind: 'labeling', ...FRAMES, ...REFERENCE },
  { name: 'VideoObjectTracking', title: 'Video frame object tracking', kind: 'labeling', ...FRAMES, ...REFERENCE },
  {
    name: 'AdjustmentVideoObjectDetection',
    title: 'Video frame object detection adjustment',
    kind: 'adjustment',
    ...FRAMES,
    ...REFERENCE,
  },
  {
    name: 'AdjustmentVideoObjectTracking',
    title: 'Video frame object tracking adjustment',
    kind: 'adjustment',
    ...FRAMES,
    ...REFERENCE,
  },
  {
    name: '3DPointCloudObjectDetection',
    title: '3D point cloud object detection',
    kind: 'labeling',
    ...POINTS,
    ...INLINE,
  },
  {
    name: '3DPointCloudObjectTracking',
    title: '3D point cloud object tracking (and 3D-2D object tracking)',
    kind: 'labeling',
    ...POINTS,
    ...REFERENCE,
  },
  {
    name: '3DPointCloudSemanticSegmentation',
    title: '3D point cloud semantic segmentation',
    kind: 'labeling',
    ...POINTS,
    ...REFERENCE,
  },
  {
    name: 'Adjustment3DPointCloudObjectDetection',
    title: '3D point cloud object detection adjustment',
    kind: 'adjustment',
    ...POINTS,
    ...INLINE,
  },
  {
    name: 'Adjustment3DPointCloudObjectTracking',
    title: '3D point cloud object tracking adjustment',
    kind: 'adjustment',
    ...POINTS,
    ...REFERENCE,
  },
  {
    name: 'Adjustment3DPointCloudSemanticSegmentation',
    title: '3D point cloud semantic segmentation adjustment',
    kind: 'adjustment',
    ...POINTS,
    ...REFERENCE,
  },
  {
    name: 'Custom',
    title: 'Custom labeling workflow (your own pre- and post-annotation Lambdas)',
    kind: 'custom',
    modality: 'custom',
    labels: 'either',
    refSuffix: 'any',
    chainable: true,
    maxTaskTimeLimitSeconds: MAX_TASK_TIME_LIMIT_SECONDS,
  },
];

/**
 * The deploy-time lookup of the built-in task Lambdas (a `CfnMapping`, `Fn::FindInMap` by Region), derived from the
 * table: for each Region where Ground Truth has them, the account that owns `PRE-<name>` and `ACS-<name>` of every
 * built-in task type of {@link GROUND_TRUTH_TASK_TYPES}.
 */
export const BUILT_IN_TASK_LAMBDA_MAPPING: Readonly<Record<string, { readonly account: string }>> = Object.fromEntries(
  BUILT_IN_TASK_LAMBDA_REGIONS.map((region) => [region, { account: BUILT_IN_TASK_LAMBDA_ACCOUNTS[region]! }]),
);

/** The row of custom labeling workflows (task Lambdas that are not Ground Truth's built-ins). */
export const CUSTOM_TASK_TYPE_NAME = 'Custom';
