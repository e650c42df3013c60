import type { ApprovalMode } from '../contract';

/**
 * The selection core: should the candidate model replace the one behind the endpoint? Pure; the evaluate function and
 * `mlw` use it, in both modes (a version's `ClassifierMetadata.EvaluationMetrics`, a flywheel iteration's
 * `TrainedModelMetrics` against its `EvaluatedModelMetrics`).
 */

/**
 * Evaluation metrics as Comprehend reports them (`ClassifierEvaluationMetrics`, or a flywheel iteration's
 * `FlywheelModelEvaluationMetrics`, whose fields start with `Average`). Values are 0–1.
 */
export interface EvaluationMetrics {
  readonly Accuracy?: number;
  readonly Precision?: number;
  readonly Recall?: number;
  readonly F1Score?: number;
  readonly MicroPrecision?: number;
  readonly MicroRecall?: number;
  readonly MicroF1Score?: number;
  readonly HammingLoss?: number;
  readonly AverageF1Score?: number;
  readonly AveragePrecision?: number;
  readonly AverageRecall?: number;
  readonly AverageAccuracy?: number;
}

/** Inputs of {@link selectModel}. */
export interface SelectionInput {
  readonly multiLabel: boolean;
  /** The candidate's metrics (undefined when Comprehend reported none). */
  readonly candidate: EvaluationMetrics | undefined;
  /** The current model's metrics; undefined on a first deployment (no endpoint yet) or when it has none. */
  readonly current: EvaluationMetrics | undefined;
  /** The candidate must beat the current score by at least this much (0–1). */
  readonly minImprovement: number;
  /** The candidate's score must be at least this (0–1). */
  readonly minF1: number;
  readonly approval: ApprovalMode;
}

/** What to do with the candidate. */
export type SelectionDecision = 'promote' | 'await-approval' | 'keep';

/** The decision and the figures it was made on. */
export interface Selection {
  readonly decision: SelectionDecision;
  /** The metric compared: `F1Score` (multi-class), `MicroF1Score` (multi-label), `AverageF1Score` (flywheel). */
  readonly metric: 'F1Score' | 'MicroF1Score' | 'AverageF1Score';
  readonly candidateScore?: number;
  readonly currentScore?: number;
  /** candidate − current, rounded to 9 decimals (undefined without a current score). */
  readonly improvement?: number;
  readonly reason: string;
}

function score(metrics: EvaluationMetrics | undefined, multiLabel: boolean): [Selection['metric'], number | undefined] {
  if (metrics?.AverageF1Score !== undefined) return ['AverageF1Score', metrics.AverageF1Score];
  return multiLabel ? ['MicroF1Score', metrics?.MicroF1Score] : ['F1Score', metrics?.F1Score];
}

function valid(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value >= 0 && value <= 1;
}

const round = (value: number) => Math.round(value * 1e9) / 1e9;
const pct = (value: number) => value.toFixed(4);

/**
 * Promote when the candidate's F1 (micro F1 for multi-label) is at least `minF1` and, when there is a current model
 * with a score, strictly higher than the current one by at least `minImprovement`. With `approval: manual` a candidate
 * that would be promoted waits for a person instead. A candidate without a valid score (missing, not 0–1) is kept out.
 */
export function selectModel(input: SelectionInput): Selection {
  const [metric, candidateScore] = score(input.candidate, input.multiLabel);
  const [, currentRaw] = score(input.current, input.multiLabel);
  const currentScore = valid(currentRaw) ? currentRaw : undefined;
  const base = { metric, candidateScore, currentScore };
  if (!valid(candidateScore)) {
    return {
      ...base,
      decision: 'keep',
      reason: `the candidate has no valid ${metric} (received ${String(candidateScore)})`,
    };
  }
  if (candidateScore < input.minF1) {
    return {
      ...base,
      decision: 'keep',
      reason: `candidate ${metric} ${pct(candidateScore)} is below minF1 ${input.minF1}`,
    };
  }
  let reason: string;
  let improvement: number | undefined;
  if (currentScore === undefined) {
    reason = `no current model to compare with; candidate ${metric} ${pct(candidateScore)} meets minF1 ${input.minF1}`;
  } else {
    improvement = round(candidateScore - currentScore);
    if (improvement <= 0 || improvement < input.minImprovement) {
      return {
        ...base,
        improvement,
        decision: 'keep',
        reason: `candidate ${metric} ${pct(candidateScore)} does not beat the current ${pct(currentScore)} by ${input.minImprovement > 0 ? `at least ${input.minImprovement}` : 'any margin'}`,
      };
    }
    reason = `candidate ${metric} ${pct(candidateScore)} beats the current ${pct(currentScore)} by ${pct(improvement)}`;
  }
  return input.approval === 'manual'
    ? { ...base, improvement, decision: 'await-approval', reason: `${reason}; waiting for approval` }
    : { ...base, improvement, decision: 'promote', reason };
}
