/**
 * Names and limits shared by the Custom Labels assist construct, its handlers, its state machine and `mlw labels`.
 * Zero imports: the CDK app may import this file.
 *
 * The workflow: a Rekognition Custom Labels object-detection model proposes boxes on a folder of images, people verify
 * them in the review portal (image tasks, `bounding-box-verification`), the verified images become a Custom Labels
 * manifest that is added to the project's training dataset, and a new model version may be trained and compared. The
 * model runs only while it detects, and is stopped on every exit path when the run started it.
 */

/** Environment variables of the assist functions. */
export const CUSTOM_LABELS_ASSIST_ENV = {
  /** The images bucket: images under any prefix, the run's files under `runs/<run id>/`. */
  BUCKET: 'CLA_BUCKET',
  /** The Rekognition Custom Labels project ARN. */
  PROJECT_ARN: 'CLA_PROJECT_ARN',
  /** Default `MinConfidence` of `DetectCustomLabels` (0–100). */
  MIN_CONFIDENCE: 'CLA_MIN_CONFIDENCE',
  /** Images per page of the run (one `ProposeBoxes` invocation and one state payload each). */
  IMAGES_PER_PAGE: 'CLA_IMAGES_PER_PAGE',
  /** Images per review task. */
  IMAGES_PER_TASK: 'CLA_IMAGES_PER_TASK',
  /** `portal` or `ground-truth`. */
  REVIEW: 'CLA_REVIEW',
  /** Label attribute of the manifest the run writes. */
  LABEL_ATTRIBUTE: 'CLA_LABEL_ATTRIBUTE',
  /** The assist state machine (the idle check asks which of its executions still run). */
  STATE_MACHINE_ARN: 'CLA_STATE_MACHINE_ARN',
  /** Minutes a model may run with no run using it before the idle check stops it. */
  MAX_IDLE_MINUTES: 'CLA_MAX_IDLE_MINUTES',
  /** Minutes between two idle checks (the inference-hours metric counts each running model for this long). */
  CHECK_INTERVAL_MINUTES: 'CLA_CHECK_INTERVAL_MINUTES',
} as const;

/** How people verify the proposals: our review portal (any account), or Ground Truth bounding-box adjustment. */
export const REVIEW_MODES = ['portal', 'ground-truth'] as const;
/** One of {@link REVIEW_MODES}. */
export type ReviewMode = (typeof REVIEW_MODES)[number];

/** Image formats Custom Labels reads (PNG and JPEG), by file extension. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'] as const;
/** Largest image `DetectCustomLabels` reads from S3 (Custom Labels guidelines and quotas: 15 MB). */
export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
/** Smallest and largest image side Custom Labels accepts, in pixels (guidelines and quotas). */
export const MIN_IMAGE_SIDE = 64;
export const MAX_IMAGE_SIDE = 4096;
/** Most boxes Custom Labels accepts on one image (guidelines and quotas), also `MaxResults` of `DetectCustomLabels`. */
export const MAX_BOXES_PER_IMAGE = 50;
/** Most labels (classes) one Custom Labels dataset may have (guidelines and quotas). */
export const MAX_LABELS = 250;
/** Longest label name Custom Labels accepts (characters). */
export const MAX_LABEL_LENGTH = 256;
/**
 * `UpdateDatasetEntries`: "the size of Changes must be less than 5MB". `Changes.GroundTruth` is a blob sent
 * base64-encoded in the JSON request, so each chunk is cut to keep its base64 form under 5,000,000 bytes (the smaller
 * reading of "5MB"): at most 3,749,000 bytes of JSON Lines.
 */
export const UPDATE_DATASET_ENTRIES_MAX_BYTES = 3_749_000;
/** Default `MinConfidence` of `DetectCustomLabels`. */
export const DEFAULT_MIN_CONFIDENCE = 40;

/** Where the run keeps its files in the bucket (`runs/<run id>/…`). */
export const RUN_PREFIX = 'runs/';
/** The idle check's records of models in use (`model-usage/<run id>.json`) and of running models seen. */
export const MODEL_USAGE_PREFIX = 'model-usage/';
export const MODEL_WATCH_PREFIX = 'model-watch/';

