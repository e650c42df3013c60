import { createHash } from 'node:crypto';
import { z } from 'zod/mini';
import { ValidationError } from '../../shared/errors';
import { type OutlierBounds, BOUND_LIMITS, MONTH_PATTERN } from '../contract';

const bound = (name: keyof OutlierBounds) =>
  z.optional(
    z
      .number({ error: `${name}: expected a number` })
      .check(
        z.gte(BOUND_LIMITS[name].min, `${name}: expected at least ${BOUND_LIMITS[name].min}`),
        z.lte(BOUND_LIMITS[name].max, `${name}: expected at most ${BOUND_LIMITS[name].max}`),
      ),
  );

/** The input of a run (the state machine's execution input; `mlw trips ingest --engine athena` builds it). */
export const runRequestSchema = z.strictObject({
  /** The month of trips, `YYYY-MM`. */
  month: z.string({ error: 'month: expected YYYY-MM' }).check(z.regex(MONTH_PATTERN, 'month: expected YYYY-MM')),
  /** Override the deployed bound of the duration rule (seconds). */
  maxDurationSeconds: bound('maxDurationSeconds'),
  /** Override the deployed bound of the speed rule (mph). */
  maxSpeedMph: bound('maxSpeedMph'),
});

/** A raw run request. */
export type RunRequestInput = z.input<typeof runRequestSchema>;

/** A validated run request. */
export interface RunRequest {
  readonly month: string;
  /** Partition values: `2024`, `01`. */
  readonly year: string;
  readonly monthOfYear: string;
  readonly bounds: OutlierBounds;
}

/**
 * Validate a run request and resolve its bounds against the deployed defaults.
 * @throws ValidationError naming every bad field.
 */
export function parseRunRequest(input: unknown, defaults: OutlierBounds): RunRequest {
  const result = runRequestSchema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues.map((i) =>
      i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
    );
    throw new ValidationError(`Invalid run request: ${details.join('; ')}`, details);
  }
  const { month, maxDurationSeconds, maxSpeedMph } = result.data;
  const [year, monthOfYear] = month.split('-') as [string, string];
  return {
    month,
    year,
    monthOfYear,
    bounds: {
      maxDurationSeconds: maxDurationSeconds ?? defaults.maxDurationSeconds,
      maxSpeedMph: maxSpeedMph ?? defaults.maxSpeedMph,
    },
  };
}

/**
 * The run id of an execution: the month and a digest of the execution name, so a retried or redriven step of the same
 * execution names the same tables and locations (and a CTAS that already ran fails instead of writing twice), while
 * every new execution gets tables of its own. Lower-case letters, digits and underscores: a valid part of a Glue and
 * Athena table name.
 */
export function runIdFor(month: string, executionName: string): string {
  const digest = createHash('sha256').update(executionName).digest('hex').slice(0, 12);
  return `${month.replace('-', '_')}_${digest}`;
}
