import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ok } from '../shared/http';
import { apiHandler, portalEnv, settingsFromEnv, taskIdOf } from './api/adapter';
import { withImageUrls } from './api/images';
import { REVIEW_PORTAL_ENV as ENV } from './contract';
import { taskView } from './core/task';
import { TaskStore } from './store/task-store';

const dynamodb = new DynamoDBClient({});

/** `GET /tasks/{taskId}`: the reviewer's view of a task (items, categories, their lease and their own answers; image tasks with short-lived image URLs). */
export const handler = apiHandler(async (event, reviewer) => {
  const taskId = taskIdOf(event);
  const task = await new TaskStore(dynamodb, portalEnv()[ENV.TASK_TABLE]).get(taskId);
  return ok({ task: await withImageUrls(task, taskView(task, reviewer.workerId, Date.now(), settingsFromEnv())) });
});
