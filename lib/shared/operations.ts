import {
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  type aws_lambda as lambda,
  type aws_s3 as s3,
  type aws_sns as sns,
  type aws_sqs as sqs,
  type aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AlarmTopic, AlarmTopicKey } from './alarm-topic';
import { RUNBOOK, type RunbookSection, runbookLink } from './runbook';

/** Props of {@link WorkflowOperations}. */
export interface WorkflowOperationsProps {
  /** Dashboard title, e.g. `Active learning`. */
  readonly title: string;
  /**
   * Topic that receives every alarm of the workflow. A topic you pass must let CloudWatch publish (and, if encrypted,
   * use its key): see `AlarmTopic`.
   * @default a new `AlarmTopic` encrypted with its own `AlarmTopicKey`
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Props of {@link WorkflowOperations.addThresholdAlarm}. */
export interface ThresholdAlarmProps {
  /** The metric (or math expression) watched. */
  readonly metric: cloudwatch.IMetric;
  /** What happened and where to look first; the runbook link is appended. */
  readonly description: string;
  /** The runbook section that says what to do. */
  readonly runbook: RunbookSection;
  /** @default 1 */
  readonly threshold?: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default NOT_BREACHING: no data means nothing failed */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/** Props of {@link WorkflowOperations.addDeadLetterPrefix}. */
export interface DeadLetterPrefixProps {
  /** Bucket of the dead-letter prefix. */
  readonly bucket: s3.IBucket;
  /** Key prefix where unreadable records are kept, e.g. `dead-letter/aggregator/`. */
  readonly prefix: string;
  /** The handler's count of records it wrote there (from its `serviceMetrics`, statistic Sum). */
  readonly metric: cloudwatch.IMetric;
}

/**
 * A workflow's operations surface: one CloudWatch dashboard and one alarm topic, with helpers that add the house
 * alarms (threshold alarms, dead-letter queues and prefixes, function errors, state-machine failures) and their graphs
 * in one call. Every alarm notifies the topic and links its runbook section.
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
    this.alarmTopic =
      props.alarmTopic ??
      new AlarmTopic(this, 'AlarmTopic', {
        displayName: `${props.title} alarms`,
        masterKey: new AlarmTopicKey(this, 'AlarmTopicKey', { description: `Encrypts the ${props.title} alarm topic` }),
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `# ${props.title}`, width: 24, height: 1 }));
  }

  /** Add an alarm that notifies the topic. Prefer {@link addThresholdAlarm}, which also links the runbook. */
  public addAlarm(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * Alarm when a metric crosses a threshold (by default: at least 1 in one 5-minute period, missing data is fine),
   * notify the topic, and end the description with the runbook link.
   */
  public addThresholdAlarm(id: string, props: ThresholdAlarmProps): cloudwatch.Alarm {
    return this.addAlarm(
      new cloudwatch.Alarm(this, id, {
        metric: props.metric,
        alarmDescription: `${props.description} ${runbookLink(props.runbook)}`,
        threshold: props.threshold ?? 1,
        evaluationPeriods: props.evaluationPeriods ?? 1,
        comparisonOperator:
          props.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
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
    return this.addThresholdAlarm(`${sanitize(label)}DlqAlarm`, {
      metric,
      description: `${label} holds failed events: inspect and redrive them.`,
      runbook: RUNBOOK.DEAD_LETTER_QUEUE,
    });
  }

  /**
   * Alarm when a handler kept records it could not read under a dead-letter prefix (its metric counts them), and
   * graph the count. The records stay there for a person to inspect and replay.
   */
  public addDeadLetterPrefix(label: string, props: DeadLetterPrefixProps): cloudwatch.Alarm {
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${label}: records kept under ${props.prefix}`,
        left: [props.metric],
        width: 8,
      }),
    );
    return this.addThresholdAlarm(`${sanitize(label)}DeadLetterAlarm`, {
      metric: props.metric,
      description: `${label} kept records it could not read under s3://${props.bucket.bucketName}/${props.prefix}: inspect and replay them.`,
      runbook: RUNBOOK.DEAD_LETTER_PREFIX,
    });
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
    return this.addThresholdAlarm(`${sanitize(label)}ErrorsAlarm`, {
      metric: errors,
      description: `${label} failed: see its log group.`,
      runbook: RUNBOOK.FUNCTION_ERRORS,
    });
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
    return this.addThresholdAlarm(`${sanitize(label)}FailedAlarm`, {
      metric: failed,
      description: `${label} executions failed: their output says why.`,
      runbook: RUNBOOK.STATE_MACHINE_FAILED,
    });
  }
}

function sanitize(label: string): string {
  return label.replace(/[^A-Za-z0-9]/g, '');
}
