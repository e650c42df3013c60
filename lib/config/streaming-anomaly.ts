import { z } from 'zod';
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, DEFAULT_MAX_STATE_BYTES } from '../../lambdas/streaming-anomaly/contract';
import { bool, int, modeVariants, num, stringList, withDefaultMode } from './schema-helpers';

/** The keys of every stream mode. */
const common = {
  /** Deploy the StreamingAnomaly stack. */
  enabled: bool().default(true),
  /** MQTT topic filter the IoT rule reads camera events from (`+` and `#` wildcards allowed). */
  topic: z
    .string()
    .regex(/^[^$'\s][^'\s]{0,255}$/, "expected an MQTT topic filter without spaces or quotes, not starting with '$'")
    .default('traffic/cameras/+'),
  /** Hours the streams keep records (replay horizon). */
  retentionHours: int({ min: 24, max: 8760 }).default(24),
  /** Window length in seconds: the tumbling window and the event-time windows of the rows (a multiple of 60). */
  windowSeconds: int({ min: 60, max: 900 })
    .refine((v) => v % 60 === 0, {
      message: 'expected a multiple of 60 (CloudWatch periods and folders are whole minutes)',
    })
    .default(300),
  /** Records per aggregator invocation. */
  batchSize: int({ min: 1, max: 10000 }).default(1000),
  /** Retries of a failed aggregator batch before it goes to the on-failure queue. */
  retryAttempts: int({ min: 0, max: 100 }).default(3),
  /** Anomaly detector: `cloudwatch` (metrics + anomaly-detection alarms), `lookout` (discontinued service), `none`. */
  detector: z.enum(['cloudwatch', 'lookout', 'none']).default('cloudwatch'),
  /** Key prefix of the interval folders (`<prefix>/<yyyyMMdd>/<HHmm>/`). */
  prefix: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/,
      'expected lower-case words separated by single slashes, no slash at either end',
    )
    .default('traffic'),
  /** Firehose buffering interval in seconds (dynamic partitioning needs at least 60). */
  bufferSeconds: int({ min: 60, max: 900 }).default(60),
  /** Width of the CloudWatch anomaly band, in standard deviations. */
  bandWidth: num({ min: 0.5, max: 10 }).default(2),
  /** Periods an anomaly alarm evaluates (it alarms when all of them are outside the band). */
  evaluationPeriods: int({ min: 1, max: 24 }).default(1),
  /** Cameras that get their own anomaly alarms (the all-cameras totals always have alarms). */
  alarmCameras: stringList(
    z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'expected camera ids of letters, digits and _ . : -'),
  ).default([]),
  /**
   * Bound of the aggregator's serialized window state in bytes (below Lambda's 1 MB per shard); beyond it the largest
   * cells are written early as partial rows.
   */
  maxStateBytes: int({ min: 10_000, max: 1_000_000 }).default(DEFAULT_MAX_STATE_BYTES),
  /**
   * Seconds an event's `event_time` may lie ahead of its arrival; later events (and events older than the stream
   * retention) are kept under `dead-letter/aggregator/` instead of being counted.
   */
  maxClockSkewSeconds: int({ min: 0, max: 86_400 }).default(DEFAULT_MAX_CLOCK_SKEW_SECONDS),
  /** Lookout for Metrics alert sensitivity (0–100), `detector: lookout` only. */
  alertSensitivity: int({ min: 0, max: 100 }).default(70),
  /** IoT thing whose device shadow receives each alert (empty: no shadow update). */
  shadowThingName: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{0,128}$/, 'expected an IoT thing name (letters, digits, : _ -) or empty')
    .default(''),
};

const streamModes = modeVariants('streamingAnomaly', 'streamMode', 'on-demand', {
  /** The input stream scales by itself. */
  'on-demand': { streamMode: z.literal('on-demand'), ...common },
  /** The input stream has `shardCount` shards. */
  provisioned: {
    streamMode: z.literal('provisioned'),
    /** Shards of the input stream. */
    shardCount: int({ min: 1, max: 500 }).default(1),
    ...common,
  },
});

/**
 * Configuration of the streaming anomaly pipeline (camera events → 5-minute windows → S3 → anomaly alerts). The input
 * stream's capacity mode `streamMode` (default `on-demand`) decides whether `shardCount` applies: a `shardCount`
 * without `streamMode=provisioned` is reported, not ignored.
 */
export const streamingAnomalyConfigSchema = withDefaultMode(
  'streamMode',
  'on-demand',
  z.discriminatedUnion('streamMode', [streamModes['on-demand'], streamModes.provisioned]),
);

/** Validated streaming-anomaly configuration. */
export type StreamingAnomalyConfig = z.infer<typeof streamingAnomalyConfigSchema>;
