/** One model version in the run summary. */
export interface VersionResult {
  readonly modelVersionArn: string;
  readonly status?: string;
  /** `EvaluationResult.F1Score` (0–1), when training succeeded and Rekognition evaluated it. */
  readonly f1Score?: number;
}

/** The F1 comparison of the run summary. */
export interface Comparison {
  readonly previous: VersionResult;
  readonly trained: VersionResult;
  /** `trained.f1Score − previous.f1Score`, when both exist. */
  readonly f1Change?: number;
  readonly verdict: 'better' | 'worse' | 'same' | 'not comparable';
  /** One sentence for people. */
  readonly message: string;
}

/** Compare the F1 score of the new version with the version that proposed the boxes. */
export function compareVersions(previous: VersionResult, trained: VersionResult): Comparison {
  const a = previous.f1Score;
  const b = trained.f1Score;
  if (typeof a !== 'number' || typeof b !== 'number') {
    const missing = [
      typeof a !== 'number' ? 'the previous version' : '',
      typeof b !== 'number' ? 'the new version' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      previous,
      trained,
      verdict: 'not comparable',
      message: `No F1 score for ${missing} (status ${trained.status ?? 'unknown'}); nothing to compare.`,
    };
  }
  const f1Change = Math.round((b - a) * 10_000) / 10_000;
  const verdict = f1Change > 0 ? 'better' : f1Change < 0 ? 'worse' : 'same';
  return {
    previous,
    trained,
    f1Change,
    verdict,
    message: `F1 ${a.toFixed(3)} → ${b.toFixed(3)} (${f1Change >= 0 ? '+' : ''}${f1Change.toFixed(3)}): the new version is ${verdict === 'same' ? 'as good' : verdict}.`,
  };
}
