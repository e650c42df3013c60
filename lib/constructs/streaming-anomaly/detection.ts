import {
  type Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_iam as iam,
  type aws_lambda as lambda,
  aws_lookoutmetrics as lookout,
  type aws_s3 as s3,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  STREAMING_ANOMALY_SERVICE,
  CAMERA_DIMENSION,
  type IntervalLayout,
  MEASURES,
  type Measure,
  STREAMING_ANOMALY_METRICS as METRICS,
  WINDOW_TIME_FORMAT,
} from '../../../lambdas/streaming-anomaly/contract';
import { grantObjects } from '../../shared/grants';
import { serviceMetrics } from '../../shared/metrics';
import { acknowledge } from '../../shared/nag';
import { RUNBOOK, runbookLink } from '../../shared/runbook';

const METRIC_OF: Record<Measure, (typeof METRICS)[keyof typeof METRICS]> = {
  person: METRICS.PERSONS,
  car: METRICS.CARS,
};

/** Props of {@link CloudWatchAnomalyDetection}. */
export interface CloudWatchAnomalyDetectionProps {
  /** Window length: the metric period. */
  readonly window: Duration;
  /** Band width in standard deviations. */
  readonly bandWidth: number;
  /** Periods evaluated. */
  readonly evaluationPeriods: number;
  /** Cameras with their own alarms, besides the all-cameras totals. */
  readonly cameras: readonly string[];
  /** Topic the alarms notify. */
  readonly topic: sns.ITopic;
}

/**
 * The default detector: the aggregator publishes per-camera and all-cameras counts (embedded metric format, statistic
 * Sum — partial rows of several shards add up within a period), and CloudWatch anomaly-detection alarms on them notify
 * the anomaly topic when a count leaves its band.
 */
export class CloudWatchAnomalyDetection extends Construct {
  /** One alarm per measure for the totals, and per measure per configured camera. */
  public readonly alarms: cloudwatch.AnomalyDetectionAlarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: CloudWatchAnomalyDetectionProps,
  ) {
    super(scope, id);
    for (const cameraId of [undefined, ...props.cameras]) {
      for (const measure of MEASURES) {
        const name = `${measure === 'person' ? 'Persons' : 'Cars'}${cameraId === undefined ? 'Total' : `Camera${cameraId}`}`;
        const alarm = new cloudwatch.AnomalyDetectionAlarm(this, name, {
          metric: this.countMetric(measure, cameraId),
          stdDevs: props.bandWidth,
          evaluationPeriods: props.evaluationPeriods,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
          // No row means no traffic was seen (or the camera is off): not an anomaly in the count itself.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `Traffic anomaly: ${measure} count per window for ${cameraId ?? 'all cameras'} left its expected band (${props.bandWidth} standard deviations). ${runbookLink(RUNBOOK.TRAFFIC_ANOMALY)}`,
        });
        alarm.addAlarmAction(new cwActions.SnsAction(props.topic));
        this.alarms.push(alarm);
      }
    }
  }

  /** The count metric of a measure, for one camera or (without camera) for all cameras. */
  public countMetric(measure: Measure, cameraId?: string): cloudwatch.Metric {
    return serviceMetrics(STREAMING_ANOMALY_SERVICE.AGGREGATOR, METRICS)(METRIC_OF[measure], {
      dimensions: cameraId === undefined ? {} : { [CAMERA_DIMENSION]: cameraId },
      statistic: 'Sum',
      period: this.props.window,
      label: `${measure} (${cameraId ?? 'all cameras'})`,
    });
  }

  /** Dashboard graphs of the totals with their anomaly bands. */
  public widgets(): cloudwatch.IWidget[] {
    return MEASURES.map(
      (measure) =>
        new cloudwatch.GraphWidget({
          title: `Distinct ${measure}s per window, all cameras, with the anomaly band`,
          left: [
            new cloudwatch.MathExpression({
              expression: `ANOMALY_DETECTION_BAND(m1, ${this.props.bandWidth})`,
              usingMetrics: { m1: this.countMetric(measure) },
              label: 'expected band',
              period: this.props.window,
            }),
            this.countMetric(measure),
          ],
          width: 12,
        }),
    );
  }
}

/** Props of {@link LookoutAnomalyDetection}. */
export interface LookoutAnomalyDetectionProps {
  /** Bucket of the interval folders. */
  readonly bucket: s3.IBucket;
  /** The interval layout (the path template comes from it). */
  readonly layout: IntervalLayout;
  /** Window length: 5 or 10 minutes. */
  readonly window: Duration;
  /** Seconds after an interval closes before the detector reads its folder. */
  readonly offset: Duration;
  /** Alert sensitivity 0–100. */
  readonly alertSensitivity: number;
  /** Topic of the SNS alert. */
  readonly topic: sns.ITopic;
  /** Function of the Lambda alert. */
  readonly alertFunction: lambda.IFunction;
}

