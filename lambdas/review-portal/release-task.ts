import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ok } from '../shared/http';
import { logger, portalEnv, portalRoute, taskIdOf } from './adapters/api';
import { REVIEW_PORTAL_ENV as ENV } from './contract';
import { TaskStore } from './adapters/task-store';

const dynamodb = new DynamoDBClient({});

/** `POST /tasks/{taskId}/release`: skip a task — drop the reviewer's lease so someone else can take it. Idempotent. */
export const handler = portalRoute(async (event, reviewer) => {
  const taskId = taskIdOf(event);
  const { released } = await new TaskStore(dynamodb, portalEnv()[ENV.TASK_TABLE]).release(
    taskId,
    reviewer.workerId,
    Date.now(),
  );
  logger.info('Task released', { taskId, workerId: reviewer.workerId, released });
  return ok({ taskId, released });
});
