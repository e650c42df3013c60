import {
  Duration,
  type aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { REVIEW_PORTAL_ENV as ENV, REVIEW_PORTAL_SERVICE } from '../../../lambdas/review-portal/contract';
import { HandlerFunction } from '../../shared/handler-function';
import { lambdaEntry } from '../../shared/paths';
import { grantTaskTable } from './task-table';

/**
 * `QueueMetrics`: measures the queue (depth, leased tasks, oldest task age, tasks waiting too long) every 5 minutes
 * (`MeasureQueue` rule: 2 retries, 10 minutes, then the function's dead-letter queue).
 */
export function createQueueMetrics(
  scope: Construct,
  table: dynamodb.ITable,
  environment: Readonly<Record<string, string>>,
): HandlerFunction {
  const fn = new HandlerFunction(scope, 'QueueMetrics', {
    entry: lambdaEntry('review-portal/queue-metrics.ts'),
    invocation: 'async',
    serviceName: REVIEW_PORTAL_SERVICE.PORTAL,
    description: 'Review portal: publishes queue depth and oldest task age',
    timeout: Duration.seconds(60),
    environment: { ...environment },
  }).bind(ENV.TASK_TABLE, table.tableName, (g) => grantTaskTable(table, g, ['dynamodb:Query'], 'queue-index'));
  new events.Rule(scope, 'MeasureQueue', {
    description: 'Measure the review queue every 5 minutes',
    schedule: events.Schedule.rate(Duration.minutes(5)),
    targets: [
      new targets.LambdaFunction(fn, {
        retryAttempts: 2,
        maxEventAge: Duration.minutes(10),
        deadLetterQueue: fn.deadLetterQueue,
      }),
    ],
  });
  return fn;
}
