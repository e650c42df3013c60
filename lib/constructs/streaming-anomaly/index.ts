import {
  Annotations,
  Duration,
  type aws_iot as iot,
  aws_kinesis as kinesis,
  type aws_kinesisfirehose as firehose,
  type aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  DEFAULT_TRAFFIC_PREFIX,
  type IntervalLayout,
  intervalLayout,
} from '../../../lambdas/streaming-anomaly/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { type HandlerFunction } from '../../shared/handler-function';
import { WorkflowOperations } from '../../shared/operations';
import { SecureBucket } from '../../shared/secure-bucket';
import { createAggregator } from './aggregation';
import { createAlerts } from './alerts';
import { addPipelineOperations } from './dashboard';
import { createDeliveryStream } from './delivery';
import { CloudWatchAnomalyDetection, LookoutAnomalyDetection } from './detection';
import { createTopicRule } from './ingest';

export { CloudWatchAnomalyDetection, LookoutAnomalyDetection } from './detection';
export type { CloudWatchAnomalyDetectionProps, LookoutAnomalyDetectionProps } from './detection';

/** Which anomaly detector reads the interval folders or the count metrics. */
export type AnomalyDetectorKind = 'cloudwatch' | 'lookout' | 'none';

/** Props of {@link StreamingAnomalyPipeline}. */
export interface StreamingAnomalyPipelineProps {
  /**
   * MQTT topic filter the IoT rule selects camera events from.
   * @default 'traffic/cameras/+'
   */
  readonly topic?: string;
  /**
   * Capacity mode of the input stream.
   * @default kinesis.StreamMode.ON_DEMAND
   */
  readonly streamMode?: kinesis.StreamMode;
  /**
   * Shards of the input stream; only with `streamMode: PROVISIONED`.
   * @default 1
   */
  readonly shardCount?: number;
  /**
   * How long both streams keep records (the replay horizon), 24 hours to 365 days.
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Window length: the aggregator's tumbling window and the event-time windows of the rows; 60–900 s, whole minutes.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
  /**
   * Records per aggregator invocation (1–10,000).
   * @default 1000
   */
  readonly batchSize?: number;
  /**
   * Retries of a failed aggregator batch (bisected on each error) before its metadata goes to the on-failure queue.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Anomaly detector. `cloudwatch`: per-camera metrics and anomaly-detection alarms; `lookout`: Amazon Lookout for
   * Metrics on the interval folders (end of support 2025-10-09: it synthesizes, but new detectors cannot be created);
   * `none`: data lake only.
   * @default 'cloudwatch'
   */
  readonly detector?: AnomalyDetectorKind;
  /**
   * Key prefix of the interval folders.
   * @default 'traffic'
   */
  readonly prefix?: string;
  /**
   * Firehose buffering interval (60–900 s with dynamic partitioning).
   * @default Duration.seconds(60)
   */
  readonly bufferInterval?: Duration;
  /**
   * Anomaly band width in standard deviations (`cloudwatch`).
   * @default 2
   */
  readonly bandWidth?: number;
  /**
   * Periods an anomaly alarm evaluates (`cloudwatch`).
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * Cameras that get their own anomaly alarms (`cloudwatch`); the all-cameras totals always have alarms.
   * @default none
   */
  readonly alarmCameras?: string[];
  /**
   * Lookout for Metrics alert sensitivity, 0–100 (`lookout`).
   * @default 70
   */
  readonly alertSensitivity?: number;
  /**
   * IoT thing whose device shadow receives each alert, for roadside signage.
   * @default no shadow update
   */
  readonly shadowThingName?: string;
  /**
   * Bound of the aggregator's window state in bytes (below Lambda's 1 MB per shard); beyond it the largest cells are
   * written early as partial rows.
   * @default 900000
   */
  readonly maxStateBytes?: number;
  /**
   * How far ahead of its arrival an event's `event_time` may be (camera clocks drift). Events further ahead, and events
   * older than `retentionPeriod`, are not counted: the aggregator keeps them under `dead-letter/aggregator/` in the
   * bucket, because they would create folders and metrics no detector reads. At most 1 day.
   * @default Duration.minutes(5)
   */
  readonly maxClockSkew?: Duration;
}

/**
 * The smart-city traffic pipeline: roadside cameras publish one IoT message per tracked person or car; an IoT rule
 * puts them on an encrypted input stream; a tumbling-window Lambda counts distinct track ids per camera per 5-minute
 * event-time window and writes one row per camera per window (per shard) to a processed stream; Firehose writes the
 * rows, gzipped JSON Lines, into one S3 folder per interval, named after each row's own `window_start` by an inline
 * jq query; an anomaly detector (CloudWatch anomaly detection by default, Lookout for Metrics as a discontinued
 * option) raises alerts that a handler turns into readable messages and device-shadow updates.
 */
