/**
 * Contract of the classifier-retraining workflow, shared by the construct (lib/), the handlers and the CLI. Zero
 * imports: the CDK app imports this file.
 *
 * Limits come from the Amazon Comprehend Developer Guide: "Guidelines and quotas → Document classification" (classes,
 * class names, documents per class, total size) and "Preparing classifier training data" (CSV: UTF-8, no header, two
 * columns, every row ends with `\n` or `\r\n`; multi-label classes joined by `|`).
 */

/** Environment variables of the retraining handlers. */
export const CLASSIFIER_RETRAINING_ENV = {
  /** The loop's data bucket (reviewed data in, training files and summaries out). */
  DATA_BUCKET: 'RT_DATA_BUCKET',
  /** Prefix of the reviewed training CSV of this classifier: `training-data/<classifier>/`. */
  REVIEWED_PREFIX: 'RT_REVIEWED_PREFIX',
  /** `s3://…` of the base training set merged under the reviewed rows (empty: none). */
  BASE_TRAINING_DATA_URI: 'RT_BASE_TRAINING_DATA_URI',
  /** `true` for a multi-label classifier. */
  MULTI_LABEL: 'RT_MULTI_LABEL',
  /** Reviewed rows needed since the last promoted model (or ingested dataset) before training starts. */
  MIN_NEW_ROWS: 'RT_MIN_NEW_ROWS',
  /** `versions` or `flywheel`. */
  MODE: 'RT_MODE',
  /** Selection: the candidate's F1 must beat the current one by at least this much (0–1). */
  MIN_IMPROVEMENT: 'RT_MIN_IMPROVEMENT',
  /** Selection: the candidate's F1 must be at least this (0–1). */
  MIN_F1: 'RT_MIN_F1',
  /** `auto` or `manual`. */
  APPROVAL: 'RT_APPROVAL',
  /** Comprehend classifier name whose versions the clean-up looks at. */
  COMPREHEND_CLASSIFIER_NAME: 'RT_COMPREHEND_CLASSIFIER_NAME',
  /** Newest versions the clean-up always keeps. */
  KEEP_VERSIONS: 'RT_KEEP_VERSIONS',
} as const;

/** Retraining modes. `versions`: one classifier name, a new `VersionName` per run. `flywheel`: a Comprehend flywheel. */
export const RETRAINING_MODES = ['versions', 'flywheel'] as const;
/** A retraining mode. */
export type RetrainingMode = (typeof RETRAINING_MODES)[number];

