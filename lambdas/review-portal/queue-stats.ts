import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ok } from '../shared/http';
import { portalEnv, portalRoute, settingsFromEnv } from './adapters/api';
import { REVIEW_PORTAL_ENV as ENV } from './contract';
import { queueStats } from './core/stats';
import { TaskStore } from './adapters/task-store';

const dynamodb = new DynamoDBClient({});

/** `GET /stats`: queue statistics (open, leased, available tasks, answers needed, oldest task age). */
export const handler = portalRoute(async () => {
  const env = portalEnv();
  const store = new TaskStore(dynamodb, env[ENV.TASK_TABLE]);
  return ok(await queueStats(store.queue(), Date.now(), env[ENV.MAX_TASK_AGE_SECONDS], settingsFromEnv()));
});
