import {
  Annotations,
  Duration,
  RemovalPolicy,
  Size,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_iam as iam,
  aws_iot as iot,
  aws_kinesis as kinesis,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import {
  AGGREGATOR_SERVICE_NAME,
  ALERT_SERVICE_NAME,
  CAMERA_PARTITION_KEY_TEMPLATE,
  DEFAULT_MAX_STATE_BYTES,
  DEFAULT_TRAFFIC_PREFIX,
  FIREHOSE_ERROR_PREFIX,
  INGEST_ERROR_PREFIX,
  type IntervalLayout,
  STREAMING_ANOMALY_ENV as ENV,
  STREAMING_ANOMALY_METRICS as METRICS,
  intervalLayout,
} from '../../../lambdas/streaming-anomaly/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { grantObjects } from '../../shared/grants';
import { HandlerFunction, LOG_RETENTION_CONTEXT_KEY, METRICS_NAMESPACE } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { SecureBucket } from '../../shared/secure-bucket';
import { CloudWatchAnomalyDetection, LookoutAnomalyDetection } from './detection';

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
}

const TOPIC_PATTERN = /^[^$'\s][^'\s]{0,255}$/;
const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/;
const THING_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;
const CAMERA_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

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
    // ── validate first ────────────────────────────────────────────────────────────────────────────────────────────
    const windowSeconds = props.window?.toSeconds() ?? 300;
    validateRange(this, 'window', windowSeconds, 60, 900, ' seconds');
    if (windowSeconds % 60 !== 0)
      throw new ConstructValidationError(
        this,
        'window',
        props.window,
        'must be whole minutes (CloudWatch periods and interval folders are minutes)',
      );
    const streamMode = props.streamMode ?? kinesis.StreamMode.ON_DEMAND;
    if (props.shardCount !== undefined && streamMode !== kinesis.StreamMode.PROVISIONED) {
      throw new ConstructValidationError(
        this,
        'shardCount',
        props.shardCount,
        'applies only with streamMode PROVISIONED (on-demand streams scale by themselves)',
      );
    }
    validateRange(this, 'shardCount', props.shardCount, 1, 500);
    const retentionHours = props.retentionPeriod?.toHours() ?? 24;
    validateRange(this, 'retentionPeriod', retentionHours, 24, 8760, ' hours');
    validateRange(this, 'batchSize', props.batchSize, 1, 10000);
    validateRange(this, 'retryAttempts', props.retryAttempts, 0, 100);
    validatePattern(
      this,
      'topic',
      props.topic,
      TOPIC_PATTERN,
      "must be an MQTT topic filter without spaces or quotes, not starting with '$'",
    );
    validatePattern(
      this,
      'prefix',
      props.prefix,
      PREFIX_PATTERN,
      'must be lower-case words separated by single slashes, no slash at either end',
    );
    const bufferSeconds = props.bufferInterval?.toSeconds() ?? 60;
    validateRange(this, 'bufferInterval', bufferSeconds, 60, 900, ' seconds (dynamic partitioning needs at least 60)');
    validateRange(this, 'bandWidth', props.bandWidth, 0.5, 10, ' standard deviations');
    validateRange(this, 'evaluationPeriods', props.evaluationPeriods, 1, 24);
    validateRange(this, 'alertSensitivity', props.alertSensitivity, 0, 100);
    validatePattern(
      this,
      'shadowThingName',
      props.shadowThingName,
      THING_PATTERN,
      'must be an IoT thing name (1–128 letters, digits, : _ -)',
    );
    validateRange(
      this,
      'maxStateBytes',
      props.maxStateBytes,
      10_000,
      1_000_000,
      ' bytes (Lambda keeps at most 1 MB of state per shard)',
    );
    for (const camera of props.alarmCameras ?? []) {
      validatePattern(
        this,
        'alarmCameras',
        camera,
        CAMERA_PATTERN,
        'must be camera ids of 1–128 letters, digits and _ . : -',
      );
    }
    const detector = props.detector ?? 'cloudwatch';
    if (detector === 'lookout' && windowSeconds !== 300 && windowSeconds !== 600) {
      throw new ConstructValidationError(
        this,
        'window',
        props.window,
        'must be 5 or 10 minutes with detector lookout (frequencies PT5M and PT10M)',
      );
    }
    if (detector !== 'cloudwatch' && (props.alarmCameras?.length ?? 0) > 0) {
      Annotations.of(this).addWarningV2(
        'mlw:streaming-anomaly:alarmCameras',
        `alarmCameras is used only by detector cloudwatch; detector is ${detector}`,
      );
    }

    this.layout = intervalLayout(props.prefix ?? DEFAULT_TRAFFIC_PREFIX);
    const retentionPeriod = Duration.hours(retentionHours);
    this.operations = new WorkflowOperations(this, 'Operations', { title: 'Streaming anomaly: traffic counts' });

    // ── storage and streams ──────────────────────────────────────────────────────────────────────────────────────
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

    // ── ingest: IoT rule → input stream, errors → S3 ─────────────────────────────────────────────────────────────
    const ruleRole = new iam.Role(this, 'TopicRuleRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
      description: 'Lets the traffic IoT rule put camera events on the input stream and failed messages in S3',
    });
    this.inputStream.grantWrite(ruleRole);
    grantObjects(this.bucket, ruleRole, 'write', `${INGEST_ERROR_PREFIX}*`);
    const topic = props.topic ?? 'traffic/cameras/+';
    this.topicRule = new iot.CfnTopicRule(this, 'TopicRule', {
      topicRulePayload: {
        description: 'Camera events (person/car track ids) to the traffic input stream',
        sql: `SELECT person, car, camera_id, timestamp() AS event_time FROM '${topic}'`,
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [
          {
            kinesis: {
              streamName: this.inputStream.streamName,
              partitionKey: CAMERA_PARTITION_KEY_TEMPLATE,
              roleArn: ruleRole.roleArn,
            },
          },
        ],
        errorAction: {
          s3: {
            bucketName: this.bucket.bucketName,
            key: `${INGEST_ERROR_PREFIX}\${parse_time("yyyy/MM/dd", timestamp())}/\${newuuid()}.json`,
            roleArn: ruleRole.roleArn,
          },
        },
      },
    });

    // ── aggregation: tumbling window on the input stream → processed stream ────────────────────────────────────────
    this.aggregateFunction = new HandlerFunction(this, 'AggregateWindow', {
      entry: lambdaEntry('streaming-anomaly/aggregate-window.ts'),
      invocation: 'event-source',
      serviceName: AGGREGATOR_SERVICE_NAME,
      description: 'Counts distinct person and car track ids per camera per window (tumbling window)',
      timeout: Duration.minutes(1),
      memorySize: 512,
    }).bind(ENV.PROCESSED_STREAM, this.processedStream.streamName, (g) => this.processedStream.grantWrite(g));
    this.aggregateFunction.addEnvironment(ENV.WINDOW_SECONDS, String(windowSeconds));
    this.aggregateFunction.addEnvironment(ENV.PUBLISH_COUNT_METRICS, String(detector === 'cloudwatch'));
    this.aggregateFunction.addEnvironment(ENV.MAX_STATE_BYTES, String(props.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES));
    this.aggregateFailureQueue = new sqs.Queue(this, 'AggregateFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.aggregateFailureQueue,
      'This queue is the on-failure destination of the aggregator event source mapping; it has no further redrive.',
      'AwsSolutions-SQS3',
      'Serverless-SQSRedrivePolicy',
    );
    this.aggregateFunction.addEventSource(
      new KinesisEventSource(this.inputStream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 1000,
        maxBatchingWindow: Duration.seconds(5),
        tumblingWindow: Duration.seconds(windowSeconds),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? 3,
        // Lambda allows at most 7 days; records older than that (or than the retention) are not worth counting late.
        maxRecordAge: Duration.hours(Math.min(retentionHours, 7 * 24)),
        onFailure: new SqsDlq(this.aggregateFailureQueue),
      }),
    );

    // ── delivery: processed stream → Firehose (jq partitions on window_start) → S3 interval folders ────────────────
    this.deliveryStream = this.createDeliveryStream(bufferSeconds);

    // ── detection and alerts ─────────────────────────────────────────────────────────────────────────────────────
    if (detector !== 'none') {
      const key = new kms.Key(this, 'AlertKey', {
        description: 'Encrypts the traffic anomaly and alert topics',
        enableKeyRotation: true,
        // Topics hold no data at rest beyond delivery retries: the key goes with the stack.
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      // CloudWatch alarms publish to the encrypted anomaly topic: the service must be able to use the key.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      this.anomalyTopic = new sns.Topic(this, 'AnomalyTopic', {
        displayName: 'Traffic anomalies (raw detector notifications)',
        masterKey: key,
        enforceSSL: true,
      });
      this.anomalyTopic.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['sns:Publish'],
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          resources: [this.anomalyTopic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      this.alertTopic = new sns.Topic(this, 'AlertTopic', {
        displayName: 'Traffic anomaly alerts',
        masterKey: key,
        enforceSSL: true,
      });
      this.alertFunction = this.createAlertFunction(this.alertTopic, props.shadowThingName);

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

    this.addOperations(windowSeconds, bufferSeconds);
  }

  private createDeliveryStream(bufferSeconds: number): firehose.DeliveryStream {
    // One role with exact grants. The S3 destination gets it without policy updates, because the L2 destination
    // always adds bucket.grantReadWrite (s3:GetObject*, s3:List*, s3:DeleteObject*, … on the whole bucket).
    const role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'Lets Firehose read the processed stream and write interval folders and errors',
    });
    const errorsPrefix = FIREHOSE_ERROR_PREFIX.slice(0, FIREHOSE_ERROR_PREFIX.indexOf('/') + 1);
    for (const pattern of [`${this.layout.prefix}/*`, `${errorsPrefix}*`]) {
      grantObjects(this.bucket, role, 'readWrite', pattern);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload'],
          resources: [this.bucket.arnForObjects(pattern)],
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', { retention: retentionOf(this) });
    logGroup.grantWrite(role);
    const stream = new firehose.DeliveryStream(this, 'DeliveryStream', {
      source: new firehose.KinesisStreamSource(this.processedStream),
      role,
      destination: new firehose.S3Bucket(this.bucket, {
        role: role.withoutPolicyUpdates(),
        dataOutputPrefix: this.layout.firehosePrefix,
        errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        compression: firehose.Compression.GZIP,
        fileExtension: '.jsonl.gz',
        // Rows of one interval arrive in at most two bursts (the window's own end, and stragglers at the next one):
        // with a buffer of at least 60 s each burst makes at most two objects, within Lookout's 5 files per interval.
        bufferingInterval: Duration.seconds(bufferSeconds),
        bufferingSize: Size.mebibytes(64),
        dynamicPartitioning: { enabled: true, retryDuration: Duration.minutes(5) },
        processors: [
          firehose.MetadataExtractionProcessor.jq16({ ...this.layout.partitionQuery }),
          new firehose.AppendDelimiterToRecordProcessor(),
        ],
        loggingConfig: new firehose.EnableLogging(logGroup),
      }),
    });
    stream.node.addDependency(role);
    acknowledge(
      Stack.of(this),
      'The Firehose L2 adds a mapping of Firehose CIDR blocks per region for Redshift, OpenSearch and HTTP destinations; an S3 destination does not use it.',
      'CloudFormation-Validate::W7001',
    );
    acknowledge(
      stream,
      'The source is a Kinesis data stream encrypted with the aws/kinesis key; Firehose rejects delivery-stream SSE for KinesisStreamAsSource, and objects land in an encrypted bucket.',
      'AwsSolutions-KDF1',
    );
    return stream;
  }

  private createAlertFunction(alertTopic: sns.Topic, shadowThingName: string | undefined): HandlerFunction {
    const fn = new HandlerFunction(this, 'HandleAlert', {
      entry: lambdaEntry('streaming-anomaly/handle-alert.ts'),
      invocation: 'async',
      serviceName: ALERT_SERVICE_NAME,
      description: 'Turns traffic anomaly notifications into readable alerts and device-shadow updates',
      timeout: Duration.seconds(30),
      memorySize: 256,
    }).bind(ENV.ALERT_TOPIC_ARN, alertTopic.topicArn, (g) => alertTopic.grantPublish(g));
    acknowledge(
      fn.role!,
      'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* (data keys of any spec); the grant is limited to the alert key.',
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    );
    if (shadowThingName) {
      const stack = Stack.of(this);
      fn.bind(ENV.SHADOW_THING_NAME, shadowThingName, (g) => {
        iam.Grant.addToPrincipal({
          grantee: g,
          actions: ['iot:UpdateThingShadow'],
          resourceArns: [stack.formatArn({ service: 'iot', resource: 'thing', resourceName: shadowThingName })],
        });
        iam.Grant.addToPrincipal({ grantee: g, actions: ['iot:DescribeEndpoint'], resourceArns: ['*'] });
      });
      acknowledge(
        fn.role!,
        'Resource "*" is required by the services: iot:DescribeEndpoint (to find the account\'s data-plane endpoint for shadow updates), X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.',
        'AwsSolutions-IAM5[Resource::*]',
      );
    }
    return fn;
  }

  private addOperations(windowSeconds: number, bufferSeconds: number): void {
    const ops = this.operations;
    const period = Duration.minutes(5);
    ops.addFunction('Aggregator', this.aggregateFunction);
    ops.addDeadLetterQueue('AggregatorFailures', this.aggregateFailureQueue);
    const iteratorAge = this.aggregateFunction.metric('IteratorAge', { statistic: 'Maximum', period });
    ops.addAlarm(
      iteratorAge.createAlarm(this, 'IteratorAgeAlarm', {
        alarmDescription:
          'The aggregator falls behind the input stream: add shards or raise batchSize; records expire at the retention period.',
        threshold: windowSeconds * 2 * 1000,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    const freshness = this.deliveryStream.metric('DeliveryToS3.DataFreshness', { statistic: 'Maximum', period });
    const success = this.deliveryStream.metric('DeliveryToS3.Success', { statistic: 'Average', period });
    ops.addAlarm(
      freshness.createAlarm(this, 'DeliveryFreshnessAlarm', {
        alarmDescription:
          'Firehose is not delivering rows to S3 in time: see the delivery log group and errors/ in the bucket.',
        threshold: Math.ceil(bufferSeconds * 1.5) + 300,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    ops.addAlarm(
      success.createAlarm(this, 'DeliveryFailuresAlarm', {
        alarmDescription:
          'Firehose deliveries to S3 are failing: see the delivery log group and errors/ in the bucket.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    const own = (metricName: string, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: AGGREGATOR_SERVICE_NAME },
        statistic,
        period,
      });
    ops.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Aggregator: events, invalid events, rows',
        left: [own(METRICS.EVENTS), own(METRICS.INVALID_EVENTS), own(METRICS.ROWS), own(METRICS.SPILLED_ROWS)],
        right: [own(METRICS.STATE_BYTES, 'Maximum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Aggregator: iterator age (ms)', left: [iteratorAge], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Firehose: freshness (s) and success',
        left: [freshness],
        right: [success],
        width: 8,
      }),
    );
    if (this.alertFunction) {
      ops.addFunction('AlertHandler', this.alertFunction);
      if (this.alertFunction.deadLetterQueue)
        ops.addDeadLetterQueue('AlertHandlerDlq', this.alertFunction.deadLetterQueue);
    }
  }
}

function retentionOf(scope: Construct): logs.RetentionDays {
  const days: unknown = scope.node.tryGetContext(LOG_RETENTION_CONTEXT_KEY);
  return typeof days === 'number' ? days : logs.RetentionDays.ONE_MONTH;
}

export { CloudWatchAnomalyDetection, LookoutAnomalyDetection } from './detection';
export type { CloudWatchAnomalyDetectionProps, LookoutAnomalyDetectionProps } from './detection';
