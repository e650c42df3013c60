import { z } from 'zod';
import { BOUND_LIMITS, DEFAULT_BOUNDS, DEFAULT_TIME_ZONE, TLC_BASE_URL } from '../../lambdas/trip-outliers/contract';
import { bool, int, num } from './schema-helpers';

/** Configuration of the trip outlier analysis (`tripOutliers` in context). */
export const tripOutliersConfigSchema = z
  .object({
    /** Deploy the trip-outliers stack. */
    enabled: bool().default(true),
    /**
     * Glue database of the raw table, the run tables and the views (lower-case letters, digits, underscores). Unset:
     * derived from the stack name (`mlw_tripoutliers`).
     */
    databaseName: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,127}$/, 'expected lower-case letters, digits and underscores, starting with a letter')
      .optional(),
    /** Athena workgroup name. Unset: the stack name (`Mlw-TripOutliers`). */
    workGroupName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1–128 letters, digits, periods, underscores and hyphens')
      .optional(),
    /**
     * Athena cancels a query of the workgroup that scans more than this many GiB (the workgroup's per-query data usage
     * control; Athena's minimum is 10 MiB).
     */
    bytesScannedCutoffGiB: num({ min: 0.01, max: 1_048_576 }).default(10),
    /** Trips longer than this are outliers (`duration_too_long`), seconds. */
    maxDurationSeconds: int(BOUND_LIMITS.maxDurationSeconds).default(DEFAULT_BOUNDS.maxDurationSeconds),
    /** Trips faster than this are outliers (`speed_too_high`), miles per hour. */
    maxSpeedMph: num(BOUND_LIMITS.maxSpeedMph).default(DEFAULT_BOUNDS.maxSpeedMph),
    /** IANA zone of the trip timestamps (local time without an offset). */
    timeZone: z
      .string()
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'expected an IANA time zone')
      .default(DEFAULT_TIME_ZONE),
    /** Where the monthly files are published (`<url>/yellow_tripdata_YYYY-MM.parquet`); https only. */
    sourceBaseUrl: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }).default(TLC_BASE_URL),
    /** Days Athena query results are kept before S3 expires them. */
    queryResultsRetentionDays: int({ min: 1, max: 3650 }).default(30),
  })
  .strict();

/** Validated trip-outliers configuration. */
export type TripOutliersConfig = z.infer<typeof tripOutliersConfigSchema>;
