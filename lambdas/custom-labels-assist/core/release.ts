import { type ModelUsage } from './idle';

/**
 * The one rule for a run's exit, whoever applies it (the run's own `ReleaseModel` task after detection or on failure,
 * or the watchdog when an execution ended without it): the run's usage record is deleted, and the model version is
 * stopped only when the run started it (or was handed it) and no other live run uses that version. When another live
 * run still uses it, the duty to stop it passes to that run (its record gets `startedByRun: true`), so the last run
 * to leave stops it.
 */

/** Inputs of {@link decideRelease}. */
export interface ReleaseInput {
  /** The leaving run's usage record (undefined: already released, nothing to do). */
  readonly mine: ModelUsage | undefined;
  /** Every usage record, each with whether its execution still runs (the leaving run's own is ignored). */
  readonly usages: readonly (ModelUsage & { readonly executionRunning: boolean })[];
}

/** What to do. */
export interface ReleaseDecision {
  /** Stop the model version. */
  readonly stop: boolean;
  /** The live run that now must stop the model (its record is rewritten with `startedByRun: true`). */
  readonly handOver?: ModelUsage;
  readonly reason: string;
}

/** Decide a run's release. Pure: every input is given, nothing is read. */
export function decideRelease(input: ReleaseInput): ReleaseDecision {
  const mine = input.mine;
  if (!mine) return { stop: false, reason: 'no usage record: already released' };
  if (!mine.startedByRun) return { stop: false, reason: `run ${mine.runId} did not start the model` };
  const others = input.usages.filter(
    (u) => u.runId !== mine.runId && u.executionRunning && u.modelVersionArn === mine.modelVersionArn,
  );
  const next = others[0];
  if (next) {
    const { executionRunning: _running, ...usage } = next;
    return {
      stop: false,
      handOver: { ...usage, startedByRun: true },
      reason: `run ${next.runId} still uses it and now stops it when it leaves`,
    };
  }
  return { stop: true, reason: `run ${mine.runId} started it and no other live run uses it` };
}
