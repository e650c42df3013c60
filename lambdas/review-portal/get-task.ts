import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ok } from '../shared/http';
import { portalEnv, portalRoute, settingsFromEnv, taskIdOf } from './adapters/api';
import { withImageUrls } from './adapters/images';
import { REVIEW_PORTAL_ENV as ENV } from './contract';
import { taskView } from './core/task';
import { TaskStore } from './adapters/task-store';

const dynamodb = new DynamoDBClient({});

/**
 * `GET /tasks/{taskId}`: the reviewer's view of a task (items, categories, their lease and their own answers; image
 * tasks with short-lived image URLs).
 */
export const handler = portalRoute(async (event, reviewer) => {
  const taskId = taskIdOf(event);
  const task = await new TaskStore(dynamodb, portalEnv()[ENV.TASK_TABLE]).get(taskId);
  return ok({ task: await withImageUrls(task, taskView(task, reviewer.workerId, Date.now(), settingsFromEnv())) });
});