/**
 * Keys of a run's files. Numbered files (pages, proposals, dataset changes) carry the plain number: the state machine
 * builds the same keys with `States.Format`.
 */
export const runKeys = (runId: string) => ({
  request: `${RUN_PREFIX}${runId}/request.json`,
  page: (page: number) => `${RUN_PREFIX}${runId}/pages/${page}.json`,
  skipped: `${RUN_PREFIX}${runId}/skipped.jsonl`,
  proposals: (page: number) => `${RUN_PREFIX}${runId}/proposals/${page}.json`,
  proposalsPrefix: `${RUN_PREFIX}${runId}/proposals/`,
  review: (taskId: string) => `${RUN_PREFIX}${runId}/reviews/${taskId}.json`,
  reviewsPrefix: `${RUN_PREFIX}${runId}/reviews/`,
  groundTruthInput: `${RUN_PREFIX}${runId}/ground-truth/input.manifest`,
  groundTruthCategories: `${RUN_PREFIX}${runId}/ground-truth/categories.json`,
  groundTruthOutput: `${RUN_PREFIX}${runId}/ground-truth/output/`,
  manifest: `${RUN_PREFIX}${runId}/manifest/output.manifest`,
  needsLabeling: `${RUN_PREFIX}${runId}/manifest/needs-labeling.jsonl`,
  changes: (chunk: number) => `${RUN_PREFIX}${runId}/dataset-changes/${chunk}.jsonl`,
  training: `${RUN_PREFIX}${runId}/training/`,
  summary: `${RUN_PREFIX}${runId}/summary.json`,
  usage: `${MODEL_USAGE_PREFIX}${runId}.json`,
});

/** State names of the tasks the tests answer (the synthesized definition is run locally). */
export const CLA_STATES = {
  LIST_IMAGES: 'ListImages',
  DESCRIBE_MODEL: 'DescribeModel',
  START_MODEL: 'StartModel',
  RECORD_MODEL_USE: 'RecordModelUse',
  LOAD_PAGE: 'LoadPage',
  DETECT: 'DetectCustomLabels',
  PROPOSE: 'ProposeBoxes',
  RELEASE_MODEL: 'ReleaseModel',
  RELEASE_MODEL_ON_FAILURE: 'ReleaseModelOnFailure',
  CHECK_REVIEWS: 'CheckReviews',
  PREPARE_GROUND_TRUTH: 'PrepareGroundTruth',
  CREATE_LABELING_JOB: 'CreateLabelingJob',
  DESCRIBE_LABELING_JOB: 'DescribeLabelingJob',
  BUILD_MANIFEST: 'BuildManifest',
  CREATE_TRAIN_DATASET: 'CreateTrainDataset',
  DESCRIBE_TRAIN_DATASET: 'DescribeTrainDataset',
  SEND_CHUNK: 'UpdateDatasetEntries',
  DESCRIBE_UPDATED_DATASET: 'DescribeUpdatedDataset',
  CREATE_TEST_DATASET: 'CreateTestDataset',
  DESCRIBE_TEST_DATASET: 'DescribeTestDataset',
  DISTRIBUTE_ENTRIES: 'DistributeDatasetEntries',
  DESCRIBE_DISTRIBUTED_DATASET: 'DescribeDistributedDataset',
  CREATE_VERSION: 'CreateProjectVersion',
  DESCRIBE_TRAINED: 'DescribeTrainedVersion',
  DESCRIBE_PREVIOUS: 'DescribePreviousVersion',
  SUMMARIZE: 'Summarize',
} as const;

/** Review task ids of a run: `cla-<run id>-<task number>` (the A2I human loop name rule, ≤ 63 characters). */
export const TASK_ID_PREFIX = 'cla-';
export function taskIdFor(runId: string, task: number): string {
  return `${TASK_ID_PREFIX}${runId}-${String(task).padStart(6, '0')}`;
}
/** The run id of a review task id, or undefined when the task is not one of ours. */
export function runIdOfTask(taskId: string): string | undefined {
  return /^cla-([a-z0-9]{12})-\d{6,}$/.exec(taskId)?.[1];
}
/** Run ids: 12 lower-case hex characters (derived from the execution). */
export const RUN_ID_PATTERN = /^[a-z0-9]{12}$/;

