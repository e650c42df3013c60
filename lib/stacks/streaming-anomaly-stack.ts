import { CfnOutput, Duration, Stack, type StackProps, aws_kinesis as kinesis } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { type StreamingAnomalyConfig } from '../config/streaming-anomaly';
import { StreamingAnomalyPipeline } from '../constructs/streaming-anomaly';

/** Props of {@link StreamingAnomalyStack}. */
export interface StreamingAnomalyStackProps extends StackProps {
  /** The `streamingAnomaly` configuration section. */
  readonly config: StreamingAnomalyConfig;
}

/** Thin stack around {@link StreamingAnomalyPipeline}. */
export class StreamingAnomalyStack extends Stack {
  /** The pipeline. */
  public readonly pipeline: StreamingAnomalyPipeline;

  constructor(scope: Construct, id: string, props: StreamingAnomalyStackProps) {
    super(scope, id, props);
    const c = props.config;
    const provisioned = c.streamMode === 'provisioned';
    this.pipeline = new StreamingAnomalyPipeline(this, 'Pipeline', {
      topic: c.topic,
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      shardCount: provisioned ? c.shardCount : undefined,
      retentionPeriod: Duration.hours(c.retentionHours),
      window: Duration.seconds(c.windowSeconds),
      batchSize: c.batchSize,
      retryAttempts: c.retryAttempts,
      detector: c.detector,
      prefix: c.prefix,
      bufferInterval: Duration.seconds(c.bufferSeconds),
      bandWidth: c.bandWidth,
      evaluationPeriods: c.evaluationPeriods,
      alarmCameras: c.alarmCameras,
      alertSensitivity: c.alertSensitivity,
      shadowThingName: c.shadowThingName === '' ? undefined : c.shadowThingName,
      maxStateBytes: c.maxStateBytes,
      maxClockSkew: Duration.seconds(c.maxClockSkewSeconds),
    });
    const p = this.pipeline;
    new CfnOutput(this, 'InputStreamName', {
      value: p.inputStream.streamName,
      description: 'mlw traffic simulate --stream <this>',
    });
    new CfnOutput(this, 'ProcessedStreamName', { value: p.processedStream.streamName, description: 'Aggregated rows' });
    new CfnOutput(this, 'DataBucketName', {
      value: p.bucket.bucketName,
      description: 'Interval folders, Firehose and IoT errors',
    });
    new CfnOutput(this, 'IntervalPathTemplate', {
      value: p.layout.pathTemplate(p.bucket.bucketName),
      description: 'One folder per interval',
    });
    new CfnOutput(this, 'TopicRuleName', { value: p.topicRule.ref, description: 'IoT rule reading camera events' });
    if (p.alertTopic)
      new CfnOutput(this, 'AlertTopicArn', {
        value: p.alertTopic.topicArn,
        description: 'Subscribe people here: readable alerts',
      });
    if (p.anomalyTopic)
      new CfnOutput(this, 'AnomalyTopicArn', {
        value: p.anomalyTopic.topicArn,
        description: 'Raw detector notifications',
      });
  }
}
