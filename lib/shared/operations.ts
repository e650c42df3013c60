import {
  Duration,
  RemovalPolicy,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_iam as iam,
  aws_kms as kms,
  type aws_lambda as lambda,
  aws_sns as sns,
  type aws_sqs as sqs,
  type aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Props of {@link WorkflowOperations}. */
export interface WorkflowOperationsProps {
  /** Dashboard title, e.g. `Active learning`. */
  readonly title: string;
  /**
   * Topic that receives every alarm of the workflow. A topic you pass must let CloudWatch publish (and, if encrypted,
   * use its key).
   * @default a new TLS-only topic encrypted with its own KMS key that CloudWatch may use
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A workflow's operations surface: one CloudWatch dashboard and one alarm topic, with helpers that add the house
 * alarms (dead-letter queue depth, function errors, state-machine failures) and their graphs in one call.
 */
export class WorkflowOperations extends Construct {
  /** The workflow's dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm of the workflow notifies this topic. */
  public readonly alarmTopic: sns.ITopic;
  /** Alarms created so far. */
  public readonly alarms: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: WorkflowOperationsProps) {
    super(scope, id);
    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else {
      // CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key (its key policy cannot
      // grant CloudWatch), so the topic gets its own key that lets CloudWatch encrypt the messages it publishes.
      const key = new kms.Key(this, 'AlarmTopicKey', {
        description: `Encrypts the ${props.title} alarm topic`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'], // in a key policy, "*" is this key
        }),
      );
      const topic = new sns.Topic(this, 'AlarmTopic', {
        displayName: `${props.title} alarms`,
        enforceSSL: true,
        masterKey: key,
      });
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          actions: ['sns:Publish'],
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          resources: [topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      this.alarmTopic = topic;
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `# ${props.title}`, width: 24, height: 1 }));
  }

  /** Add an alarm that notifies the topic. */
  public addAlarm(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }

  /** Alarm when a dead-letter queue holds any message, and graph its depth. */
  public addDeadLetterQueue(label: string, queue: sqs.IQueue): cloudwatch.Alarm {
    const metric = queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: `${label}: messages`, left: [metric.with({ label })], width: 8 }),
    );
    return this.addAlarm(
      metric.createAlarm(this, `${sanitize(label)}DlqAlarm`, {
        alarmDescription: `${label} holds failed events: inspect and redrive them.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Alarm on function errors, and graph invocations, errors and duration. */
  public addFunction(label: string, fn: lambda.IFunction): cloudwatch.Alarm {
    const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${label}: invocations and errors`,
        left: [
          fn.metricInvocations({ period: Duration.minutes(5), label: 'invocations' }),
          errors.with({ label: 'errors' }),
        ],
        right: [fn.metricDuration({ period: Duration.minutes(5), statistic: 'p95', label: 'p95 duration' })],
        width: 8,
      }),
    );
    return this.addAlarm(
      errors.createAlarm(this, `${sanitize(label)}ErrorsAlarm`, {
        alarmDescription: `${label} failed: see its log group.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Alarm on failed, timed-out or aborted executions, and graph executions. */
  public addStateMachine(label: string, stateMachine: sfn.IStateMachine): cloudwatch.Alarm {
    const failed = new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        timedOut: stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        aborted: stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
      },
      label: 'failed executions',
      period: Duration.minutes(5),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${label}: executions`,
        left: [
          stateMachine.metricStarted({ period: Duration.minutes(5), label: 'started' }),
          stateMachine.metricSucceeded({ period: Duration.minutes(5), label: 'succeeded' }),
          failed,
        ],
        width: 8,
      }),
    );
    return this.addAlarm(
      failed.createAlarm(this, `${sanitize(label)}FailedAlarm`, {
        alarmDescription: `${label} executions failed: their output says why.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}

function sanitize(label: string): string {
  return label.replace(/[^A-Za-z0-9]/g, '');
}
