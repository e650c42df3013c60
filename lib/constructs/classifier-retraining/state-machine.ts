/**
 * The classifier-retraining state machine (JSONPath, so the synthesized definition runs in aws-local-stepfunctions).
 * Longer than 400 lines because it is one flow read top to bottom — lock, endpoint, prepare, train (versions or
 * flywheel), evaluate, deploy, record, clean up, notify — each part a short section; the endpoint part and the shared
 * failure tails live in `deploy.ts` and `steps.ts`.
 */
import {
  Aws,
  type Duration,
  type aws_dynamodb as dynamodb,
  type aws_lambda as lambda,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  LOCK_PHASES,
  RT_ERRORS,
  RT_PREFIX,
  RT_STATES,
  RUN_FILES,
  RUN_TABLE,
  type ApprovalMode,
  type RetrainingMode,
} from '../../../lambdas/classifier-retraining/contract';
import { type RetrainingEndpoint, buildEndpointSteps } from './deploy';
import { CONDITION_FAILED, LAMBDA_TRANSIENT, RetrainingSteps } from './steps';

/**
 * `{"Not": {"IsPresent": true}}` rather than `{"IsPresent": false}`: the same test in Step Functions, and the form
 * aws-local-stepfunctions evaluates correctly (it treats `IsPresent: false` as never true), so the local runs of the
 * synthesized definition take the same branches as AWS.
 */
const absent = (variable: string): sfn.Condition => sfn.Condition.not(sfn.Condition.isPresent(variable));

/** Options of {@link buildRetrainingDefinition}. */
export interface RetrainingDefinitionOptions {
  readonly mode: RetrainingMode;
  readonly approval: ApprovalMode;
  /** The loop's classifier name (partition key of the run table, and the run event's `classifier`). */
  readonly classifier: string;
  /** Comprehend `DocumentClassifierName` of every version (versions mode). */
  readonly comprehendName: string;
  readonly multiLabel: boolean;
  readonly languageCode: string;
  readonly table: dynamodb.ITable;
  readonly prepareFunction: lambda.IFunction;
  readonly evaluateFunction: lambda.IFunction;
  readonly cleanUpFunction: lambda.IFunction;
  readonly dataBucketName: string;
  readonly dataAccessRoleArn: string;
  /** Frozen test set (`TestS3Uri`), so versions are compared on the same documents. */
  readonly testDataUri?: string;
  readonly volumeKmsKeyId?: string;
  readonly modelKmsKeyId?: string;
  /** ARN of the flywheel (flywheel mode). */
  readonly flywheelArn?: string;
  readonly endpoint: RetrainingEndpoint;
  readonly endpointName: string;
  readonly inferenceUnits: number;
  readonly trainingPollInterval: Duration;
  readonly endpointPollInterval: Duration;
  readonly tags: Record<string, string>;
  /** IAM resources: the classifier's versions, every model the endpoint may hold, endpoints, the flywheel's datasets. */
  readonly resources: {
    readonly versions: string[];
    readonly models: string[];
    readonly endpoints: string[];
    readonly datasets: string[];
    readonly executions: string[];
  };
}

/**
 * The retraining workflow. Execution input: `{"action": "start"}` (the default; the schedule and `mlw retrain start`),
 * `{"action": "approve" | "reject", "runId"}` for a run awaiting approval, `{"action": "rollback", "modelArn"?}`. The
 * execution name is the run id (the model's `VersionName`).
 */
