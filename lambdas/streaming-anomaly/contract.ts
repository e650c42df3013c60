/**
 * Contract of the streaming anomaly pipeline, shared by the construct (lib/), the handlers, the CLI and the tests.
 * Zero imports: names, constants and the one function that decides the S3 interval layout.
 */

/** Environment variables of the handlers. */
export const STREAMING_ANOMALY_ENV = {
  /** Name of the processed stream the aggregator writes rows to (a name, not an ARN: local stand-ins need names). */
  PROCESSED_STREAM: 'TRAFFIC_PROCESSED_STREAM',
  /** Event-time window length in seconds (the same as the tumbling window). */
  WINDOW_SECONDS: 'TRAFFIC_WINDOW_SECONDS',
  /** `true` when the aggregator publishes per-camera counts as CloudWatch metrics (detector `cloudwatch`). */
  PUBLISH_COUNT_METRICS: 'TRAFFIC_PUBLISH_COUNT_METRICS',
  /** Upper bound of the serialized window state, in bytes (below Lambda's 1 MB per shard). */
  MAX_STATE_BYTES: 'TRAFFIC_MAX_STATE_BYTES',
  /** ARN of the topic that receives readable alert messages. */
  ALERT_TOPIC_ARN: 'TRAFFIC_ALERT_TOPIC_ARN',
  /** IoT thing whose device shadow the alert handler updates (empty: no shadow update). */
  SHADOW_THING_NAME: 'TRAFFIC_SHADOW_THING_NAME',
  /** Bucket of the dead-letter prefixes ({@link DEAD_LETTER_PREFIX}): records the handlers could not use. */
  DEAD_LETTER_BUCKET: 'TRAFFIC_DEAD_LETTER_BUCKET',
  /** Oldest event the aggregator accepts, in seconds before a record's arrival: the input stream's retention. */
  MAX_EVENT_AGE_SECONDS: 'TRAFFIC_MAX_EVENT_AGE_SECONDS',
  /** Newest event the aggregator accepts, in seconds after a record's arrival (camera clocks run ahead). */
  MAX_CLOCK_SKEW_SECONDS: 'TRAFFIC_MAX_CLOCK_SKEW_SECONDS',
} as const;

/** Default of {@link STREAMING_ANOMALY_ENV.MAX_EVENT_AGE_SECONDS}: Kinesis's default retention, 24 hours. */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** Default of {@link STREAMING_ANOMALY_ENV.MAX_CLOCK_SKEW_SECONDS}: 5 minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Dead-letter prefixes in the pipeline's bucket. Each object is JSON Lines, one record per line:
 * `{reason, data (base64 of the bytes received), source {shardId, sequenceNumber, subSequenceNumber?, …}, recordedAt}`,
 * under `<prefix><yyyy>/<MM>/<dd>/<HH>/<digest>.jsonl`.
 */
export const DEAD_LETTER_PREFIX = {
  /** Kinesis records the aggregator could not read (not JSON, bad KPL checksum, event time out of range, …). */
  AGGREGATOR: 'dead-letter/aggregator/',
  /** Notifications the alert handler did not recognize. */
  ALERTS: 'dead-letter/alerts/',
} as const;

/** Powertools service names: the `service` dimension of every metric a function publishes, so alarms must name it. */
export const STREAMING_ANOMALY_SERVICE = {
  /** The tumbling-window aggregator. */
  AGGREGATOR: 'traffic-aggregator',
  /** The alert handler. */
  ALERTS: 'traffic-alerts',
} as const;

/** CloudWatch metric names (namespace `MlWorkflows`). */
export const STREAMING_ANOMALY_METRICS = {
  /** Distinct persons per window (statistic Sum over the window: partial rows of several shards add up). */
  PERSONS: 'TrafficPersons',
  /** Distinct cars per window (statistic Sum). */
  CARS: 'TrafficCars',
  /** Camera events aggregated. */
  EVENTS: 'TrafficEventsAggregated',
  /** Records that are not usable camera events, each kept under `dead-letter/aggregator/` (alarmed). */
  INVALID_EVENTS: 'TrafficInvalidEvents',
  /** KPL-aggregated records de-aggregated into their user records. */
  KPL_RECORDS: 'TrafficKplRecordsDeaggregated',
  /** Rows whose partition key was replaced by a digest (camera id too long for Kinesis's 256 characters). */
  HASHED_PARTITION_KEYS: 'TrafficRowsHashedPartitionKey',
  /** Aggregated rows written to the processed stream. */
  ROWS: 'TrafficRowsEmitted',
  /** Rows flushed before the window ended because the state reached its bound. */
  SPILLED_ROWS: 'TrafficRowsSpilled',
  /** Serialized state size at the end of an invocation. */
  STATE_BYTES: 'TrafficWindowStateBytes',
  /** Readable alerts published. */
  ALERTS: 'TrafficAlertsPublished',
  /** Notifications the alert handler did not recognize, each kept under `dead-letter/alerts/` (alarmed). */
  UNRECOGNIZED_NOTIFICATIONS: 'TrafficUnrecognizedNotifications',
} as const;

