import { Duration, type aws_apigateway as apigw, aws_cloudwatch as cloudwatch, type aws_sns as sns } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { REVIEW_PORTAL_METRICS as METRICS } from '../../../lambdas/review-portal/contract';
import { type HandlerFunction } from '../../shared/handler-function';
import { serviceMetrics } from '../../shared/metrics';
import { WorkflowOperations } from '../../shared/operations';
import { RUNBOOK } from '../../shared/runbook';
import { type Publisher } from './publisher';

/** Props of {@link createPortalOperations}. */
export interface PortalOperationsProps {
  /** The task table's name: the `portal` dimension of the queue metrics. */
  readonly tableName: string;
  readonly api: apigw.RestApi;
  readonly apiFunctions: Readonly<Record<string, HandlerFunction>>;
  readonly publisher: Publisher;
  readonly metricsFunction: HandlerFunction;
  /** Seconds after which an open task waits too long. */
  readonly maxTaskAgeSeconds: number;
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The portal's dashboard and alarms: queue depth, age of the oldest task (alarm above `maxTaskAge`), answers per hour,
 * API 5xx, every function, the failure queues.
 */
export function createPortalOperations(
  scope: Construct,
  props: PortalOperationsProps,
): { operations: WorkflowOperations; taskAgeAlarm: cloudwatch.Alarm } {
  const operations = new WorkflowOperations(scope, 'Operations', {
    title: 'Review portal',
    alarmTopic: props.alarmTopic,
  });
  const metric = serviceMetrics(props.metricsFunction, METRICS, { dimensions: { portal: props.tableName } });
  const fiveMinutes = { statistic: 'Maximum', period: Duration.minutes(5) };
  const hourly = { statistic: 'Sum', period: Duration.hours(1) };
  const oldestAge = metric(METRICS.OLDEST_TASK_AGE, fiveMinutes);
  operations.dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Queue depth',
      left: [
        metric(METRICS.QUEUE_DEPTH, { ...fiveMinutes, label: 'open tasks' }),
        metric(METRICS.LEASED_TASKS, { ...fiveMinutes, label: 'being reviewed' }),
        metric(METRICS.TASKS_WAITING_TOO_LONG, { ...fiveMinutes, label: 'waiting too long' }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Age of the oldest task',
      left: [oldestAge.with({ label: 'oldest task age (s)' })],
      leftAnnotations: [{ value: props.maxTaskAgeSeconds, label: 'alarm threshold', color: '#d62728' }],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Answers per hour',
      left: [
        metric(METRICS.ANSWERS_SUBMITTED, { ...hourly, label: 'answers' }),
        metric(METRICS.TASKS_COMPLETED, { ...hourly, label: 'tasks completed' }),
        metric(METRICS.TASKS_CLAIMED, { ...hourly, label: 'tasks claimed' }),
      ],
      width: 8,
    }),
  );
  const taskAgeAlarm = operations.addThresholdAlarm('TasksWaitingTooLongAlarm', {
    metric: oldestAge,
    description: `A review task has waited more than ${props.maxTaskAgeSeconds / 3600} hours: invite more reviewers or check the portal.`,
    runbook: RUNBOOK.REVIEW_TASKS_WAITING,
    threshold: props.maxTaskAgeSeconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  });
  operations.addThresholdAlarm('Api5xxAlarm', {
    metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
    description: 'The review API answered with 5xx errors: see the function logs.',
    runbook: RUNBOOK.API_SERVER_ERRORS,
  });
  for (const [id, fn] of Object.entries(props.apiFunctions)) operations.addFunction(id, fn);
  operations.addFunction('PublishResults', props.publisher.fn);
  operations.addFunction('QueueMetrics', props.metricsFunction);
  operations.addDeadLetterQueue('PublishFailures', props.publisher.failures);
  if (props.metricsFunction.deadLetterQueue)
    operations.addDeadLetterQueue('QueueMetricsDlq', props.metricsFunction.deadLetterQueue);
  return { operations, taskAgeAlarm };
}
