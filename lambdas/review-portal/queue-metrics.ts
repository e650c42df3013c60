import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { MetricUnit, flushMetrics } from '../shared/observability';
import { logger, portalEnv, settingsFromEnv } from './adapters/api';
import { portalMetrics } from './adapters/metrics';
import { REVIEW_PORTAL_ENV as ENV, REVIEW_PORTAL_METRICS } from './contract';
import { type QueueStats, queueStats } from './core/stats';
import { TaskStore } from './adapters/task-store';

const dynamodb = new DynamoDBClient({});

/**
 * Scheduled (every few minutes): measure the queue and publish queue depth, leased tasks, the oldest task's age and
 * the number of tasks waiting longer than the maximum age. The "waiting too long" alarm watches these.
 */
export const handler = async (_event: unknown, context: Context): Promise<QueueStats> => {
  logger.addContext(context);
  const env = portalEnv();
  const metrics = portalMetrics(env[ENV.TASK_TABLE]);
  try {
    const stats = await queueStats(
      new TaskStore(dynamodb, env[ENV.TASK_TABLE]).queue(),
      Date.now(),
      env[ENV.MAX_TASK_AGE_SECONDS],
      settingsFromEnv(),
    );
    metrics.addMetric(REVIEW_PORTAL_METRICS.QUEUE_DEPTH, MetricUnit.Count, stats.open);
    metrics.addMetric(REVIEW_PORTAL_METRICS.LEASED_TASKS, MetricUnit.Count, stats.leased);
    metrics.addMetric(REVIEW_PORTAL_METRICS.OLDEST_TASK_AGE, MetricUnit.Seconds, stats.oldestTaskAgeSeconds);
    metrics.addMetric(REVIEW_PORTAL_METRICS.TASKS_WAITING_TOO_LONG, MetricUnit.Count, stats.waitingTooLong);
    if (stats.waitingTooLong > 0) logger.warn('Review tasks are waiting too long', { ...stats });
    return stats;
  } finally {
    flushMetrics(metrics);
  }
};
