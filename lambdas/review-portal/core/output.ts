import {
  type AnyReviewTaskInput,
  type HumanAnswer,
  type HumanReviewOutput,
  type ReviewCompletedDetail,
} from '../../review/contract';
import { type TaskRecord, taskInput } from './task';

/**
 * The result of a completed task in exactly the Amazon A2I shape, so a consumer reads portal and A2I results with one
 * code path: `output.json` at an A2I-style key and a status event whose detail matches A2I's.
 */

/** `output.json` of a completed task: `inputContent` is the batch input exactly as received; answers in submission order. */
export function buildOutput(task: TaskRecord, portalId: string): HumanReviewOutput<AnyReviewTaskInput> {
  const humanAnswers = task.answeredBy.flatMap((worker) => {
    const answer = task.answers[worker];
    return answer === undefined ? [] : [JSON.parse(answer) as HumanAnswer];
  });
  return { flowDefinitionArn: portalId, humanLoopName: task.taskId, inputContent: taskInput(task), humanAnswers };
}

/**
 * The key A2I would use: `<prefix><portal name>/YYYY/MM/DD/hh/mm/ss/<task id>/output.json`, from the completion time
 * (UTC), so a re-published result lands on the same key.
 */
export function outputKey(prefix: string, portalName: string, completedAt: string, taskId: string): string {
  const t = new Date(completedAt);
  if (Number.isNaN(t.getTime())) throw new Error(`Invalid completion time ${completedAt} for task ${taskId}`);
  const pad = (n: number) => String(n).padStart(2, '0');
  const path = [
    t.getUTCFullYear(),
    pad(t.getUTCMonth() + 1),
    pad(t.getUTCDate()),
    pad(t.getUTCHours()),
    pad(t.getUTCMinutes()),
    pad(t.getUTCSeconds()),
  ].join('/');
  return `${prefix}${portalName}/${path}/${taskId}/output.json`;
}

/** The completion event's detail (same shape as A2I's `SageMaker A2I HumanLoop Status Change`). */
export function completionDetail(task: TaskRecord, portalId: string, outputS3Uri: string): ReviewCompletedDetail {
  return {
    humanLoopName: task.taskId,
    flowDefinitionArn: portalId,
    humanLoopStatus: 'Completed',
    humanLoopOutput: { outputS3Uri },
    creationTime: task.createdAt,
  };
}
