import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ok, parseJsonBody } from '../shared/http';
import { MetricUnit } from '../shared/observability';
import * as z from '../shared/zod';
import { logger, portalEnv, portalRoute, settingsFromEnv, taskIdOf } from './adapters/api';
import { REVIEW_PORTAL_ENV as ENV, REVIEW_PORTAL_METRICS } from './contract';
import { TaskStore } from './adapters/task-store';

const dynamodb = new DynamoDBClient({});

/**
 * Body of a submission: one answer per item, `textCategory<index>` → a category (or a list for multi-label tasks).
 * Only the shape is checked here; each field is checked against the task by `normalizeAnswers`, which lists the first
 * problems and counts the rest (a body with 40,000 bad fields gets a small 400, not one line per field).
 */
const SubmissionSchema = z.object({ answers: z.record(z.string(), z.unknown()) });

/**
 * `POST /tasks/{taskId}/answers`: record the reviewer's answers. The answers are checked against the task's own
 * categories (400 naming each bad field); the same answers again are a harmless retry (`duplicate`); a lease that ran
 * out is refused with 409 `LEASE_EXPIRED`. When the task has all its answers it completes: the table's stream hands
 * it to the publisher, which writes the A2I-shaped output and the completion event.
 */
export const handler = portalRoute(async (event, reviewer, metrics) => {
  const taskId = taskIdOf(event);
  const { answers } = parseJsonBody(event, SubmissionSchema);
  const store = new TaskStore(dynamodb, portalEnv()[ENV.TASK_TABLE]);
  const { decision, task } = await store.submit(taskId, reviewer, answers, Date.now(), settingsFromEnv());
  if (decision.kind === 'recorded') {
    metrics.addMetric(REVIEW_PORTAL_METRICS.ANSWERS_SUBMITTED, MetricUnit.Count, 1);
    if (decision.completed) metrics.addMetric(REVIEW_PORTAL_METRICS.TASKS_COMPLETED, MetricUnit.Count, 1);
    logger.info('Answers recorded', { taskId, workerId: reviewer.workerId, completed: decision.completed });
  }
  return ok({
    taskId,
    status: decision.kind,
    completed: decision.completed,
    answersReceived: task.answeredBy.length,
    answerContent: decision.answer.answerContent,
  });
});
