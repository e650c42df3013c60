import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ok } from '../shared/http';
import { MetricUnit } from '../shared/observability';
import { logger, portalEnv, portalRoute, settingsFromEnv } from './adapters/api';
import { withImageUrls } from './adapters/images';
import { REVIEW_PORTAL_ENV as ENV, REVIEW_PORTAL_METRICS } from './contract';
import { taskView } from './core/task';
import { TaskStore } from './adapters/task-store';

const dynamodb = new DynamoDBClient({});

/**
 * `POST /tasks/claim`: lease the oldest task the reviewer may take and return it (`{task}`), or `{task: null}` when
 * the queue has nothing for them. The lease is a conditional write on the task's version, so two reviewers racing
 * for the last slot of a task never both get it; an expired lease frees its slot for the next claim.
 */
export const handler = portalRoute(async (_event, reviewer, metrics) => {
  const store = new TaskStore(dynamodb, portalEnv()[ENV.TASK_TABLE]);
  const now = Date.now();
  const settings = settingsFromEnv();
  const claim = await store.claimNext(reviewer, now, settings);
  if (!claim) return ok({ task: null });
  if (!claim.renewed) metrics.addMetric(REVIEW_PORTAL_METRICS.TASKS_CLAIMED, MetricUnit.Count, 1);
  logger.info('Task claimed', { taskId: claim.task.taskId, workerId: reviewer.workerId, renewed: claim.renewed });
  return ok({ task: await withImageUrls(claim.task, taskView(claim.task, reviewer.workerId, now, settings)) });
});