export function buildRetrainingDefinition(scope: Construct, o: RetrainingDefinitionOptions): sfn.IChainable {
  const flywheel = o.mode === 'flywheel';
  const tagList = Object.entries(o.tags).map(([Key, Value]) => ({ Key, Value }));
  const steps = new RetrainingSteps(scope, o.table, o.classifier, { mode: o.mode, comprehendName: o.comprehendName });
  const S = (value: string) => tasks.DynamoAttributeValue.fromString(value);
  const path = (jsonPath: string) => sfn.JsonPath.stringAt(jsonPath);

  const endpoint = buildEndpointSteps(steps, {
    endpoint: o.endpoint,
    flywheelArn: o.flywheelArn,
    endpointName: o.endpointName,
    inferenceUnits: o.inferenceUnits,
    pollInterval: o.endpointPollInterval,
    tags: tagList,
    endpointResources: o.resources.endpoints,
    modelResources: o.resources.models,
  });

  // ---- endings -------------------------------------------------------------------------------------------------
  const finish = (id: string, outcome: Record<string, unknown>, release = true): sfn.IChainable => {
    const record = new sfn.Pass(scope, id, {
      comment: `The run ends: ${String(outcome.status)}`,
      parameters: outcome,
      resultPath: '$.outcome',
    });
    const notify = steps.notify(`Notify${id}`);
    const done = new sfn.Succeed(scope, `${id}Done`, { comment: 'The outcome and the run id are the output' });
    const tail = notify.next(
      new sfn.Pass(scope, `${id}Output`, {
        parameters: { 'runId.$': '$.runId', 'outcome.$': '$.outcome' },
      }).next(done),
    );
    if (!release) return record.next(tail);
    const releaseLock = steps.releaseLock(`ReleaseLock${id}`);
    releaseLock.addCatch(tail, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    steps.catchUnexpected(releaseLock);
    return record.next(releaseLock).next(tail);
  };

  // ---- record the promotion, clean up --------------------------------------------------------------------------
  const cleanUp = cleanUpVersions(
    scope,
    o,
    RT_STATES.CLEAN_UP,
    'CleanUpFailed',
    '$.deploy.modelArn, $.endpoint.modelArn',
  );

  const promoted = finish('Promoted', {
    'status.$': '$.deploy.status',
    'modelArn.$': '$.deploy.modelArn',
    'previousModelArn.$': '$.endpoint.modelArn',
    'endpointArn.$': '$.endpoint.arn',
    'promotedRunId.$': '$.deploy.runId',
  });
  const recordPromotion = new tasks.DynamoUpdateItem(scope, 'RecordPromotion', {
    comment: 'The promoted model, the one it replaced (rollback target) and the data it was trained on',
    table: o.table,
    key: steps.key(RUN_TABLE.PROMOTED),
    updateExpression:
      'SET modelArn = :model, previousModelArn = :previous, runId = :run, sourcesUri = :sources, promotedAt = :at, endpointArn = :endpoint',
    expressionAttributeValues: {
      ':model': S(path('$.deploy.modelArn')),
      ':previous': S(path('$.endpoint.modelArn')),
      ':run': S(path('$.deploy.runId')),
      ':sources': S(path('$.deploy.sourcesUri')),
      ':at': S(path('$$.State.EnteredTime')),
      ':endpoint': S(path('$.endpoint.arn')),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.catchUnexpected(recordPromotion);
  if (flywheel) recordPromotion.next(promoted);
  else {
    recordPromotion.next(cleanUp.task);
    cleanUp.task.next(promoted);
    cleanUp.failed.next(promoted);
  }
  const deployAndRecord = endpoint.deploy(recordPromotion);

  // ---- approve / reject / rollback -----------------------------------------------------------------------------
  const noRunAwaiting = steps.refuse(
    'NoRunAwaitingApproval',
    RT_ERRORS.NO_RUN_AWAITING_APPROVAL,
    "States.Format('No run {} awaits approval for this classifier (mlw retrain status shows the one that does)', $.input.runId)",
  );
  const approve = new tasks.DynamoUpdateItem(scope, 'ApproveRun', {
    comment: 'Take the lock of the run awaiting approval (only that run, only while it awaits)',
    table: o.table,
    key: steps.lockKey(),
    conditionExpression: 'runId = :run AND phase = :awaiting',
    updateExpression: 'SET phase = :running, executionArn = :me',
    expressionAttributeValues: {
      ':run': S(path('$.input.runId')),
      ':awaiting': S(LOCK_PHASES.AWAITING_APPROVAL),
      ':running': S(LOCK_PHASES.RUNNING),
      ':me': S(path('$.executionArn')),
    },
    returnValues: tasks.DynamoReturnValues.ALL_NEW,
    resultSelector: {
      'modelArn.$': '$.Attributes.candidateModelArn.S',
      'sourcesUri.$': '$.Attributes.sourcesUri.S',
      'runId.$': '$.Attributes.runId.S',
      status: 'Promoted',
    },
    resultPath: '$.deploy',
  });
  approve.addCatch(noRunAwaiting, { errors: [CONDITION_FAILED], resultPath: '$.caught' });
  approve.addCatch(steps.refuse('ApproveFailed', RT_ERRORS.RUN_FAILED, "States.Format('{}', $.caught.Cause)"), {
    resultPath: '$.caught',
  });

  const reject = new tasks.DynamoDeleteItem(scope, 'RejectRun', {
    comment: 'Abandon the run awaiting approval: release its lock',
    table: o.table,
    key: steps.lockKey(),
    conditionExpression: 'runId = :run AND phase = :awaiting',
    expressionAttributeValues: { ':run': S(path('$.input.runId')), ':awaiting': S(LOCK_PHASES.AWAITING_APPROVAL) },
    returnValues: tasks.DynamoReturnValues.ALL_OLD,
    resultSelector: { 'candidateModelArn.$': '$.Attributes.candidateModelArn.S' },
    resultPath: '$.rejected',
  });
  reject.addCatch(noRunAwaiting, { errors: [CONDITION_FAILED], resultPath: '$.caught' });
  reject.next(
    finish(
      'Rejected',
      { status: 'Rejected', 'rejectedRunId.$': '$.input.runId', 'candidateModelArn.$': '$.rejected.candidateModelArn' },
      false,
    ),
  );

  const readPromoted = new tasks.DynamoGetItem(scope, 'ReadPromotedModel', {
    comment: 'The promoted model and the one before it',
    table: o.table,
    key: steps.key(RUN_TABLE.PROMOTED),
    consistentRead: true,
    resultPath: '$.promoted',
  });
  steps.catchUnexpected(readPromoted);
  const nothingToRollBackTo = steps.fail(
    'NothingToRollBackTo',
    RT_ERRORS.NOTHING_TO_ROLL_BACK_TO,
    'No model was promoted by this workflow yet, so there is no previous model to go back to',
  );
  const rollbackTarget = new sfn.Choice(scope, 'RollbackTarget', {
    comment: 'The model asked for, or the previous one',
  })
    .when(absent('$.promoted.Item'), nothingToRollBackTo)
    .when(
      sfn.Condition.isPresent('$.input.modelArn'),
      new sfn.Pass(scope, 'RollBackToAskedModel', {
        parameters: {
          'modelArn.$': '$.input.modelArn',
          'sourcesUri.$': '$.promoted.Item.sourcesUri.S',
          'runId.$': '$.runId',
          status: 'RolledBack',
        },
        resultPath: '$.deploy',
      }).next(deployAndRecord),
    )
    .when(
      sfn.Condition.or(
        absent('$.promoted.Item.previousModelArn.S'),
        sfn.Condition.stringEquals('$.promoted.Item.previousModelArn.S', ''),
      ),
      nothingToRollBackTo,
    )
    .otherwise(
      new sfn.Pass(scope, 'RollBackToPreviousModel', {
        parameters: {
          'modelArn.$': '$.promoted.Item.previousModelArn.S',
          'sourcesUri.$': '$.promoted.Item.sourcesUri.S',
          'runId.$': '$.runId',
          status: 'RolledBack',
        },
        resultPath: '$.deploy',
      }).next(deployAndRecord),
    );
  readPromoted.next(rollbackTarget);

  // ---- start: prepare → train → evaluate → promote / wait for approval / keep ---------------------------------
  const baseline = new tasks.DynamoGetItem(scope, 'ReadBaseline', {
    comment: flywheel
      ? 'The sources of the dataset ingested last: rows after them are new'
      : 'The sources of the promoted model: rows after them are new',
    table: o.table,
    key: steps.key(flywheel ? RUN_TABLE.INGESTED : RUN_TABLE.PROMOTED),
    consistentRead: true,
    resultPath: '$.baseline',
  });
  steps.catchUnexpected(baseline);
  const prepare = new tasks.LambdaInvoke(scope, RT_STATES.PREPARE, {
    comment: 'Merge, check and count the training data; write the training file when training may start',
    lambdaFunction: o.prepareFunction,
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({ 'runId.$': '$.runId', 'baseline.$': '$.baseline' }),
    resultPath: '$.prepare',
  });
  prepare.addRetry({ errors: LAMBDA_TRANSIENT, maxAttempts: 4, backoffRate: 2 });
  prepare.addCatch(steps.fail('InvalidTrainingData', RT_ERRORS.RUN_FAILED, "States.Format('{}', $.caught.Cause)"), {
    errors: ['ValidationError'],
    resultPath: '$.caught',
  });
  steps.catchUnexpected(prepare);
  baseline.next(prepare);

  const notEnoughData = finish('NotEnoughData', {
    status: 'NotEnoughData',
    'reasons.$': '$.prepare.reasons',
    'shortClasses.$': '$.prepare.shortClasses',
    'rows.$': '$.prepare.rows',
    'reportUri.$': '$.prepare.reportUri',
  });

  const evaluate = new tasks.LambdaInvoke(scope, RT_STATES.EVALUATE, {
    comment: 'Compare the candidate with the current model; write the run summary',
    lambdaFunction: o.evaluateFunction,
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({
      'runId.$': '$.runId',
      classifier: o.classifier,
      mode: o.mode,
      'candidate.$': '$.trained',
      'current.$': '$.currentModel',
      'prepare.$': '$.prepare',
    }),
    resultPath: '$.evaluation',
  });
  evaluate.addRetry({ errors: LAMBDA_TRANSIENT, maxAttempts: 4, backoffRate: 2 });
  steps.catchUnexpected(evaluate);

  const awaitApproval = new tasks.DynamoUpdateItem(scope, 'AwaitApproval', {
    comment: 'Keep the lock for this run until a person approves or rejects it',
    table: o.table,
    key: steps.lockKey(),
    conditionExpression: 'executionArn = :me',
    updateExpression:
      'SET phase = :awaiting, candidateModelArn = :candidate, sourcesUri = :sources, summaryUri = :summary',
    expressionAttributeValues: {
      ':me': S(path('$.executionArn')),
      ':awaiting': S(LOCK_PHASES.AWAITING_APPROVAL),
      ':candidate': S(path('$.evaluation.candidateModelArn')),
      ':sources': S(path('$.prepare.sourcesUri')),
      ':summary': S(path('$.evaluation.summaryUri')),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.catchUnexpected(awaitApproval);
  awaitApproval.next(
    finish(
      'AwaitingApproval',
      {
        status: 'AwaitingApproval',
        'candidateModelArn.$': '$.evaluation.candidateModelArn',
        'selection.$': '$.evaluation.selection',
        'summaryUri.$': '$.evaluation.summaryUri',
      },
      false,
    ),
  );
  const kept = finish('KeptCurrentModel', {
    status: 'KeptCurrentModel',
    'candidateModelArn.$': '$.evaluation.candidateModelArn',
    'selection.$': '$.evaluation.selection',
    'summaryUri.$': '$.evaluation.summaryUri',
  });
  const promote = new sfn.Pass(scope, 'PromoteCandidate', {
    parameters: {
      'modelArn.$': '$.evaluation.candidateModelArn',
      'sourcesUri.$': '$.prepare.sourcesUri',
      'runId.$': '$.runId',
      status: 'Promoted',
    },
    resultPath: '$.deploy',
  }).next(deployAndRecord);
  evaluate.next(
    new sfn.Choice(scope, 'Decision', { comment: 'promote, await-approval or keep' })
      .when(sfn.Condition.stringEquals('$.evaluation.decision', 'promote'), promote)
      .when(sfn.Condition.stringEquals('$.evaluation.decision', 'await-approval'), awaitApproval)
      // No clean-up in flywheel mode: the flywheel keeps its own models.
      .otherwise(flywheel ? kept : keepAfterCleanUp(scope, o, kept)),
  );

  const train = flywheel ? flywheelTraining(scope, steps, o, evaluate) : versionTraining(scope, steps, o, evaluate);
  prepare.next(
    new sfn.Choice(scope, 'EnoughData', { comment: 'Stop before paying for training when the data is short' })
      .when(sfn.Condition.booleanEquals('$.prepare.mayTrain', true), train)
      .otherwise(notEnoughData),
  );

  // ---- the lock, then route by action --------------------------------------------------------------------------
  const afterEndpoint = new sfn.Choice(scope, 'AfterEndpoint', { comment: 'Continue the action' })
    .when(sfn.Condition.stringEquals('$.input.action', 'approve'), deployAndRecord)
    .when(sfn.Condition.stringEquals('$.input.action', 'rollback'), readPromoted)
    .otherwise(baseline);
  const resolveEndpoint = endpoint.resolve(afterEndpoint);
  approve.next(resolveEndpoint);

  const acquire = lockAcquisition(scope, steps, resolveEndpoint, o);

  const start = new sfn.Pass(scope, 'Start', {
    comment: 'The run id is the execution name; the action defaults to start',
    parameters: {
      'input.$': '$',
      'runId.$': '$$.Execution.Name',
      'executionArn.$': '$$.Execution.Id',
      'startedAt.$': '$$.Execution.StartTime',
    },
  });
  const defaultAction = new sfn.Pass(scope, 'DefaultAction', {
    comment: 'No action: start a run',
    parameters: { action: 'start' },
    resultPath: '$.input',
  }).next(acquire);
  return start.next(
    new sfn.Choice(scope, 'Action', { comment: 'start (default), approve, reject or rollback' })
      .when(absent('$.input.action'), defaultAction)
      .when(sfn.Condition.stringEquals('$.input.action', 'approve'), approve)
      .when(sfn.Condition.stringEquals('$.input.action', 'reject'), reject)
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals('$.input.action', 'start'),
          sfn.Condition.stringEquals('$.input.action', 'rollback'),
        ),
        acquire,
      )
      .otherwise(
        steps.refuse(
          'UnknownAction',
          'InvalidRequest',
          "States.Format('Unknown action {}: use start, approve, reject or rollback', $.input.action)",
        ),
      ),
  );
}

/**
 * The clean-up task (versions older than the newest keepVersions that no endpoint uses; `protect` lists the model ARNs
 * it must keep, as JSONPath arguments of `States.Array`) and the state a failed clean-up goes to: a failed clean-up
 * undoes nothing, the run says so in `$.cleanUp`, and the function's error alarm fires.
 */
function cleanUpVersions(
  scope: Construct,
  o: RetrainingDefinitionOptions,
  id: string,
  failedId: string,
  protect: string,
): { task: tasks.LambdaInvoke; failed: sfn.Pass } {
  const task = new tasks.LambdaInvoke(scope, id, {
    comment: 'Delete versions older than the newest keepVersions that no endpoint uses',
    lambdaFunction: o.cleanUpFunction,
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({ 'protect.$': `States.Array(${protect})` }),
    resultPath: '$.cleanUp',
  });
  task.addRetry({ errors: LAMBDA_TRANSIENT, maxAttempts: 3 });
  const failed = new sfn.Pass(scope, failedId, {
    parameters: { 'error.$': '$.caught.Error', 'cause.$': '$.caught.Cause' },
    resultPath: '$.cleanUp',
  });
  task.addCatch(failed, { resultPath: '$.caught' });
  return { task, failed };
}

/** Keep the current model: clean up old versions first (versions mode), then end. */
function keepAfterCleanUp(scope: Construct, o: RetrainingDefinitionOptions, kept: sfn.IChainable): sfn.IChainable {
  const cleanUp = cleanUpVersions(
    scope,
    o,
    `${RT_STATES.CLEAN_UP}AfterKeep`,
    'CleanUpAfterKeepFailed',
    '$.endpoint.modelArn',
  );
  cleanUp.failed.next(kept);
  return cleanUp.task.next(kept);
}

/** Take the one-run-per-classifier lock, or take over one whose execution has ended; refuse otherwise. */
function lockAcquisition(
  scope: Construct,
  steps: RetrainingSteps,
  next: sfn.IChainable,
  o: RetrainingDefinitionOptions,
): sfn.IChainable {
  const S = (value: string) => tasks.DynamoAttributeValue.fromString(value);
  const path = (jsonPath: string) => sfn.JsonPath.stringAt(jsonPath);
  const item = {
    ...steps.lockKey(),
    runId: S(path('$.runId')),
    executionArn: S(path('$.executionArn')),
    phase: S(LOCK_PHASES.RUNNING),
    since: S(path('$.startedAt')),
    action: S(path('$.input.action')),
  };
  const acquire = new tasks.DynamoPutItem(scope, 'AcquireLock', {
    comment: 'One run per classifier: a conditional write that only one execution wins',
    table: o.table,
    item,
    conditionExpression: 'attribute_not_exists(#pk)',
    expressionAttributeNames: { '#pk': RUN_TABLE.PARTITION_KEY },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const readLock = new tasks.DynamoGetItem(scope, 'ReadLock', {
    comment: 'Who holds the lock?',
    table: o.table,
    key: steps.lockKey(),
    consistentRead: true,
    resultPath: '$.lock',
  });
  acquire.addCatch(readLock, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
  acquire.addCatch(
    steps.refuse(
      'LockFailed',
      RT_ERRORS.RUN_FAILED,
      "States.Format('The run lock could not be written: {}', $.caught.Cause)",
    ),
    { resultPath: '$.caught' },
  );
  acquire.next(next);

  const inProgress = steps.refuse(
    'RunInProgress',
    RT_ERRORS.RUN_IN_PROGRESS,
    "States.Format('Run {} of this classifier is in progress ({}): one run at a time', $.lock.Item.runId.S, $.lock.Item.executionArn.S)",
  );
  const holder = new tasks.CallAwsService(scope, 'DescribeLockHolder', {
    comment: 'Is the execution that holds the lock still running?',
    service: 'sfn',
    action: 'describeExecution',
    parameters: { ExecutionArn: path('$.lock.Item.executionArn.S') },
    iamResources: o.resources.executions,
    iamAction: 'states:DescribeExecution',
    resultSelector: { 'status.$': '$.Status' },
    resultPath: '$.holder',
  });
  const takeOver = new tasks.DynamoPutItem(scope, 'TakeOverLock', {
    comment: 'The holder ended without releasing the lock (timed out or aborted): take it, if nobody else did',
    table: o.table,
    item,
    conditionExpression: 'executionArn = :holder',
    expressionAttributeValues: { ':holder': S(path('$.lock.Item.executionArn.S')) },
    resultPath: sfn.JsonPath.DISCARD,
  });
  takeOver.addCatch(inProgress, { errors: [CONDITION_FAILED], resultPath: '$.caught' });
  takeOver.next(next);
  holder.addRetry({ errors: ['Sfn.ThrottlingException', 'States.TaskFailed'], maxAttempts: 3 });
  holder.addCatch(takeOver, { errors: ['Sfn.ExecutionDoesNotExistException'], resultPath: sfn.JsonPath.DISCARD });
  holder.next(
    new sfn.Choice(scope, 'LockHolderRunning', { comment: 'A running holder keeps the lock' })
      .when(sfn.Condition.stringEquals('$.holder.status', 'RUNNING'), inProgress)
      .otherwise(takeOver),
  );
  readLock.next(
    new sfn.Choice(scope, 'LockHolder', { comment: 'Released meanwhile, awaiting approval, or held' })
      .when(absent('$.lock.Item'), acquire)
      .when(
        sfn.Condition.stringEquals('$.lock.Item.phase.S', LOCK_PHASES.AWAITING_APPROVAL),
        steps.refuse(
          'AwaitingApproval',
          RT_ERRORS.AWAITING_APPROVAL,
          "States.Format('Run {} awaits approval: mlw retrain approve {} (or reject {}) before another run', $.lock.Item.runId.S, $.lock.Item.runId.S, $.lock.Item.runId.S)",
        ),
      )
      .otherwise(holder),
  );
  return acquire;
}

/** Versions mode: a new `VersionName` under one classifier name, polled until it has trained. */
function versionTraining(
  scope: Construct,
  steps: RetrainingSteps,
  o: RetrainingDefinitionOptions,
  evaluate: sfn.IChainable,
): sfn.IChainable {
  const classifierArn = `arn:${Aws.PARTITION}:comprehend:${Aws.REGION}:${Aws.ACCOUNT_ID}:document-classifier/${o.comprehendName}`;
  const name = new sfn.Pass(scope, 'CandidateArn', {
    comment: 'The version ARN is known before it exists: a re-driven create finds it',
    parameters: { 'arn.$': `States.Format('${classifierArn}/version/{}', $.runId)` },
    resultPath: '$.candidate',
  });
  const create = new tasks.CallAwsService(scope, 'CreateDocumentClassifier', {
    comment: 'Train a new version of the classifier',
    service: 'comprehend',
    action: 'createDocumentClassifier',
    parameters: {
      DocumentClassifierName: o.comprehendName,
      VersionName: sfn.JsonPath.stringAt('$.runId'),
      DataAccessRoleArn: o.dataAccessRoleArn,
      InputDataConfig: {
        DataFormat: 'COMPREHEND_CSV',
        S3Uri: sfn.JsonPath.stringAt('$.prepare.trainingDataUri'),
        ...(o.testDataUri ? { TestS3Uri: o.testDataUri } : {}),
        ...(o.multiLabel ? { LabelDelimiter: '|' } : {}),
      },
      OutputDataConfig: {
        S3Uri: sfn.JsonPath.format(
          `s3://${o.dataBucketName}/${RT_PREFIX.RUNS}{}/${RUN_FILES.OUTPUT}`,
          sfn.JsonPath.stringAt('$.runId'),
        ),
        ...(o.modelKmsKeyId ? { KmsKeyId: o.modelKmsKeyId } : {}),
      },
      LanguageCode: o.languageCode,
      Mode: o.multiLabel ? 'MULTI_LABEL' : 'MULTI_CLASS',
      ...(o.volumeKmsKeyId ? { VolumeKmsKeyId: o.volumeKmsKeyId } : {}),
      ...(o.modelKmsKeyId ? { ModelKmsKeyId: o.modelKmsKeyId } : {}),
      ClientRequestToken: sfn.JsonPath.stringAt('$.runId'),
      Tags: Object.entries(o.tags).map(([Key, Value]) => ({ Key, Value })),
    },
    iamResources: o.resources.versions,
    iamAction: 'comprehend:CreateDocumentClassifier',
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.retryComprehend(create);
  const wait = new sfn.Wait(scope, 'WaitForTraining', {
    comment: 'Training takes from minutes to hours',
    time: sfn.WaitTime.duration(o.trainingPollInterval),
  });
  // The version exists: a re-driven execution created it already. Wait for it.
  create.addCatch(wait, { errors: ['Comprehend.ResourceInUseException'], resultPath: sfn.JsonPath.DISCARD });
  create.addCatch(
    steps.fail(
      'TrainingRefused',
      RT_ERRORS.TRAINING_FAILED,
      "States.Format('CreateDocumentClassifier failed: {}', $.caught.Cause)",
    ),
    { resultPath: '$.caught' },
  );
  create.next(wait);
  const describe = new tasks.CallAwsService(scope, 'DescribeCandidate', {
    comment: 'Has the version trained?',
    service: 'comprehend',
    action: 'describeDocumentClassifier',
    parameters: { DocumentClassifierArn: sfn.JsonPath.stringAt('$.candidate.arn') },
    iamResources: o.resources.versions,
    iamAction: 'comprehend:DescribeDocumentClassifier',
    resultPath: '$.trained',
  });
  steps.retryComprehend(describe);
  steps.catchUnexpected(describe);
  const currentModel = new tasks.CallAwsService(scope, 'DescribeCurrentModel', {
    comment: 'The metrics of the model behind the endpoint',
    service: 'comprehend',
    action: 'describeDocumentClassifier',
    parameters: { DocumentClassifierArn: sfn.JsonPath.stringAt('$.endpoint.modelArn') },
    iamResources: o.resources.models,
    iamAction: 'comprehend:DescribeDocumentClassifier',
    resultPath: '$.currentModel',
  });
  steps.retryComprehend(currentModel);
  const noCurrent = new sfn.Pass(scope, 'NoCurrentModel', {
    comment: 'First deployment (or the current model is gone): nothing to compare with',
    result: sfn.Result.fromObject({}),
    resultPath: '$.currentModel',
  }).next(evaluate);
  currentModel.addCatch(noCurrent, {
    errors: ['Comprehend.ResourceNotFoundException'],
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.catchUnexpected(currentModel);
  currentModel.next(evaluate);
  const status = '$.trained.DocumentClassifierProperties.Status';
  const trained = new sfn.Choice(scope, 'CompareWithCurrent', { comment: 'Is there a model behind an endpoint?' })
    .when(sfn.Condition.booleanEquals('$.endpoint.placeholder', true), noCurrent)
    .otherwise(currentModel);
  wait.next(describe).next(
    new sfn.Choice(scope, 'TrainingDone', { comment: 'TRAINED, IN_ERROR, STOPPED, or still training' })
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals(status, 'TRAINED'),
          sfn.Condition.stringEquals(status, 'TRAINED_WITH_WARNING'),
        ),
        trained,
      )
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals(status, 'IN_ERROR'),
          sfn.Condition.isPresent('$.trained.DocumentClassifierProperties.Message'),
        ),
        steps.fail(
          'TrainingFailed',
          RT_ERRORS.TRAINING_FAILED,
          "States.Format('Comprehend could not train version {}: {}', $.runId, $.trained.DocumentClassifierProperties.Message)",
        ),
      )
      .when(
        sfn.Condition.stringEquals(status, 'IN_ERROR'),
        steps.fail(
          'TrainingFailedWithoutMessage',
          RT_ERRORS.TRAINING_FAILED,
          "States.Format('Comprehend could not train version {} (no message)', $.runId)",
        ),
      )
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals(status, 'STOPPED'),
          sfn.Condition.stringEquals(status, 'STOP_REQUESTED'),
        ),
        steps.fail(
          'TrainingStopped',
          RT_ERRORS.TRAINING_STOPPED,
          "States.Format('Training of version {} was stopped', $.runId)",
        ),
      )
      .otherwise(wait),
  );
  return name.next(create);
}

/** Flywheel mode: the new rows become a dataset of the flywheel, then an iteration trains and evaluates. */
function flywheelTraining(
  scope: Construct,
  steps: RetrainingSteps,
  o: RetrainingDefinitionOptions,
  evaluate: sfn.IChainable,
): sfn.IChainable {
  const flywheelArn = o.flywheelArn!;
  const S = (value: string) => tasks.DynamoAttributeValue.fromString(value);
  const createDataset = new tasks.CallAwsService(scope, 'CreateDataset', {
    comment: "Ingest the new reviewed rows into the flywheel's data lake",
    service: 'comprehend',
    action: 'createDataset',
    parameters: {
      FlywheelArn: flywheelArn,
      DatasetName: sfn.JsonPath.stringAt('$.runId'),
      DatasetType: 'TRAIN',
      InputDataConfig: {
        DataFormat: 'COMPREHEND_CSV',
        DocumentClassifierInputDataConfig: {
          S3Uri: sfn.JsonPath.stringAt('$.prepare.trainingDataUri'),
          ...(o.multiLabel ? { LabelDelimiter: '|' } : {}),
        },
      },
      ClientRequestToken: sfn.JsonPath.stringAt('$.runId'),
    },
    iamResources: [flywheelArn, ...o.resources.datasets],
    iamAction: 'comprehend:CreateDataset',
    resultSelector: { 'arn.$': '$.DatasetArn' },
    resultPath: '$.dataset',
  });
  steps.retryComprehend(createDataset);
  const datasetExists = new sfn.Pass(scope, 'DatasetCreatedEarlier', {
    parameters: { 'arn.$': `States.Format('${flywheelArn}/dataset/{}', $.runId)` },
    resultPath: '$.dataset',
  });
  createDataset.addCatch(datasetExists, {
    errors: ['Comprehend.ResourceInUseException'],
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.catchUnexpected(createDataset);
  const waitDataset = new sfn.Wait(scope, 'WaitForDataset', {
    time: sfn.WaitTime.duration(o.endpointPollInterval),
  });
  createDataset.next(waitDataset);
  datasetExists.next(waitDataset);
  const describeDataset = new tasks.CallAwsService(scope, 'DescribeDataset', {
    service: 'comprehend',
    action: 'describeDataset',
    parameters: { DatasetArn: sfn.JsonPath.stringAt('$.dataset.arn') },
    iamResources: o.resources.datasets,
    iamAction: 'comprehend:DescribeDataset',
    resultSelector: { 'status.$': '$.DatasetProperties.Status', 'arn.$': '$.DatasetProperties.DatasetArn' },
    resultPath: '$.dataset',
  });
  steps.retryComprehend(describeDataset);
  steps.catchUnexpected(describeDataset);
  const recordIngested = new tasks.DynamoPutItem(scope, 'RecordIngestedDataset', {
    comment: 'Rows of these sources are in the data lake: the next run counts rows after them',
    table: o.table,
    item: {
      ...steps.key(RUN_TABLE.INGESTED),
      runId: S(sfn.JsonPath.stringAt('$.runId')),
      sourcesUri: S(sfn.JsonPath.stringAt('$.prepare.sourcesUri')),
      datasetArn: S(sfn.JsonPath.stringAt('$.dataset.arn')),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  steps.catchUnexpected(recordIngested);
  const start = new tasks.CallAwsService(scope, 'StartFlywheelIteration', {
    comment: 'Train a new model on the data lake and evaluate it against the active model',
    service: 'comprehend',
    action: 'startFlywheelIteration',
    parameters: { FlywheelArn: flywheelArn, ClientRequestToken: sfn.JsonPath.stringAt('$.runId') },
    iamResources: [flywheelArn],
    iamAction: 'comprehend:StartFlywheelIteration',
    resultSelector: { 'id.$': '$.FlywheelIterationId' },
    resultPath: '$.iteration',
  });
  steps.retryComprehend(start);
  start.addRetry({
    errors: ['Comprehend.ResourceInUseException'],
    interval: o.trainingPollInterval,
    maxAttempts: 6,
    backoffRate: 1.5,
  });
  steps.catchUnexpected(start);
  const waitIteration = new sfn.Wait(scope, 'WaitForIteration', {
    time: sfn.WaitTime.duration(o.trainingPollInterval),
  });
  const describeIteration = new tasks.CallAwsService(scope, 'DescribeFlywheelIteration', {
    comment: 'Has the iteration trained and evaluated?',
    service: 'comprehend',
    action: 'describeFlywheelIteration',
    parameters: { FlywheelArn: flywheelArn, FlywheelIterationId: sfn.JsonPath.stringAt('$.iteration.id') },
    iamResources: [flywheelArn],
    iamAction: 'comprehend:DescribeFlywheelIteration',
    resultPath: '$.trained',
  });
  steps.retryComprehend(describeIteration);
  steps.catchUnexpected(describeIteration);
  const iterationStatus = '$.trained.FlywheelIterationProperties.Status';
  const noCurrent = new sfn.Pass(scope, 'IterationEvaluatedActiveModel', {
    comment: 'The iteration evaluated the active model on the same test data: no separate describe',
    result: sfn.Result.fromObject({}),
    resultPath: '$.currentModel',
  }).next(evaluate);
  waitIteration.next(describeIteration).next(
    new sfn.Choice(scope, 'IterationDone', { comment: 'COMPLETED, FAILED, STOPPED, or still working' })
      .when(sfn.Condition.stringEquals(iterationStatus, 'COMPLETED'), noCurrent)
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals(iterationStatus, 'FAILED'),
          sfn.Condition.stringEquals(iterationStatus, 'STOPPED'),
          sfn.Condition.stringEquals(iterationStatus, 'STOP_REQUESTED'),
        ),
        steps.fail(
          'IterationFailed',
          RT_ERRORS.ITERATION_FAILED,
          "States.Format('Flywheel iteration {} ended {}: {}', $.iteration.id, $.trained.FlywheelIterationProperties.Status, States.JsonToString($.trained.FlywheelIterationProperties))",
        ),
      )
      .otherwise(waitIteration),
  );
  start.next(waitIteration);
  recordIngested.next(start);
  waitDataset.next(describeDataset).next(
    new sfn.Choice(scope, 'DatasetDone', { comment: 'COMPLETED, FAILED, or still ingesting' })
      .when(sfn.Condition.stringEquals('$.dataset.status', 'COMPLETED'), recordIngested)
      .when(
        sfn.Condition.stringEquals('$.dataset.status', 'FAILED'),
        steps.fail(
          'DatasetFailed',
          RT_ERRORS.DATASET_FAILED,
          "States.Format('The flywheel could not ingest dataset {}', $.dataset.arn)",
        ),
      )
      .otherwise(waitDataset),
  );
  return createDataset;
}
