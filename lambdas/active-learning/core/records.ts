import * as z from '../../shared/zod';
import { CLASSIFIER_NAME_PATTERN, LIMITS } from '../contract';

/** Where a feedback record came from. */
export type FeedbackSource = 'implicit' | 'api' | 'batch';

/**
 * One feedback record as written to Firehose, one JSON object per line (see FORMATS.md "Comprehend and the feedback
 * loop"). The first four fields are the original solution's standard record; the rest are ours and optional.
 */
export interface FeedbackRecord {
  readonly utterance: string;
  /** The model's prediction, or `CLASSIFY` for explicit feedback without one. */
  readonly prediction: string;
  /** The prediction's score (0–1), or `NONE` for explicit feedback. */
  readonly confidence: number | string;
  readonly classifier: string;
  readonly source?: FeedbackSource;
  readonly expectedLabel?: string;
  readonly requestId?: string;
  /** Deterministic id (batch files: source object + index), so readers can drop re-sent records. */
  readonly recordId?: string;
  /** ISO 8601 time the record was produced. */
  readonly timestamp?: string;
}

/** Prediction of explicit feedback that carries none (the original solution's value). */
export const EXPLICIT_PREDICTION = 'CLASSIFY';
/** Confidence of explicit feedback (the original solution's value). */
export const EXPLICIT_CONFIDENCE = 'NONE';

/** UTF-8 length of a string in bytes. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A classifier name: letters, digits, `_ . -`, 1–63 characters, starting with a letter or digit. */
export const classifierNameSchema = z
  .string({ error: 'expected a string' })
  .check(
    z.regex(CLASSIFIER_NAME_PATTERN, 'expected 1-63 letters, digits, "_", "." or "-", starting with a letter or digit'),
  );

/** An utterance: non-blank text of at most {@link LIMITS.UTTERANCE_BYTES} UTF-8 bytes. */
export const utteranceSchema = z.string({ error: 'expected a string' }).check(
  z.refine((s: string) => s.trim() !== '', 'must not be empty or blank'),
  z.refine(
    (s: string) => utf8Length(s) <= LIMITS.UTTERANCE_BYTES,
    `must be at most ${LIMITS.UTTERANCE_BYTES} UTF-8 bytes`,
  ),
);

/**
 * Schema of a record read back from the feedback stream. Tolerant: our extra fields are optional and unknown fields
 * are ignored, so records of the original solution (and of other producers) are accepted.
 */
const optionalOrDropped = <T extends z.core.$ZodType>(schema: T) => z.catch(z.optional(schema), undefined);
const storedRecordSchema = z.object({
  utterance: z.string().check(z.refine((s: string) => s.trim() !== '', 'must not be empty or blank')),
  classifier: z.string().check(z.minLength(1)),
  prediction: z.optional(z.string()),
  confidence: z.optional(z.union([z.number(), z.string()])),
  source: optionalOrDropped(z.enum(['implicit', 'api', 'batch'])),
  expectedLabel: optionalOrDropped(z.string().check(z.minLength(1))),
  requestId: optionalOrDropped(z.string()),
  recordId: optionalOrDropped(z.string()),
  timestamp: optionalOrDropped(z.string()),
});

/** The result of parsing one stored record. */
export type ParsedRecord =
  { readonly ok: true; readonly record: FeedbackRecord } | { readonly ok: false; readonly reason: string };

/** Parse one feedback record read from the stream (never throws). */
export function parseFeedbackRecord(value: unknown): ParsedRecord {
  const result = storedRecordSchema.safeParse(value);
  if (!result.success) {
    return {
      ok: false,
      reason: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`).join('; '),
    };
  }
  const { prediction, confidence, ...rest } = result.data;
  return {
    ok: true,
    record: dropUndefined({
      ...rest,
      prediction: prediction ?? EXPLICIT_PREDICTION,
      confidence: confidence ?? EXPLICIT_CONFIDENCE,
    }),
  };
}

/** The line written to Firehose for a record: compact JSON and a newline (Firehose adds no delimiter itself). */
export function encodeRecord(record: FeedbackRecord): string {
  return `${JSON.stringify(dropUndefined(record))}\n`;
}

/** A copy without `undefined` members (keeps JSON and equality checks clean). */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
