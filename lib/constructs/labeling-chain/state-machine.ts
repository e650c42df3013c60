import {
  Aws,
  Duration,
  type aws_lambda as lambda,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { AUTO_CONTINUE_TRIGGER, PLAN_STATE_NAME } from '../../../lambdas/labeling-chain/contract';

/** Options of {@link buildLabelingChainDefinition}. */
export interface LabelingChainDefinitionOptions {
  /** The planning function (`lambdas/labeling-chain/plan-next-job.ts`). */
  readonly planFunction: lambda.IFunction;
  /** Jobs one execution may create. */
  readonly maxChainLength: number;
  /** Time between two `DescribeLabelingJob` calls while a job runs. */
  readonly pollInterval: Duration;
  /** This Region's built-in task Lambda account (a deploy-time `Fn::FindInMap`). */
  readonly builtInLambdaAccount: string;
  /** ARN pattern of the labeling jobs the state machine describes and creates. */
  readonly labelingJobArns: string[];
}

/** Errors of SageMaker worth retrying (Step Functions names SDK errors `SageMaker.<Name>Exception`). */
const SAGEMAKER_TRANSIENT = [
  'SageMaker.ThrottlingException',
  'SageMaker.InternalFailureException',
  'SageMaker.ServiceUnavailableException',
];
const CAUSE_WITH_CHAIN = "States.Format('{} | chain so far: {}', $.error.Cause, States.JsonToString($.chain.jobs))";

/** The fields of `CreateLabelingJob` the planner fills in (`$.next.request.<Field>`). */
const CREATE_FIELDS = [
  'LabelingJobName',
  'LabelAttributeName',
  'InputConfig',
  'OutputConfig',
  'RoleArn',
  'LabelCategoryConfigS3Uri',
  'StoppingConditions',
  'HumanTaskConfig',
  'Tags',
] as const;

/**
 * The Ground Truth job chain as a JSONPath state machine (so the synthesized definition runs in
 * aws-local-stepfunctions): describe the parent → plan (Lambda) → stop with a summary, or create the next job →
 * Wait → Describe → Choice until it ends → plan again. Every failure ends in a named Fail state whose cause says why.
 *
 * Execution input: `{"jobName", "mode"?, "labelAttributeName"?, "maxChainLength"?, "autoLabeling"?, "overrides"?}`,
 * or `{"jobArn", "trigger": "auto-continue"}` from the auto-continue rule.
 */
export function buildLabelingChainDefinition(
  scope: Construct,
  options: LabelingChainDefinitionOptions,
): sfn.IChainable {
  // Failures: a Pass that words the cause, then a Fail state with a stable error name.
  const fail = (id: string, error: string, cause: { literal?: string; expression?: string }): sfn.IChainable => {
    const explain = new sfn.Pass(scope, `Explain${id}`, {
      comment: `Words the cause of ${error}`,
      parameters: cause.literal !== undefined ? { cause: cause.literal } : { 'cause.$': cause.expression },
      resultPath: '$.failure',
    });
    return explain.next(new sfn.Fail(scope, id, { error, causePath: '$.failure.cause' }));
  };
  const missingJobName = fail('MissingJobName', 'InvalidRequest', {
    literal: 'The input needs "jobName": the labeling job to continue (see docs/labeling-chain.md)',
  });
  const parentNotFound = fail('ParentNotFound', 'ParentNotFound', {
    expression:
      "States.Format('Labeling job {} was not found in this account and Region: {}', $.request.jobName, $.error.Cause)",
  });
  const invalidRequest = fail('InvalidRequest', 'InvalidRequest', { expression: CAUSE_WITH_CHAIN });
  const chainFailed = fail('ChainFailed', 'ChainFailed', { expression: CAUSE_WITH_CHAIN });
  // The manifest disagrees with the job's LabelCounters, or cannot be read: named failures of their own (the planner's
  // ManifestMismatchError / ManifestUnreadableError), so that "nothing found" never reads as "done" or as a crash.
  const manifestMismatch = fail('ManifestMismatch', 'ManifestMismatch', { expression: CAUSE_WITH_CHAIN });
  const manifestUnreadable = fail('ManifestUnreadable', 'ManifestUnreadable', { expression: CAUSE_WITH_CHAIN });

  const fromEvent = new sfn.Pass(scope, 'JobNameFromEvent', {
    comment: 'The auto-continue rule sends the job ARN: take the name after "labeling-job/"',
    parameters: {
      'jobName.$': "States.ArrayGetItem(States.StringSplit($.jobArn, '/'), 1)",
      trigger: AUTO_CONTINUE_TRIGGER,
    },
  });
  const start = new sfn.Pass(scope, 'Start', {
    comment: 'Keep the request; add deployment settings and an empty chain',
    parameters: {
      'request.$': '$',
      settings: {
        maxChainLength: options.maxChainLength,
        region: Aws.REGION,
        partition: Aws.PARTITION,
        builtInLambdaAccount: options.builtInLambdaAccount,
      },
      chain: { created: 0, jobs: [] },
    },
  });

  const describeParent = new tasks.CallAwsService(scope, 'DescribeParentJob', {
    comment: 'The job to continue',
    service: 'sagemaker',
    action: 'describeLabelingJob',
    parameters: { LabelingJobName: sfn.JsonPath.stringAt('$.request.jobName') },
    iamResources: options.labelingJobArns,
    resultPath: '$.job',
  });
  describeParent.addRetry({
    errors: SAGEMAKER_TRANSIENT,
    interval: Duration.seconds(5),
    maxAttempts: 5,
    backoffRate: 2,
  });
  describeParent.addCatch(parentNotFound, { errors: ['SageMaker.ResourceNotFoundException'], resultPath: '$.error' });
  describeParent.addCatch(invalidRequest, { errors: ['SageMaker.ValidationException'], resultPath: '$.error' });
  describeParent.addCatch(chainFailed, { resultPath: '$.error' });

  const plan = new tasks.LambdaInvoke(scope, PLAN_STATE_NAME, {
    comment: 'Count the manifest; record the job; decide: stop with a summary, or the next CreateLabelingJob request',
    lambdaFunction: options.planFunction,
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({
      'request.$': '$.request',
      'settings.$': '$.settings',
      'chain.$': '$.chain',
      'job.$': '$.job',
    }),
    // The planner's answer replaces the state (default ResultPath).
  });
  plan.addRetry({
    errors: ['RetryableError', 'ThrottledError', 'ThrottlingException', 'SlowDown', 'InternalError'],
    interval: Duration.seconds(5),
    maxAttempts: 4,
    backoffRate: 2,
  });
  plan.addCatch(manifestMismatch, { errors: ['ManifestMismatchError'], resultPath: '$.error' });
  plan.addCatch(manifestUnreadable, { errors: ['ManifestUnreadableError'], resultPath: '$.error' });
  plan.addCatch(invalidRequest, { errors: ['ValidationError'], resultPath: '$.error' });
  plan.addCatch(chainFailed, { resultPath: '$.error' });

  const createTask = (id: string, autoLabeling: boolean) => {
    const parameters: Record<string, unknown> = Object.fromEntries(
      CREATE_FIELDS.map((f) => [`${f}.$`, `$.next.request.${f}`]),
    );
    if (autoLabeling) parameters['LabelingJobAlgorithmsConfig.$'] = '$.next.request.LabelingJobAlgorithmsConfig';
    return new tasks.CallAwsService(scope, id, {
      comment: autoLabeling ? 'Create the next job with automated data labeling' : 'Create the next job',
      service: 'sagemaker',
      action: 'createLabelingJob',
      parameters,
      iamResources: options.labelingJobArns,
      resultPath: '$.created',
    });
  };
  const create = createTask('CreateLabelingJob', false);
  const createWithAutoLabeling = createTask('CreateLabelingJobWithAutoLabeling', true);

  const wait = new sfn.Wait(scope, 'WaitForJob', {
    comment: 'Labeling jobs run for hours or days: look again later',
    time: sfn.WaitTime.duration(options.pollInterval),
  });
  for (const task of [create, createWithAutoLabeling]) {
    task.addRetry({ errors: SAGEMAKER_TRANSIENT, interval: Duration.seconds(5), maxAttempts: 5, backoffRate: 2 });
    // Too many jobs running in the account: wait for capacity rather than fail.
    task.addRetry({
      errors: ['SageMaker.ResourceLimitExceededException'],
      interval: Duration.seconds(600),
      maxAttempts: 6,
      backoffRate: 1.5,
    });
    // The deterministic name exists: a retried create already made this job. Wait for it instead.
    task.addCatch(wait, { errors: ['SageMaker.ResourceInUseException'], resultPath: '$.created' });
    task.addCatch(invalidRequest, { errors: ['SageMaker.ValidationException'], resultPath: '$.error' });
    task.addCatch(chainFailed, { resultPath: '$.error' });
    task.next(wait);
  }

  const describeChild = new tasks.CallAwsService(scope, 'DescribeChildJob', {
    comment: 'Has the chained job ended?',
    service: 'sagemaker',
    action: 'describeLabelingJob',
    parameters: { LabelingJobName: sfn.JsonPath.stringAt('$.next.request.LabelingJobName') },
    iamResources: options.labelingJobArns,
    resultPath: '$.job',
  });
  describeChild.addRetry({
    errors: SAGEMAKER_TRANSIENT,
    interval: Duration.seconds(5),
    maxAttempts: 5,
    backoffRate: 2,
  });
  describeChild.addRetry({
    errors: ['SageMaker.ResourceNotFoundException'],
    interval: Duration.seconds(30),
    maxAttempts: 3,
    backoffRate: 2,
  });
  describeChild.addCatch(chainFailed, { resultPath: '$.error' });

  const ended = sfn.Condition.or(
    sfn.Condition.stringEquals('$.job.LabelingJobStatus', 'Completed'),
    sfn.Condition.stringEquals('$.job.LabelingJobStatus', 'Stopped'),
    sfn.Condition.stringEquals('$.job.LabelingJobStatus', 'Failed'),
  );
  wait
    .next(describeChild)
    .next(
      new sfn.Choice(scope, 'JobEnded', { comment: 'Ended jobs are planned again' }).when(ended, plan).otherwise(wait),
    );

  const done = new sfn.Pass(scope, 'Summarize', {
    comment: 'The chain summary is the output',
    outputPath: '$.summary',
  }).next(new sfn.Succeed(scope, 'ChainDone'));
  plan.next(
    new sfn.Choice(scope, 'NextStep', { comment: 'Stop, or create the next job' })
      .when(sfn.Condition.stringEquals('$.decision', 'stop'), done)
      .when(sfn.Condition.booleanEquals('$.next.autoLabeling', true), createWithAutoLabeling)
      .otherwise(create),
  );

  const checkRequest = new sfn.Choice(scope, 'CheckRequest', { comment: 'jobName is needed before anything is called' })
    .when(
      sfn.Condition.or(
        sfn.Condition.not(sfn.Condition.isPresent('$.request.jobName')),
        sfn.Condition.not(sfn.Condition.isString('$.request.jobName')),
      ),
      missingJobName,
    )
    .otherwise(describeParent.next(plan));
  start.next(checkRequest);
  fromEvent.next(start);

  return new sfn.Choice(scope, 'FromEvent', { comment: 'Started by the auto-continue rule, or by a person' })
    .when(
      sfn.Condition.and(sfn.Condition.isPresent('$.jobArn'), sfn.Condition.not(sfn.Condition.isPresent('$.jobName'))),
      fromEvent,
    )
    .otherwise(start);
}
