/**
 * Contract of the Ground Truth job chain, shared by the construct (lib/) and the handlers, zero imports: tag keys,
 * metric names, the state-machine input fields and the Regions' built-in task Lambda accounts.
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

/** Metric names published by the planning function. */
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
