/**
 * The outlier rules, their bounds and the report's bins. One rule per reason; a trip that breaks several rules gets
 * the first reason in {@link OUTLIER_REASONS} order, so the counts per reason add up to the outliers.
 */

/** Reasons in precedence order (the value of `outlier_reason`). */
export const OUTLIER_REASONS = [
  'missing_timestamp',
  'non_positive_duration',
  'duration_too_long',
  'speed_too_high',
  'negative_amount',
] as const;

/** Why a trip is an outlier. */
export type OutlierReason = (typeof OUTLIER_REASONS)[number];

/** What each rule means (report legend, CLI help and the guide). */
export const OUTLIER_RULES: Readonly<Record<OutlierReason, { readonly title: string; readonly rule: string }>> = {
  missing_timestamp: {
    title: 'Missing time',
    rule: 'pick-up or drop-off time is NULL: no duration can be computed',
  },
  non_positive_duration: {
    title: 'Duration ≤ 0 s',
    rule: 'the drop-off is not after the pick-up (elapsed time, with daylight-saving changes taken into account)',
  },
  duration_too_long: {
    title: 'Duration too long',
    rule: 'the trip lasted longer than maxDurationSeconds (default one day)',
  },
  speed_too_high: {
    title: 'Speed too high',
    rule: 'trip_distance per hour of duration is above maxSpeedMph (default 100 mph)',
  },
  negative_amount: {
    title: 'Negative amount',
    rule: 'any money column (fare, extra, MTA tax, tip, tolls, surcharges, fees, total) is below zero',
  },
};

/** The configurable bounds of the rules. */
export interface OutlierBounds {
  /** Trips that last longer are `duration_too_long` (seconds). */
  readonly maxDurationSeconds: number;
  /** Trips faster than this are `speed_too_high` (miles per hour). */
  readonly maxSpeedMph: number;
}

/** Defaults: one day, 100 mph. */
export const DEFAULT_BOUNDS: OutlierBounds = { maxDurationSeconds: 86_400, maxSpeedMph: 100 };

/** Accepted ranges of the bounds (inclusive). */
export const BOUND_LIMITS: Readonly<Record<keyof OutlierBounds, { readonly min: number; readonly max: number }>> = {
  maxDurationSeconds: { min: 60, max: 31 * 86_400 },
  maxSpeedMph: { min: 1, max: 1_000 },
};

/**
 * Bins of the duration histogram: one per minute from 0 to `lastMinute - 1`; bin `-1` holds negative durations and
 * bin `lastMinute` everything from `lastMinute` minutes up.
 */
export const DURATION_HISTOGRAM = { binSeconds: 60, lastMinute: 120 } as const;