/** Metric names (namespace `MlWorkflows`, dimension `service`). */
export const CUSTOM_LABELS_ASSIST_METRICS = {
  /** Images listed for a run (jpg/png under 15 MB with a readable header). */
  IMAGES_LISTED: 'AssistImagesListed',
  /** Objects skipped by the listing (wrong type, too large, unreadable header, too small/large) — in the run's report. */
  IMAGES_SKIPPED: 'AssistImagesSkipped',
  /** Boxes proposed by the model. */
  BOXES_PROPOSED: 'AssistBoxesProposed',
  /** Review tasks created. */
  TASKS_CREATED: 'AssistReviewTasksCreated',
  /** Completed reviews recorded for runs. */
  REVIEWS_RECORDED: 'AssistReviewsRecorded',
  /** Manifest lines written (verified images). */
  MANIFEST_LINES: 'AssistManifestLines',
  /** Images rejected as a whole (needs-labeling list). */
  NEEDS_LABELING: 'AssistImagesNeedLabeling',
  /** Inference-unit hours of the project's running models, counted by the idle check. */
  INFERENCE_UNIT_HOURS: 'AssistInferenceUnitHours',
  /** Models the idle check (or the clean-up of an aborted run) stopped. */
  MODELS_STOPPED: 'AssistModelsStopped',
} as const;

/** Powertools service names of the functions (metric dimension). */
export const CUSTOM_LABELS_ASSIST_SERVICE = {
  RUN: 'custom-labels-assist',
  MODELS: 'custom-labels-assist-models',
} as const;

/** Stack outputs `mlw labels` reads. */
export const CLA_OUTPUTS = {
  STATE_MACHINE_ARN: 'StateMachineArn',
  PROJECT_ARN: 'ProjectArn',
  BUCKET: 'ImagesBucketName',
} as const;

/**
 * AWS Regions where Amazon Rekognition Custom Labels is offered (the Custom Labels endpoints of the AWS General
 * Reference). Synth warns for a configured Region outside this list.
 */
export const CUSTOM_LABELS_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
] as const;

/** Model version statuses (`DescribeProjectVersions`) the run reacts to. */
export const MODEL_STATUS = {
  RUNNING: 'RUNNING',
  STARTING: 'STARTING',
  STOPPING: 'STOPPING',
  STOPPED: 'STOPPED',
  TRAINING_COMPLETED: 'TRAINING_COMPLETED',
  TRAINING_IN_PROGRESS: 'TRAINING_IN_PROGRESS',
  TRAINING_FAILED: 'TRAINING_FAILED',
  FAILED: 'FAILED',
} as const;

/** The execution input of the assist state machine (what `mlw labels assist start` sends). */
export interface AssistRequest {
  /** `s3://<images bucket>/<prefix>/`: the images to propose boxes for. */
  readonly images: string;
  /** The model version that proposes boxes (`arn:…:project/<name>/version/<version>/<timestamp>`). */
  readonly modelVersionArn: string;
  /** `DetectCustomLabels` `MinConfidence` (0–100). @default the deployed `minConfidence` */
  readonly minConfidence?: number;
  /** Train a new model version on the updated dataset and compare it. @default false */
  readonly train?: boolean;
  /**
   * Labels reviewers may give a box (relabel, draw), besides the labels the model proposes. `mlw labels assist start`
   * fills in the training dataset's labels. @default the proposed labels only
   */
  readonly labels?: readonly string[];
}

/** One image of a page (listing output). */
export interface PageImage {
  /** Object key in the bucket. */
  readonly key: string;
  /** Width and height in pixels as displayed (EXIF orientation applied). */
  readonly width: number;
  readonly height: number;
  /** Object size in bytes. */
  readonly bytes: number;
}

/** An object the listing skipped, and why (the run's `skipped.jsonl`). */
export interface SkippedObject {
  readonly key: string;
  readonly reason: string;
}
