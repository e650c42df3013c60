import {
  Duration,
  Stack,
  type aws_dynamodb as dynamodb,
  aws_events as events,
  aws_iam as iam,
  type aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  CLASSIFIER_RETRAINING_SERVICE,
  RETRAINING_EVENT,
  type RetrainingMode,
} from '../../../lambdas/classifier-retraining/contract';
import {
  ABNORMAL_END_STATUSES,
  EXECUTION_STATUS_CHANGE,
  RUN_END_ENV,
  RUN_END_METRICS,
} from '../../../lambdas/classifier-retraining/contract';
import { functionTarget } from '../../shared/events';
import { HandlerFunction } from '../../shared/handler-function';
import { serviceMetrics } from '../../shared/metrics';
import { acknowledge } from '../../shared/nag';
import { type WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { RUNBOOK } from '../../shared/runbook';

/** Props of {@link RetrainingRunEnd}. */
export interface RetrainingRunEndProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly runTable: dynamodb.ITable;
  /** The loop's classifier name (the run table's partition key value). */
  readonly classifierName: string;
  /** Comprehend `DocumentClassifierName` of every version. */
  readonly comprehendName: string;
  readonly mode: RetrainingMode;
  readonly operations: WorkflowOperations;
}

/**
 * Finishes retraining runs the state machine could not finish itself: a rule on `Step Functions Execution Status
 * Change` (FAILED, TIMED_OUT, ABORTED) of the workflow invokes a function (asynchronously, with retries and a
 * dead-letter queue) that stops the run's training job when it is still SUBMITTED or TRAINING, releases the run lock
 * if the execution still holds it, and sends the `Retraining Run Finished` event. A failed stop counts
 * `TrainingStopFailures` and alarms.
 */
export class RetrainingRunEnd extends Construct {
  public readonly function: HandlerFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: RetrainingRunEndProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const classifierArn = stack.formatArn({
      service: 'comprehend',
      resource: 'document-classifier',
      resourceName: props.comprehendName,
    });
    this.function = new HandlerFunction(this, 'Function', {
      entry: lambdaEntry('classifier-retraining/end-run.ts'),
      invocation: 'async',
      serviceName: CLASSIFIER_RETRAINING_SERVICE.END_RUN,
      description:
        'Classifier retraining: stops the training of a run that failed, timed out or was aborted, releases its lock, sends its event',
      timeout: Duration.minutes(1),
      environment: {
        [RUN_END_ENV.RUN_TABLE]: props.runTable.tableName,
        [RUN_END_ENV.CLASSIFIER]: props.classifierName,
        [RUN_END_ENV.MODE]: props.mode,
        [RUN_END_ENV.COMPREHEND_CLASSIFIER_NAME]: props.comprehendName,
        [RUN_END_ENV.COMPREHEND_CLASSIFIER_ARN]: classifierArn,
      },
    });
    // The lock item's partition only (this classifier's items): read the lock's holder, delete it conditionally.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        resources: [props.runTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [props.classifierName] } },
      }),
    );
    if (props.mode === 'versions') {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['comprehend:DescribeDocumentClassifier', 'comprehend:StopTrainingDocumentClassifier'],
          resources: [`${classifierArn}/version/*`],
        }),
      );
      acknowledge(
        this.function.role!,
        `Model versions are named by run ids at run time: DescribeDocumentClassifier and StopTrainingDocumentClassifier are limited to versions of ${props.comprehendName}.`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:comprehend:<AWS::Region>:<AWS::AccountId>:document-classifier/${props.comprehendName}/version/*]`,
      );
    }
    // The run event goes to the default bus, like the state machine's own Notify states.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
        conditions: { StringEquals: { 'events:source': RETRAINING_EVENT.SOURCE } },
      }),
    );

    this.rule = new events.Rule(this, 'Rule', {
      description:
        'Finishes a classifier-retraining run that failed, timed out or was aborted: stop its training, release its lock, send its event',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: Object.keys(ABNORMAL_END_STATUSES),
        },
      },
      targets: [functionTarget(this.function)],
    });

    const ops = props.operations;
    ops.addFunction('EndRun', this.function);
    if (this.function.deadLetterQueue) ops.addDeadLetterQueue('EndRunDlq', this.function.deadLetterQueue);
    const metric = serviceMetrics(this.function, RUN_END_METRICS, { period: Duration.minutes(5) });
    ops.addThresholdAlarm('TrainingStopFailedAlarm', {
      metric: metric(RUN_END_METRICS.STOP_FAILURES),
      description: `A retraining run of "${props.classifierName}" ended (failed, timed out or aborted) and its training job could not be described or stopped: it may still be training and billing (the event is retried, then kept in the EndRun dead-letter queue).`,
      runbook: RUNBOOK.RETRAINING_RUN_STUCK,
    });
  }
}
