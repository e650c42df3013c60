import {
  Duration,
  type aws_dynamodb as dynamodb,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { RETRAINING_EVENT, RT_ERRORS, RUN_TABLE } from '../../../lambdas/classifier-retraining/contract';

/** Errors of Comprehend worth retrying (Step Functions names SDK errors `Comprehend.<Name>`). */
export const COMPREHEND_TRANSIENT = [
  'Comprehend.TooManyRequestsException',
  'Comprehend.InternalServerException',
  'Comprehend.ThrottlingException',
];

/** Errors of a Lambda task worth retrying. */
export const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'RetryableError',
  'ThrottledError',
];

/** DynamoDB's answer to a failed condition, as Step Functions names it. */
export const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/**
 * Shared pieces of the retraining state machine: the failure tails, the lock key and the run's event. One instance per
 * state machine; every builder file takes it.
 *
 * - {@link fail}: a named failure after the run owns the lock: word the cause, release the lock, send the run event,
 *   end in `Fail` with that error name.
 * - {@link refuse}: a named failure before the run owns anything (another run holds the lock): word it and stop.
 * - {@link catchUnexpected}: every other error of a task goes to the failure tail with its own name and cause.
 */
export class RetrainingSteps {
  private readonly failureTail: sfn.IChainable;
  private readonly refusal: sfn.Fail;
  private readonly unexpected: sfn.Pass;

  constructor(
    public readonly scope: Construct,
    public readonly table: dynamodb.ITable,
    /** Classifier name of the loop (the table's partition key value). */
    public readonly classifier: string,
    /** Fields every run event carries besides the outcome (mode, comprehend name). */
    private readonly eventFields: Record<string, unknown>,
  ) {
    const release = this.releaseLock('ReleaseLockAfterFailure');
    release.addCatch(this.notify('NotifyFailure'), { resultPath: sfn.JsonPath.DISCARD });
    const notifyFailure = this.notify('NotifyFailure');
    notifyFailure.addCatch(this.failState(), { resultPath: sfn.JsonPath.DISCARD });
    this.failureTail = new sfn.Pass(scope, 'FailureOutcome', {
      comment: 'The run failed: the outcome the event carries',
      parameters: { status: 'Failed', 'error.$': '$.failure.error', 'message.$': '$.failure.cause' },
      resultPath: '$.outcome',
    }).next(release.next(notifyFailure.next(this.failState())));
    this.refusal = new sfn.Fail(scope, 'RunRefused', { errorPath: '$.failure.error', causePath: '$.failure.cause' });
    this.unexpected = new sfn.Pass(scope, 'ExplainUnexpectedFailure', {
      comment: 'A task failed in a way the workflow does not name: keep its error and cause',
      parameters: { 'error.$': '$.caught.Error', 'cause.$': '$.caught.Cause' },
      resultPath: '$.failure',
    });
    this.unexpected.next(this.failureTail);
  }

  private failStateCache?: sfn.Fail;
  private failState(): sfn.Fail {
    this.failStateCache ??= new sfn.Fail(this.scope, 'RunFailed', {
      errorPath: '$.failure.error',
      causePath: '$.failure.cause',
    });
    return this.failStateCache;
  }

  private notifyCache = new Map<string, tasks.EventBridgePutEvents>();
  /** Send the `ml-workflows.retraining` event: the input, the run id and `$.outcome`. */
  public notify(id: string): tasks.EventBridgePutEvents {
    const existing = this.notifyCache.get(id);
    if (existing) return existing;
    const task = new tasks.EventBridgePutEvents(this.scope, id, {
      comment: 'Tell subscribers how the run ended',
      entries: [
        {
          source: RETRAINING_EVENT.SOURCE,
          detailType: RETRAINING_EVENT.DETAIL_TYPE,
          detail: sfn.TaskInput.fromObject({
            classifier: this.classifier,
            ...this.eventFields,
            'runId.$': '$.runId',
            'executionArn.$': '$.executionArn',
            'input.$': '$.input',
            'outcome.$': '$.outcome',
          }),
        },
      ],
      resultPath: sfn.JsonPath.DISCARD,
    });
    task.addRetry({ errors: ['EventBridge.InternalException', 'States.TaskFailed'], maxAttempts: 3 });
    this.notifyCache.set(id, task);
    return task;
  }

  /** The lock item's key. */
  public lockKey(): Record<string, tasks.DynamoAttributeValue> {
    return this.key(RUN_TABLE.LOCK);
  }

  /** The key of one item of this classifier. */
  public key(item: string): Record<string, tasks.DynamoAttributeValue> {
    return {
      [RUN_TABLE.PARTITION_KEY]: tasks.DynamoAttributeValue.fromString(this.classifier),
      [RUN_TABLE.SORT_KEY]: tasks.DynamoAttributeValue.fromString(item),
    };
  }

  /** Delete the lock if this execution holds it (a lock taken over by another execution is left alone). */
  public releaseLock(id: string): tasks.DynamoDeleteItem {
    const task = new tasks.DynamoDeleteItem(this.scope, id, {
      comment: 'Release the one-run-per-classifier lock held by this execution',
      table: this.table,
      key: this.lockKey(),
      conditionExpression: 'executionArn = :me',
      expressionAttributeValues: {
        ':me': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.executionArn')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    task.addRetry({
      errors: ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.InternalServerErrorException'],
    });
    return task;
  }

  /** A named failure once the run holds the lock. `cause` is a literal, or an intrinsic expression (`States.Format…`). */
  public fail(id: string, error: string, cause: string): sfn.IChainable {
    return new sfn.Pass(this.scope, `Explain${id}`, {
      comment: `Words the cause of ${error}`,
      parameters: { error, ...(cause.startsWith('States.') ? { 'cause.$': cause } : { cause }) },
      resultPath: '$.failure',
    }).next(this.failureTail);
  }

  /** A named refusal before the run holds anything. */
  public refuse(id: string, error: string, cause: string): sfn.IChainable {
    return new sfn.Pass(this.scope, `Explain${id}`, {
      comment: `Words the cause of ${error}`,
      parameters: { error, ...(cause.startsWith('States.') ? { 'cause.$': cause } : { cause }) },
      resultPath: '$.failure',
    }).next(this.refusal);
  }

  /** Send any other error of the task to the failure tail (after the run holds the lock). */
  public catchUnexpected(task: sfn.TaskStateBase): void {
    task.addCatch(this.unexpected, { resultPath: '$.caught' });
  }

  /** Retry transient Comprehend errors (5 attempts, from 5 s, doubling). */
  public retryComprehend(task: sfn.TaskStateBase): void {
    task.addRetry({ errors: COMPREHEND_TRANSIENT, interval: Duration.seconds(5), maxAttempts: 5, backoffRate: 2 });
  }

  /** The error names the run uses. */
  public static readonly ERRORS = RT_ERRORS;
}