/**
 * Amazon Lookout for Metrics on the interval folders — the detector of the original design. The service reached end
 * of support on 2025-10-09: this synthesizes and documents the wiring, but new detectors cannot be created; use the
 * `cloudwatch` detector to deploy today.
 */
export class LookoutAnomalyDetection extends Construct {
  /** The continuous detector. */
  public readonly detector: lookout.CfnAnomalyDetector;
  /** Alert to the anomaly topic. */
  public readonly topicAlert: lookout.CfnAlert;
  /** Alert to the alert handler. */
  public readonly functionAlert: lookout.CfnAlert;

  constructor(scope: Construct, id: string, props: LookoutAnomalyDetectionProps) {
    super(scope, id);
    const frequency = props.window.toMinutes() === 10 ? 'PT10M' : 'PT5M';
    const sourceRole = new iam.Role(this, 'SourceRole', {
      assumedBy: new iam.ServicePrincipal('lookoutmetrics.amazonaws.com'),
      description: 'Lets Lookout for Metrics read the traffic interval folders',
    });
    grantObjects(props.bucket, sourceRole, 'read', `${props.layout.prefix}/*`, true);
    sourceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [props.bucket.bucketArn] }),
    );

    this.detector = new lookout.CfnAnomalyDetector(this, 'Detector', {
      anomalyDetectorDescription: 'Distinct persons and cars per camera per interval',
      anomalyDetectorConfig: { anomalyDetectorFrequency: frequency },
      metricSetList: [
        {
          metricSetName: 'traffic_counts',
          metricSetDescription: 'Aggregated rows from the interval folders (partial rows of several shards are summed)',
          metricSetFrequency: frequency,
          offset: props.offset.toSeconds(),
          timezone: 'UTC',
          timestampColumn: { columnName: 'window_start', columnFormat: WINDOW_TIME_FORMAT },
          dimensionList: [CAMERA_DIMENSION],
          metricList: MEASURES.map((metricName) => ({ metricName, aggregationFunction: 'SUM' })),
          metricSource: {
            s3SourceConfig: {
              roleArn: sourceRole.roleArn,
              templatedPathList: [props.layout.pathTemplate(props.bucket.bucketName)],
              fileFormatDescriptor: { jsonFormatDescriptor: { fileCompression: 'GZIP', charset: 'UTF-8' } },
            },
          },
        },
      ],
    });
    this.detector.node.addDependency(sourceRole);
    // The service is discontinued and its types have left the CloudFormation schemas this app validates against.
    const discontinued =
      'Amazon Lookout for Metrics reached end of support on 2025-10-09; its resource types are no longer in the CloudFormation registry schemas. Kept as an explicit, documented option (detector: lookout); the default detector is CloudWatch.';
    acknowledge(this.detector, discontinued, 'CloudFormation-Validate::F3006');

    const topicRole = new iam.Role(this, 'TopicAlertRole', {
      assumedBy: new iam.ServicePrincipal('lookoutmetrics.amazonaws.com'),
      description: 'Lets Lookout for Metrics publish alerts to the anomaly topic',
    });
    props.topic.grantPublish(topicRole);
    acknowledge(
      topicRole,
      'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* (data keys of any spec); the grant is limited to the topic key.',
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    );
    this.topicAlert = new lookout.CfnAlert(this, 'TopicAlert', {
      alertDescription: 'Traffic anomalies to the anomaly topic',
      alertSensitivityThreshold: props.alertSensitivity,
      anomalyDetectorArn: this.detector.attrArn,
      action: { snsConfiguration: { roleArn: topicRole.roleArn, snsTopicArn: props.topic.topicArn } },
    });
    this.topicAlert.node.addDependency(topicRole);
    acknowledge(this.topicAlert, discontinued, 'CloudFormation-Validate::F3006');

    const functionRole = new iam.Role(this, 'FunctionAlertRole', {
      assumedBy: new iam.ServicePrincipal('lookoutmetrics.amazonaws.com'),
      description: 'Lets Lookout for Metrics invoke the traffic alert handler',
    });
    // Exactly the function (grantInvoke would add its versions and aliases: `<arn>:*`).
    iam.Grant.addToPrincipal({
      grantee: functionRole,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [props.alertFunction.functionArn],
    });
    this.functionAlert = new lookout.CfnAlert(this, 'FunctionAlert', {
      alertDescription: 'Traffic anomalies to the alert handler (readable message, device shadow)',
      alertSensitivityThreshold: props.alertSensitivity,
      anomalyDetectorArn: this.detector.attrArn,
      action: { lambdaConfiguration: { roleArn: functionRole.roleArn, lambdaArn: props.alertFunction.functionArn } },
    });
    this.functionAlert.node.addDependency(functionRole);
    acknowledge(this.functionAlert, discontinued, 'CloudFormation-Validate::F3006');
  }
}
