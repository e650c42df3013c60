import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, runKeys } from './contract';
import { type PageProposals } from './core/tasks';

const s3 = new S3Client({});

const eventSchema = z.object({
  run: z.looseObject({ runId: z.string() }),
  /** When the execution started (`$$.Execution.StartTime`). */
  startedAt: z.string(),
  /** Days the run waits for reviews before it goes on with what is done. */
  waitDays: z.number().positive(),
  now: z.string().optional(),
});

/** Review progress of a run. */
export interface ReviewProgress {
  readonly tasks: number;
  readonly finished: number;
  readonly pending: number;
  /** All tasks finished, or the wait ran out (`timedOut`): go on. */
  readonly done: boolean;
  readonly timedOut: boolean;
}

/**
 * Step Functions task `CheckReviews` (after each Wait): how many of the run's review tasks have finished (recorded by
 * `RecordReview`). Done when all have, or when `waitDays` have passed since the run started: then the run goes on and
 * the images of unfinished tasks go to the needs-labeling list.
 */
export const handler = async (event: unknown): Promise<ReviewProgress> => {
  const { run, startedAt, waitDays, now } = eventSchema.parse(event);
  const files = new RunStore(s3, runEnv()[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  const keys = runKeys(run.runId);
  const taskIds = new Set<string>();
  for (const key of await files.keys(keys.proposalsPrefix)) {
    const page = await files.json<PageProposals>(key);
    for (const task of page?.tasks ?? []) taskIds.add(task.taskId);
  }
  const recorded = new Set(
    (await files.keys(keys.reviewsPrefix)).map((k) => k.slice(keys.reviewsPrefix.length).replace(/\.json$/, '')),
  );
  const finished = [...taskIds].filter((id) => recorded.has(id)).length;
  const pending = taskIds.size - finished;
  const timedOut =
    pending > 0 && Date.parse(now ?? new Date().toISOString()) >= Date.parse(startedAt) + waitDays * 86_400_000;
  return { tasks: taskIds.size, finished, pending, done: pending === 0 || timedOut, timedOut };
};