/** Dimension of the per-camera count metrics. */
export const CAMERA_DIMENSION = 'camera_id';
/** Camera id of events without `camera_id`. */
export const DEFAULT_CAMERA_ID = 'default';
/** The two measures of an aggregated row. */
export const MEASURES = ['person', 'car'] as const;
/** One measure. */
export type Measure = (typeof MEASURES)[number];

/** Lambda's limit on tumbling-window state per shard. */
export const LAMBDA_STATE_LIMIT_BYTES = 1_048_576;
/**
 * Default bound of the aggregator's serialized state. The aggregator enforces it before it returns, after adding the
 * batch, so the state handed back to Lambda never exceeds it; the margin to 1 MiB absorbs Lambda's own envelope.
 */
export const DEFAULT_MAX_STATE_BYTES = 900_000;

/** Format of `window_start` / `window_end` in rows (UTC), and the detector's timestamp column format. */
export const WINDOW_TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/**
 * Partition key template of the IoT rule's Kinesis action: all events of one camera go to one shard, so a camera's
 * distinct ids are counted in one place. The `camera-` prefix keeps the key non-empty when `camera_id` is absent.
 */
export const CAMERA_PARTITION_KEY_TEMPLATE = 'camera-${camera_id}';

/** The partition key the IoT rule produces for a camera (what the simulator uses too). */
export function cameraPartitionKey(cameraId: string): string {
  return `camera-${cameraId}`;
}

/** A camera event as it arrives in the input stream (the IoT rule's output). */
export interface CameraEventMessage {
  /** Track id of one detected person. */
  person?: string | number;
  /** Track id of one detected car. */
  car?: string | number;
  /** Epoch milliseconds, added by the IoT rule (`timestamp()`). */
  event_time?: number;
  /** Camera (absent: {@link DEFAULT_CAMERA_ID}). */
  camera_id?: string;
}

/** One aggregated row (JSON Lines), one per camera per window per shard. */
export interface AggregatedRow {
  camera_id: string;
  /** Distinct person track ids. */
  person: number;
  /** Distinct car track ids. */
  car: number;
  /** `yyyy-MM-dd HH:mm:ss`, UTC. */
  window_start: string;
  /** `yyyy-MM-dd HH:mm:ss`, UTC. */
  window_end: string;
  /** Kinesis shard that produced this (partial) row: N shards give N rows per window, which the detector sums. */
  shard_id: string;
}

/** Firehose partition keys extracted by the inline jq query. */
export const PARTITION_KEYS = { DATE: 'interval_date', TIME: 'interval_time' } as const;

/** The S3 layout of interval folders, in every form the pipeline needs. */
export interface IntervalLayout {
  /** Key prefix without slashes at either end, e.g. `traffic`. */
  readonly prefix: string;
  /** Firehose `Prefix`: `<prefix>/!{partitionKeyFromQuery:interval_date}/!{partitionKeyFromQuery:interval_time}/`. */
  readonly firehosePrefix: string;
  /** Firehose inline jq 1.6 expressions, one per partition key, reading `window_start` of the row. */
  readonly partitionQuery: Readonly<Record<string, string>>;
  /** Detector path template: `s3://<bucket>/<prefix>/{{yyyyMMdd}}/{{HHmm}}/`. */
  pathTemplate(bucketName: string): string;
  /** The folder of a row with this `window_start` (`yyyy-MM-dd HH:mm:ss`): `<prefix>/<yyyyMMdd>/<HHmm>/`. */
  folderOf(windowStart: string): string;
}

/**
 * THE interval layout: one folder per interval, named after the row's own `window_start` (not Firehose arrival time).
 * The construct builds the Firehose prefix, the jq query and the detector path template from it; tests check all three
 * against each other with the real jq binary.
 */
export function intervalLayout(prefix: string): IntervalLayout {
  const { DATE, TIME } = PARTITION_KEYS;
  return {
    prefix,
    firehosePrefix: `${prefix}/!{partitionKeyFromQuery:${DATE}}/!{partitionKeyFromQuery:${TIME}}/`,
    partitionQuery: {
      // window_start is "yyyy-MM-dd HH:mm:ss": plain slices, no regex (jq 1.6 as Firehose runs it).
      [DATE]: '(.window_start[0:4] + .window_start[5:7] + .window_start[8:10])',
      [TIME]: '(.window_start[11:13] + .window_start[14:16])',
    },
    pathTemplate: (bucketName) => `s3://${bucketName}/${prefix}/{{yyyyMMdd}}/{{HHmm}}/`,
    folderOf: (windowStart) =>
      `${prefix}/${windowStart.slice(0, 4)}${windowStart.slice(5, 7)}${windowStart.slice(8, 10)}/${windowStart.slice(11, 13)}${windowStart.slice(14, 16)}/`,
  };
}

/** Default key prefix of the interval folders. */
export const DEFAULT_TRAFFIC_PREFIX = 'traffic';
/** Firehose error output prefix (must contain `!{firehose:error-output-type}` when the prefix has expressions). */
export const FIREHOSE_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';
/** Key prefix of messages the IoT rule could not deliver (its error action). */
export const INGEST_ERROR_PREFIX = 'ingest-errors/';
