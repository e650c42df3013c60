/**
 * The run-end core: what to do when a retraining execution ends FAILED, TIMED_OUT or ABORTED. Pure; `end-run.ts`
 * describes and stops the training job, releases the lock and sends the event.
 */
import { z } from 'zod';
import { RUN_ID_PATTERN } from '../contract';
import { ABNORMAL_END_STATUSES, type AbnormalEndStatus, EXECUTION_STATUS_CHANGE } from '../contract';

/**
 * `Step Functions Execution Status Change` (Step Functions Developer Guide, "Step Functions events": `detail` carries
 * `executionArn`, `stateMachineArn`, `name`, `status`, `input` as a JSON string, and `error`/`cause` when failed).
 */
const statusChangeSchema = z.looseObject({
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  detail: z.looseObject({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    name: z.string().min(1),
    status: z.enum(Object.keys(ABNORMAL_END_STATUSES) as [AbnormalEndStatus, ...AbnormalEndStatus[]]),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

/** A retraining execution that ended abnormally. */
export interface RunEnd {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  /** The execution name, which is the run id (and the version name of the model the run trains). */
  readonly runId: string;
  readonly status: AbnormalEndStatus;
  /** The execution input (`{"action": …}`), `{}` when absent or not JSON. */
  readonly input: Record<string, unknown>;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Read the event. Returns `undefined` for anything that is not an execution status change of a matched status (the
 * rule sends nothing else), with the reason.
 */
export function parseRunEnd(event: unknown): { end?: RunEnd; problem?: string } {
  const parsed = statusChangeSchema.safeParse(event);
  if (!parsed.success) return { problem: z.prettifyError(parsed.error) };
  const d = parsed.data.detail;
  let input: Record<string, unknown> = {};
  try {
    const value: unknown = d.input ? JSON.parse(d.input) : {};
    if (value && typeof value === 'object' && !Array.isArray(value)) input = value as Record<string, unknown>;
  } catch {
    // An input that is not JSON cannot come from the workflow's starters; the event still says how the run ended.
  }
  return {
    end: {
      executionArn: d.executionArn,
      stateMachineArn: d.stateMachineArn,
      runId: d.name,
      status: d.status,
      input,
      ...(d.error ? { error: d.error } : {}),
      ...(d.cause ? { cause: d.cause } : {}),
    },
  };
}

/**
 * The version a run trains: `<classifier ARN>/version/<run id>` (the state machine's `CandidateArn`). `undefined` when
 * the execution name cannot be a Comprehend version name, so the run never created one.
 */
export function candidateVersionArn(classifierArn: string, runId: string): string | undefined {
  return RUN_ID_PATTERN.test(runId) ? `${classifierArn}/version/${runId}` : undefined;
}

/**
 * Statuses in which a version is still training and billing, so `StopTrainingDocumentClassifier` applies
 * (Comprehend API Reference, `StopTrainingDocumentClassifier`: "If the training job state is SUBMITTED or TRAINING").
 */
const STOPPABLE = new Set(['SUBMITTED', 'TRAINING']);

/** Whether a version in this `Status` must be stopped. */
export function mustStopTraining(status: string | undefined): boolean {
  return status !== undefined && STOPPABLE.has(status);
}

/** What happened to the run's training job. */
export type TrainingEnd =
  /** `StopTrainingDocumentClassifier` was accepted. */
  | { readonly action: 'stopped'; readonly versionArn: string; readonly statusBefore: string }
  /** The version exists and is not training (trained, failed, stopped already, or stopping). */
  | { readonly action: 'none'; readonly versionArn: string; readonly status: string }
  /** No version of this run exists (`ResourceNotFoundException`): training never started. */
  | { readonly action: 'never-started'; readonly versionArn?: string }
  /** Flywheel mode: the flywheel owns its iterations (Comprehend has no call that stops one). */
  | { readonly action: 'not-applicable' };

/** The `outcome` of the `Retraining Run Finished` event for a run the state machine could not finish itself. */
export function runEndOutcome(end: RunEnd, training: TrainingEnd): Record<string, unknown> {
  const what = { FAILED: 'failed', TIMED_OUT: 'timed out', ABORTED: 'was aborted' }[end.status];
  const stopped = training.action === 'stopped' ? ` Training of ${training.versionArn} was stopped.` : '';
  return {
    status: ABNORMAL_END_STATUSES[end.status],
    executionStatus: end.status,
    ...(end.error ? { error: end.error } : {}),
    message: `Execution ${end.runId} ${what} before the workflow could finish it${end.cause ? `: ${end.cause}` : ''}.${stopped}`,
    training,
  };
}
