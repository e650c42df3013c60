import { MODEL_STATUS } from '../contract';
import { type ModelVersion } from './model-versions';

/**
 * The idle check's decisions: which running model versions of the project to stop. A model is billed per
 * inference-unit hour while it runs; a run records that it uses a model (`model-usage/<run id>.json`) and removes the
 * record on every exit path. A model that no live run uses is stopped once it has been idle for `maxIdleMinutes`
 * (measured from when the check first saw it running, or last saw a run use it); a model a run started and then left
 * behind (the run was aborted or timed out, its record is stale) is stopped at once.
 */

/** A run's record that it uses a model. */
export interface ModelUsage {
  readonly runId: string;
  readonly executionArn: string;
  readonly modelVersionArn: string;
  /** The run started the model (so it must stop it). */
  readonly startedByRun: boolean;
}

/** What the check remembers of a running model (`model-watch/<hash>.json`). */
export interface ModelWatch {
  readonly modelVersionArn: string;
  /** When the check first saw it running (ISO 8601). */
  readonly firstSeenRunning: string;
  /** When a live run last used it. */
  readonly lastUsed?: string;
}

/** Inputs of {@link decideIdle}. */
export interface IdleInput {
  readonly versions: readonly ModelVersion[];
  /** Usage records, each with whether its execution still runs. */
  readonly usages: readonly (ModelUsage & { readonly executionRunning: boolean })[];
  readonly watches: readonly ModelWatch[];
  readonly now: Date;
  readonly maxIdleMinutes: number;
  /** Minutes between checks (each running model counts for this long in the inference-hours metric). */
  readonly intervalMinutes: number;
}

/** What to do. */
export interface IdleDecision {
  /** Model versions to stop, each with the reason. */
  readonly stop: { readonly modelVersionArn: string; readonly reason: string }[];
  /** Watch records to write (running models). */
  readonly watches: ModelWatch[];
  /** Watch records to delete (models no longer running). */
  readonly forget: string[];
  /** Usage records of runs that no longer run (to delete). */
  readonly staleUsages: string[];
  /** Inference-unit hours of the running models over the last interval (at least `MinInferenceUnits` each). */
  readonly inferenceUnitHours: number;
}

/** Decide which models to stop. Pure: every input is given, nothing is read. */
export function decideIdle(input: IdleInput): IdleDecision {
  const now = input.now.getTime();
  const running = input.versions.filter((v) => v.Status === MODEL_STATUS.RUNNING && v.ProjectVersionArn);
  const live = input.usages.filter((u) => u.executionRunning);
  const watches = new Map(input.watches.map((w) => [w.modelVersionArn, w]));
  const stop: IdleDecision['stop'] = [];
  const next: ModelWatch[] = [];
  for (const version of running) {
    const arn = version.ProjectVersionArn!;
    const used = live.some((u) => u.modelVersionArn === arn);
    const previous = watches.get(arn);
    const watch: ModelWatch = {
      modelVersionArn: arn,
      firstSeenRunning: previous?.firstSeenRunning ?? input.now.toISOString(),
      ...(used ? { lastUsed: input.now.toISOString() } : previous?.lastUsed ? { lastUsed: previous.lastUsed } : {}),
    };
    next.push(watch);
    if (used) continue;
    const abandoned = input.usages.find((u) => !u.executionRunning && u.startedByRun && u.modelVersionArn === arn);
    if (abandoned) {
      stop.push({ modelVersionArn: arn, reason: `run ${abandoned.runId} started it and ended without stopping it` });
      continue;
    }
    const idleSince = Math.max(Date.parse(watch.firstSeenRunning), watch.lastUsed ? Date.parse(watch.lastUsed) : 0);
    const idleMinutes = (now - idleSince) / 60_000;
    if (idleMinutes >= input.maxIdleMinutes) {
      stop.push({
        modelVersionArn: arn,
        reason: `running for at least ${Math.floor(idleMinutes)} minute(s) with no run using it (maxIdleMinutes ${input.maxIdleMinutes})`,
      });
    }
  }
  const runningArns = new Set(running.map((v) => v.ProjectVersionArn!));
  return {
    stop,
    watches: next,
    forget: input.watches.map((w) => w.modelVersionArn).filter((arn) => !runningArns.has(arn)),
    staleUsages: input.usages.filter((u) => !u.executionRunning).map((u) => u.runId),
    inferenceUnitHours:
      Math.round(running.reduce((h, v) => h + (v.MinInferenceUnits ?? 1) * (input.intervalMinutes / 60), 0) * 1000) /
      1000,
  };
}
