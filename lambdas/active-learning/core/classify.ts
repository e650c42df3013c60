import { ValidationError } from '../../shared/errors';
import * as z from '../../shared/zod';
import { MAX_LABEL_LENGTH, MAX_REQUEST_ID_LENGTH } from '../contract';
import {
  EXPLICIT_CONFIDENCE,
  EXPLICIT_PREDICTION,
  type FeedbackRecord,
  classifierNameSchema,
  dropUndefined,
  utteranceSchema,
} from './records';

/** `POST /classify` body. */
export const classifyRequestSchema = z.strictObject({ classifier: classifierNameSchema, sentence: utteranceSchema });
/** A validated classify request. */
export type ClassifyRequest = z.infer<typeof classifyRequestSchema>;

/** `POST /feedback` body. */
export const feedbackRequestSchema = z.strictObject({
  classifier: classifierNameSchema,
  sentence: utteranceSchema,
  expectedLabel: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_LABEL_LENGTH))),
  prediction: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_LABEL_LENGTH))),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_REQUEST_ID_LENGTH))),
});
/** A validated feedback request. */
export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;

/** One class and its score. */
export interface ClassScore {
  readonly name: string;
  readonly score: number;
}

/** The part of Comprehend's `ClassifyDocument` answer we read (either list may be absent; neither is sorted). */
export interface ComprehendAnswer {
  readonly Classes?: readonly { readonly Name?: string; readonly Score?: number }[];
  readonly Labels?: readonly { readonly Name?: string; readonly Score?: number }[];
}

/** The answer of `POST /classify`. */
export interface Classification {
  readonly classifier: string;
  /** The best class (highest score). */
  readonly label: string;
  readonly score: number;
  /** Every class, best first. */
  readonly classes: readonly ClassScore[];
  /** The model answered with `Labels` (multi-label). */
  readonly multiLabel: boolean;
  /** The best score is below the threshold: implicit feedback was recorded. */
  readonly lowConfidence: boolean;
}

/**
 * Rank a Comprehend answer: `Classes` (multi-class) or `Labels` (multi-label), whichever is present, sorted by score
 * (highest first, ties by name so the order is deterministic). Entries without a name or a finite score are dropped.
 * @throws Error when the answer holds no usable class at all.
 */
export function rankAnswer(answer: ComprehendAnswer): { multiLabel: boolean; classes: ClassScore[] } {
  const multiLabel = (answer.Classes?.length ?? 0) === 0 && (answer.Labels?.length ?? 0) > 0;
  const raw = multiLabel ? (answer.Labels ?? []) : (answer.Classes ?? []);
  const classes = raw
    .flatMap((c) =>
      typeof c.Name === 'string' && c.Name !== '' && typeof c.Score === 'number' && Number.isFinite(c.Score)
        ? [{ name: c.Name, score: c.Score }]
        : [],
    )
    .sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (classes.length === 0) throw new Error('Comprehend returned no classes and no labels');
  return { multiLabel, classes };
}

/** Build the classification answer; `lowConfidence` when the best score is strictly below `threshold`. */
export function classify(classifier: string, answer: ComprehendAnswer, threshold: number): Classification {
  const { multiLabel, classes } = rankAnswer(answer);
  const top = classes[0]!;
  return { classifier, label: top.name, score: top.score, classes, multiLabel, lowConfidence: top.score < threshold };
}

/** The implicit-feedback record of a low-confidence classification. */
export function implicitFeedback(
  request: ClassifyRequest,
  result: Classification,
  requestId: string | undefined,
  now: Date,
): FeedbackRecord {
  return dropUndefined({
    utterance: request.sentence,
    prediction: result.label,
    confidence: result.score,
    classifier: request.classifier,
    source: 'implicit' as const,
    requestId,
    timestamp: now.toISOString(),
  });
}

/**
 * The explicit-feedback record of `POST /feedback`.
 * @throws ValidationError when `expectedLabel` is not one of `categories` (when categories are known).
 */
export function explicitFeedback(request: FeedbackRequest, categories: readonly string[], now: Date): FeedbackRecord {
  if (request.expectedLabel !== undefined && categories.length > 0) {
    const labels = request.expectedLabel.split('|');
    const unknown = labels.filter((l) => !categories.includes(l));
    if (unknown.length > 0) {
      throw new ValidationError('Request body is invalid', [
        `expectedLabel: unknown label ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected one of ${categories.join(', ')}`,
      ]);
    }
  }
  return dropUndefined({
    utterance: request.sentence,
    prediction: request.prediction ?? EXPLICIT_PREDICTION,
    confidence: EXPLICIT_CONFIDENCE,
    classifier: request.classifier,
    source: 'api' as const,
    expectedLabel: request.expectedLabel,
    requestId: request.requestId,
    timestamp: now.toISOString(),
  });
}