/** Approval modes: `auto` deploys a better candidate at once; `manual` waits for `mlw retrain approve`. */
export const APPROVAL_MODES = ['auto', 'manual'] as const;
/** An approval mode. */
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** State-machine input actions (`mlw retrain start|approve|reject|rollback`, or the schedule's `start`). */
export const RUN_ACTIONS = ['start', 'approve', 'reject', 'rollback'] as const;
/** A state-machine input action. */
export type RunAction = (typeof RUN_ACTIONS)[number];

/**
 * Run ids are the execution names: the model's `VersionName` and the flywheel dataset name, so they follow
 * Comprehend's name pattern (letters, digits and single hyphens between them, 1–63 characters).
 */
export const RUN_ID_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Key prefixes under the loop's data bucket. */
export const RT_PREFIX = {
  /** Per run: `retraining/<run id>/train.csv`, `prepare.json`, `sources.json`, `summary.json`, `output/`. */
  RUNS: 'retraining/',
  /** The flywheel data lake: `retraining/flywheel/<classifier>/`. */
  FLYWHEEL_DATA_LAKE: 'retraining/flywheel/',
} as const;

/** Object names under `retraining/<run id>/`. */
export const RUN_FILES = {
  TRAINING_DATA: 'train.csv',
  PREPARE_REPORT: 'prepare.json',
  SOURCES: 'sources.json',
  SUMMARY: 'summary.json',
  OUTPUT: 'output/',
} as const;

/** Items of the run table (partition key `classifier`, sort key `item`). */
export const RUN_TABLE = {
  PARTITION_KEY: 'classifier',
  SORT_KEY: 'item',
  /** The one-run-at-a-time lock: `{runId, executionArn, phase, candidateModelArn?}`. */
  LOCK: 'LOCK',
  /** The model promoted last: `{runId, modelArn, previousModelArn, sourcesUri, promotedAt}`. */
  PROMOTED: 'PROMOTED',
  /** The sources of the dataset ingested last (flywheel mode): `{runId, sourcesUri}`. */
  INGESTED: 'INGESTED',
} as const;

/** Lock phases. */
export const LOCK_PHASES = { RUNNING: 'running', AWAITING_APPROVAL: 'awaiting-approval' } as const;

/** How a run ended (the `status` of the run summary and of the `ml-workflows.retraining` event). */
export const RUN_STATUSES = [
  'Promoted',
  'KeptCurrentModel',
  'AwaitingApproval',
  'Rejected',
  'RolledBack',
  'NotEnoughData',
  'Failed',
] as const;
/** How a run ended. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Named failures of the state machine (the execution's `error`). */
export const RT_ERRORS = {
  RUN_IN_PROGRESS: 'RunInProgress',
  AWAITING_APPROVAL: 'AwaitingApproval',
  NO_RUN_AWAITING_APPROVAL: 'NoRunAwaitingApproval',
  ENDPOINT_OWNED_BY_CLOUDFORMATION: 'EndpointOwnedByCloudFormation',
  TRAINING_FAILED: 'TrainingFailed',
  TRAINING_STOPPED: 'TrainingStopped',
  DATASET_FAILED: 'DatasetFailed',
  ITERATION_FAILED: 'FlywheelIterationFailed',
  ENDPOINT_UPDATE_FAILED: 'EndpointUpdateFailed',
  NOTHING_TO_ROLL_BACK_TO: 'NothingToRollBackTo',
  RUN_FAILED: 'RetrainingFailed',
} as const;

/** EventBridge `source` and `detail-type` of the event every finished run sends. */
export const RETRAINING_EVENT = { SOURCE: 'ml-workflows.retraining', DETAIL_TYPE: 'Retraining Run Finished' } as const;

/** Names of the states that tests answer with local handlers. */
export const RT_STATES = {
  PREPARE: 'PrepareTrainingData',
  EVALUATE: 'EvaluateCandidate',
  CLEAN_UP: 'CleanUpVersions',
} as const;

/** Powertools service names of the workflow's functions (the `service` dimension of their metrics). */
export const CLASSIFIER_RETRAINING_SERVICE = {
  PREPARE: 'classifier-retraining-prepare',
  EVALUATE: 'classifier-retraining-evaluate',
  CLEAN_UP: 'classifier-retraining-clean-up',
  END_RUN: 'classifier-retraining-end-run',
} as const;

/** Metric names. */
export const CLASSIFIER_RETRAINING_METRICS = {
  /** Prepare: valid reviewed rows (after duplicates), base rows, rows since the last promoted model. */
  REVIEWED_ROWS: 'ReviewedRows',
  BASE_ROWS: 'BaseRows',
  NEW_ROWS: 'NewReviewedRows',
  /** Prepare: rows rejected (invalid CSV, empty label or text, too long, multi-label row in multi-class data). */
  REJECTED_ROWS: 'RejectedRows',
  /** Prepare: exact duplicates dropped (same text; the later label won). */
  DUPLICATE_ROWS: 'DuplicateRows',
  /** Prepare: files that could not be read as UTF-8 text (the rows before the bad byte are used). */
  UNREADABLE_FILES: 'UnreadableFiles',
  /** Prepare: runs stopped before training (short classes or too few new rows). */
  NOT_ENOUGH_DATA: 'RunsWithNotEnoughData',
  /** Evaluate: the candidate's and the current model's F1 (micro F1 for multi-label), 0–1. */
  CANDIDATE_F1: 'CandidateF1',
  CURRENT_F1: 'CurrentF1',
  /** Evaluate: decisions. */
  PROMOTE_DECISIONS: 'PromoteDecisions',
  KEEP_DECISIONS: 'KeepDecisions',
  /** Clean-up: model versions deleted. */
  VERSIONS_DELETED: 'ModelVersionsDeleted',
  /** Metric filter on the state machine's log: executions that failed with EndpointUpdateFailed. */
  ENDPOINT_UPDATE_FAILURES: 'EndpointUpdateFailures',
} as const;

/** Comprehend limits the prepare step checks (Developer Guide, "Guidelines and quotas → Document classification"). */
export const COMPREHEND_LIMITS = {
  /** Minimum training documents per class, multi-class mode. */
  MIN_DOCS_PER_CLASS_MULTI_CLASS: 50,
  /** Minimum training documents per class, multi-label mode. */
  MIN_DOCS_PER_CLASS_MULTI_LABEL: 10,
  /** Maximum classes, multi-class mode. */
  MAX_CLASSES_MULTI_CLASS: 1000,
  /** Maximum classes, multi-label mode. */
  MAX_CLASSES_MULTI_LABEL: 100,
  /** Maximum length of a class name (characters). */
  MAX_CLASS_NAME_CHARS: 5000,
  /**
   * Maximum UTF-8 bytes of one document: 100 KB, the document size Comprehend's synchronous operations accept
   * ("Overall quotas"), the same bound the loop's classify API applies to what it records.
   */
  MAX_DOCUMENT_BYTES: 100 * 1024,
  /** Total size of all files of a training job (5 GB). */
  MAX_TRAINING_BYTES: 5 * 1000 ** 3,
  /** Maximum training documents (one document per line, all files). */
  MAX_DOCUMENTS: 1_000_000,
} as const;

/** Defaults of the workflow's settings. */
export const RT_DEFAULTS = {
  MIN_NEW_ROWS: 100,
  MIN_IMPROVEMENT: 0,
  MIN_F1: 0,
  KEEP_VERSIONS: 3,
  INFERENCE_UNITS: 1,
} as const;

/** Multi-label delimiter of Comprehend training data (the `LabelDelimiter` the workflow passes). */
export const LABEL_DELIMITER = '|';

/** Environment variables of the run-end function. */
export const RUN_END_ENV = {
  /** The run table (lock item `LOCK` under partition key = the loop's classifier name). */
  RUN_TABLE: 'RT_END_RUN_TABLE',
  /** The loop's classifier name (the table's partition key value and the run event's `classifier`). */
  CLASSIFIER: 'RT_END_CLASSIFIER',
  /** `versions` or `flywheel`: only versions mode has a classifier version per run to stop. */
  MODE: 'RT_END_MODE',
  /** Comprehend `DocumentClassifierName` of every version (the run event's `comprehendName`). */
  COMPREHEND_CLASSIFIER_NAME: 'RT_END_COMPREHEND_CLASSIFIER_NAME',
  /**
   * ARN of the classifier without a version, `arn:<partition>:comprehend:<region>:<account>:document-classifier/<name>`:
   * the version a run trains is `<this>/version/<run id>`, as the state machine's `CandidateArn` state names it.
   */
  COMPREHEND_CLASSIFIER_ARN: 'RT_END_COMPREHEND_CLASSIFIER_ARN',
} as const;

/** EventBridge `detail-type` of Step Functions' execution events (Step Functions Developer Guide, "EventBridge"). */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** Execution statuses the run-end rule matches, and the run event's `outcome.status` for each. */
export const ABNORMAL_END_STATUSES = { FAILED: 'Failed', TIMED_OUT: 'TimedOut', ABORTED: 'Aborted' } as const;
/** An execution status the run-end rule matches. */
export type AbnormalEndStatus = keyof typeof ABNORMAL_END_STATUSES;

/** Metric names of the run-end function. */
export const RUN_END_METRICS = {
  /** Training jobs the function stopped (`StopTrainingDocumentClassifier` accepted). */
  TRAINING_STOPPED: 'TrainingJobsStopped',
  /** Describe or stop calls that failed (the event is retried, then dead-lettered): training may still bill. */
  STOP_FAILURES: 'TrainingStopFailures',
  /** Runs that ended failed, timed out or aborted still holding the lock, which the function released. */
  LOCKS_RELEASED: 'RunLocksReleased',
} as const;