export class StreamingAnomalyPipeline extends Construct {
  /** Bucket of the interval folders (`<prefix>/<yyyyMMdd>/<HHmm>/`), Firehose errors and IoT rule errors. */
  public readonly bucket: SecureBucket;
  /** The interval layout shared by Firehose, the detector and the tests. */
  public readonly layout: IntervalLayout;
  /** Stream of camera events (IoT rule → here). */
  public readonly inputStream: kinesis.Stream;
  /** Stream of aggregated rows (aggregator → here → Firehose). */
  public readonly processedStream: kinesis.Stream;
  /** The IoT topic rule. */
  public readonly topicRule: iot.CfnTopicRule;
  /** The tumbling-window aggregator. */
  public readonly aggregateFunction: HandlerFunction;
  /** Where the metadata of aggregator batches that failed every retry goes. */
  public readonly aggregateFailureQueue: sqs.Queue;
  /** Firehose from the processed stream to the interval folders. */
  public readonly deliveryStream: firehose.DeliveryStream;
  /** Receives raw detector notifications (CloudWatch alarms, Lookout SNS alerts); absent with `detector: none`. */
  public readonly anomalyTopic?: sns.Topic;
  /** Receives readable alert messages; subscribe people here. Absent with `detector: none`. */
  public readonly alertTopic?: sns.Topic;
  /** Turns detector notifications into readable messages and shadow updates; absent with `detector: none`. */
  public readonly alertFunction?: HandlerFunction;
  /** The CloudWatch detector (`detector: cloudwatch`). */
  public readonly cloudWatchDetection?: CloudWatchAnomalyDetection;
  /** The Lookout for Metrics detector (`detector: lookout`). */
  public readonly lookoutDetection?: LookoutAnomalyDetection;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;

  constructor(scope: Construct, id: string, props: StreamingAnomalyPipelineProps = {}) {
    super(scope, id);
    const { windowSeconds, streamMode, retentionHours, bufferSeconds, detector, maxClockSkewSeconds } = validate(
      this,
      props,
    );
    this.layout = intervalLayout(props.prefix ?? DEFAULT_TRAFFIC_PREFIX);
    const retentionPeriod = Duration.hours(retentionHours);
    this.operations = new WorkflowOperations(this, 'Operations', { title: 'Streaming anomaly: traffic counts' });

    // Storage and streams.
    this.bucket = new SecureBucket(this, 'DataBucket', { noncurrentVersionExpiration: Duration.days(30) });
    this.inputStream = new kinesis.Stream(this, 'InputStream', {
      streamMode,
      shardCount: streamMode === kinesis.StreamMode.PROVISIONED ? (props.shardCount ?? 1) : undefined,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod,
    });
    // Rows are few (cameras × shards per window): one provisioned shard (1,000 records/s) is plenty and cheapest.
    this.processedStream = new kinesis.Stream(this, 'ProcessedStream', {
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: 1,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod,
    });

    // Ingest, aggregation, delivery.
    this.topicRule = createTopicRule(this, {
      topic: props.topic ?? 'traffic/cameras/+',
      inputStream: this.inputStream,
      bucket: this.bucket,
    });
    const aggregator = createAggregator(this, {
      inputStream: this.inputStream,
      processedStream: this.processedStream,
      windowSeconds,
      retentionHours,
      batchSize: props.batchSize ?? 1000,
      retryAttempts: props.retryAttempts ?? 3,
      publishCountMetrics: detector === 'cloudwatch',
      maxStateBytes: props.maxStateBytes,
      deadLetterBucket: this.bucket,
      maxClockSkewSeconds,
    });
    this.aggregateFunction = aggregator.fn;
    this.aggregateFailureQueue = aggregator.failures;
    this.deliveryStream = createDeliveryStream(this, {
      processedStream: this.processedStream,
      bucket: this.bucket,
      layout: this.layout,
      bufferSeconds,
    });

    // Detection and alerts.
    if (detector !== 'none') {
      const alerts = createAlerts(this, props.shadowThingName, this.bucket);
      this.anomalyTopic = alerts.anomalyTopic;
      this.alertTopic = alerts.alertTopic;
      this.alertFunction = alerts.alertFunction;
      if (detector === 'cloudwatch') {
        this.cloudWatchDetection = new CloudWatchAnomalyDetection(this, 'CloudWatchDetection', {
          window: Duration.seconds(windowSeconds),
          bandWidth: props.bandWidth ?? 2,
          evaluationPeriods: props.evaluationPeriods ?? 1,
          cameras: props.alarmCameras ?? [],
          topic: this.anomalyTopic,
        });
        this.anomalyTopic.addSubscription(
          new subscriptions.LambdaSubscription(this.alertFunction, {
            deadLetterQueue: this.alertFunction.deadLetterQueue,
          }),
        );
        this.operations.dashboard.addWidgets(...this.cloudWatchDetection.widgets());
      } else {
        this.lookoutDetection = new LookoutAnomalyDetection(this, 'LookoutDetection', {
          bucket: this.bucket,
          layout: this.layout,
          window: Duration.seconds(windowSeconds),
          // Read a folder after the window closes, the last tumbling window that can add to it ends, and Firehose
          // has flushed (delivery can lag 1.5 × the buffer interval), plus a minute of margin.
          offset: Duration.seconds(windowSeconds + Math.ceil(bufferSeconds * 1.5) + 60),
          alertSensitivity: props.alertSensitivity ?? 70,
          topic: this.anomalyTopic,
          alertFunction: this.alertFunction,
        });
      }
    }

    addPipelineOperations(this.operations, {
      aggregator: this.aggregateFunction,
      aggregatorFailures: this.aggregateFailureQueue,
      deliveryStream: this.deliveryStream,
      alertFunction: this.alertFunction,
      windowSeconds,
      bufferSeconds,
      bucket: this.bucket,
    });
  }
}

const TOPIC_PATTERN = /^[^$'\s][^'\s]{0,255}$/;
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/;
const THING_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;
const CAMERA_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The validation block of {@link StreamingAnomalyPipeline}; returns the settings it resolved. */
function validate(
  scope: Construct,
  props: StreamingAnomalyPipelineProps,
): {
  windowSeconds: number;
  streamMode: kinesis.StreamMode;
  retentionHours: number;
  bufferSeconds: number;
  detector: AnomalyDetectorKind;
  maxClockSkewSeconds: number;
} {
  const windowSeconds = props.window?.toSeconds() ?? 300;
  validateRange(scope, 'window', windowSeconds, 60, 900, ' seconds');
  if (windowSeconds % 60 !== 0)
    throw new ConstructValidationError(
      scope,
      'window',
      props.window,
      'must be whole minutes (CloudWatch periods and interval folders are minutes)',
    );
  const streamMode = props.streamMode ?? kinesis.StreamMode.ON_DEMAND;
  if (props.shardCount !== undefined && streamMode !== kinesis.StreamMode.PROVISIONED) {
    throw new ConstructValidationError(
      scope,
      'shardCount',
      props.shardCount,
      'applies only with streamMode PROVISIONED (on-demand streams scale by themselves)',
    );
  }
  validateRange(scope, 'shardCount', props.shardCount, 1, 500);
  const retentionHours = props.retentionPeriod?.toHours() ?? 24;
  validateRange(scope, 'retentionPeriod', retentionHours, 24, 8760, ' hours');
  validateRange(scope, 'batchSize', props.batchSize, 1, 10000);
  validateRange(scope, 'retryAttempts', props.retryAttempts, 0, 100);
  validatePattern(
    scope,
    'topic',
    props.topic,
    TOPIC_PATTERN,
    "must be an MQTT topic filter without spaces or quotes, not starting with '$'",
  );
  validatePattern(
    scope,
    'prefix',
    props.prefix,
    PREFIX_PATTERN,
    'must be lower-case words separated by single slashes, no slash at either end',
  );
  const bufferSeconds = props.bufferInterval?.toSeconds() ?? 60;
  validateRange(scope, 'bufferInterval', bufferSeconds, 60, 900, ' seconds (dynamic partitioning needs at least 60)');
  validateRange(scope, 'bandWidth', props.bandWidth, 0.5, 10, ' standard deviations');
  validateRange(scope, 'evaluationPeriods', props.evaluationPeriods, 1, 24);
  validateRange(scope, 'alertSensitivity', props.alertSensitivity, 0, 100);
  validatePattern(
    scope,
    'shadowThingName',
    props.shadowThingName,
    THING_PATTERN,
    'must be an IoT thing name (1–128 letters, digits, : _ -)',
  );
  validateRange(
    scope,
    'maxStateBytes',
    props.maxStateBytes,
    10_000,
    1_000_000,
    ' bytes (Lambda keeps at most 1 MB of state per shard)',
  );
  for (const camera of props.alarmCameras ?? []) {
    validatePattern(
      scope,
      'alarmCameras',
      camera,
      CAMERA_PATTERN,
      'must be camera ids of 1–128 letters, digits and _ . : -',
    );
  }
  const detector = props.detector ?? 'cloudwatch';
  if (detector === 'lookout' && windowSeconds !== 300 && windowSeconds !== 600) {
    throw new ConstructValidationError(
      scope,
      'window',
      props.window,
      'must be 5 or 10 minutes with detector lookout (frequencies PT5M and PT10M)',
    );
  }
  if (detector !== 'cloudwatch' && (props.alarmCameras?.length ?? 0) > 0) {
    Annotations.of(scope).addWarningV2(
      'mlw:streaming-anomaly:alarmCameras',
      `alarmCameras is used only by detector cloudwatch; detector is ${detector}`,
    );
  }

  const maxClockSkewSeconds = props.maxClockSkew?.toSeconds() ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  validateRange(scope, 'maxClockSkew', maxClockSkewSeconds, 0, 86_400, ' seconds');

  return { windowSeconds, streamMode, retentionHours, bufferSeconds, detector, maxClockSkewSeconds };
}
