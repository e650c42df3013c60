import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, aws_kinesis as kinesis } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ConfigError, parseConfig } from '../../../lib/config';
import {
  StreamingAnomalyPipeline,
  type StreamingAnomalyPipelineProps,
} from '../../../lib/constructs/streaming-anomaly';
import { applyNag } from '../../../lib/shared/nag';
import { StreamingAnomalyStack } from '../../../lib/stacks/streaming-anomaly-stack';
import { realApp, stackOf, templateOf, testApp } from '../../helpers/app';

/** The stack alone, from configuration (context keys as `-c` gives them). */
function stackFrom(context: Record<string, unknown> = {}, app: App = testApp()): StreamingAnomalyStack {
  const config = parseConfig(context);
  return new StreamingAnomalyStack(app, 'Mlw-StreamingAnomaly', { config: config.streamingAnomaly });
}

function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

describe('StreamingAnomaly stack, detector cloudwatch (default)', () => {
  const template = templateOf(
    stackFrom({ 'streamingAnomaly.alarmCameras': 'cam-1,cam-2', 'streamingAnomaly.shadowThingName': 'sign-1' }),
  );

  it('is registered in the app under the stack prefix', () => {
    expect(realApp().node.tryFindChild('Mlw-StreamingAnomaly')).toBeInstanceOf(StreamingAnomalyStack);
    expect(realApp({ 'streamingAnomaly.enabled': 'false' }).node.tryFindChild('Mlw-StreamingAnomaly')).toBeUndefined();
  });

  it("ingests with an IoT rule: the issue's SQL, a per-camera partition key, and an S3 error action", () => {
    template.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: {
        Sql: "SELECT person, car, camera_id, timestamp() AS event_time FROM 'traffic/cameras/+'",
        AwsIotSqlVersion: '2016-03-23',
        Actions: [
          {
            Kinesis: {
              StreamName: { Ref: Match.stringLikeRegexp('InputStream') },
              PartitionKey: 'camera-${camera_id}',
              RoleArn: Match.anyValue(),
            },
          },
        ],
        ErrorAction: {
          S3: {
            BucketName: { Ref: Match.stringLikeRegexp('DataBucket') },
            Key: Match.stringLikeRegexp('^ingest-errors/'),
            RoleArn: Match.anyValue(),
          },
        },
      },
    });
  });

  it('has encrypted streams: on-demand input, one-shard processed', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      StreamEncryption: Match.objectLike({ EncryptionType: 'KMS' }),
    });
  });

  it('aggregates with a tumbling window, partial batch failures, bisect, bounded retries and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('InputStream'), 'Arn'] },
      TumblingWindowInSeconds: 300,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('AggregateFailures'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          TRAFFIC_PROCESSED_STREAM: { Ref: Match.stringLikeRegexp('ProcessedStream') },
          TRAFFIC_WINDOW_SECONDS: '300',
          TRAFFIC_PUBLISH_COUNT_METRICS: 'true',
          TRAFFIC_MAX_STATE_BYTES: '900000',
          POWERTOOLS_SERVICE_NAME: 'traffic-aggregator',
        }),
      },
    });
  });

  it('delivers with Firehose: jq dynamic partitioning on window_start, newline delimiter, GZIP, error prefix, 60 s buffer', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'traffic/!{partitionKeyFromQuery:interval_date}/!{partitionKeyFromQuery:interval_time}/',
        ErrorOutputPrefix: Match.stringLikeRegexp('^errors/!\\{firehose:error-output-type\\}/'),
        CompressionFormat: 'GZIP',
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'MetadataExtraction',
              Parameters: Match.arrayWith([{ ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' }]),
            },
            { Type: 'AppendDelimiterToRecord', Parameters: [] },
          ],
        },
      }),
    });
  });

  it('gives Firehose exact S3 actions on its two prefixes only (no GetObject*/DeleteObject* wildcards)', () => {
    const policies = Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).filter(([id]) =>
      id.includes('DeliveryRole'),
    );
    expect(policies).toHaveLength(1);
    const statements = (
      policies[0]![1].Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
    ).Statement;
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(
      [
        's3:AbortMultipartUpload',
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectVersion',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:PutObject',
        's3:PutObject',
      ].sort(),
    );
    expect(JSON.stringify(statements)).toContain('/traffic/*');
    expect(JSON.stringify(statements)).toContain('/errors/*');
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
  });

  it('detects with CloudWatch anomaly-detection alarms on the totals and on each configured camera, notifying the anomaly topic', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.ComparisonOperator === 'LessThanLowerOrGreaterThanUpperThreshold',
    );
    expect(alarms).toHaveLength(6); // (total, cam-1, cam-2) × (persons, cars)
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      EvaluationPeriods: 1,
      ThresholdMetricId: 'expr_1',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AnomalyTopic') }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'ANOMALY_DETECTION_BAND(m0, 2)' }),
        Match.objectLike({
          MetricStat: {
            Metric: {
              Namespace: 'MlWorkflows',
              MetricName: 'TrafficCars',
              Dimensions: Match.arrayWith([
                { Name: 'camera_id', Value: 'cam-2' },
                { Name: 'service', Value: 'traffic-aggregator' },
              ]),
            },
            Period: 300,
            Stat: 'Sum',
          },
        }),
      ]),
    });
  });

  it('routes alarm notifications to the alert handler (SNS with a dead-letter queue) and readable alerts to the alert topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('AnomalyTopic') },
      RedrivePolicy: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Traffic anomaly alerts',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TRAFFIC_ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('AlertTopic') },
          TRAFFIC_SHADOW_THING_NAME: 'sign-1',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iot:UpdateThingShadow',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':thing/sign-1'])] },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::LookoutMetrics::AnomalyDetector', 0);
  });

  it('operates: alarms on iterator age, aggregator errors, Firehose freshness and failures, and both dead-letter queues', () => {
    for (const metric of [
      'IteratorAge',
      'Errors',
      'DeliveryToS3.DataFreshness',
      'DeliveryToS3.Success',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 600_000 });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('keeps unusable records under dead-letter prefixes: env, exact write grants on each prefix only, and an alarm on each count', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    const fnOf = (service: string) =>
      Object.entries(functions).find(
        ([, r]) =>
          (r.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables
            .POWERTOOLS_SERVICE_NAME === service,
      )!;
    const [, aggregator] = fnOf('traffic-aggregator');
    expect((aggregator.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      TRAFFIC_DEAD_LETTER_BUCKET: { Ref: expect.stringMatching(/DataBucket/) as unknown },
      TRAFFIC_MAX_EVENT_AGE_SECONDS: '86400',
      TRAFFIC_MAX_CLOCK_SKEW_SECONDS: '300',
    });
    const [, alerts] = fnOf('traffic-alerts');
    expect((alerts.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      TRAFFIC_DEAD_LETTER_BUCKET: { Ref: expect.stringMatching(/DataBucket/) as unknown },
    });
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    const writes = (prefix: string) =>
      statements.filter((st) => st.Action === 's3:PutObject' && JSON.stringify(st.Resource).includes(`/${prefix}*`));
    expect(writes('dead-letter/aggregator/')).toHaveLength(1);
    expect(writes('dead-letter/alerts/')).toHaveLength(1);
    for (const [metric, service, prefix] of [
      ['TrafficInvalidEvents', 'traffic-aggregator', 'dead-letter/aggregator/'],
      ['TrafficUnrecognizedNotifications', 'traffic-alerts', 'dead-letter/alerts/'],
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'MlWorkflows',
        Dimensions: [{ Name: 'service', Value: service }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      const [alarm] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
        (a) => a.Properties.MetricName === metric,
      );
      const description = JSON.stringify(alarm!.Properties.AlarmDescription);
      expect(description).toContain(prefix);
      expect(description).toContain('docs/runbook.md#records-in-a-dead-letter-prefix');
    }
  });
});

describe('StreamingAnomaly stack, detector lookout (discontinued service)', () => {
  const template = templateOf(
    stackFrom({ 'streamingAnomaly.detector': 'lookout', 'streamingAnomaly.bufferSeconds': '120' }),
  );

  it("synthesizes a continuous PT5M detector on the interval folders with the issue's columns", () => {
    template.hasResourceProperties('AWS::LookoutMetrics::AnomalyDetector', {
      AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' },
      MetricSetList: [
        Match.objectLike({
          MetricSetFrequency: 'PT5M',
          Offset: 300 + 180 + 60,
          TimestampColumn: { ColumnName: 'window_start', ColumnFormat: 'yyyy-MM-dd HH:mm:ss' },
          DimensionList: ['camera_id'],
          MetricList: [
            { MetricName: 'person', AggregationFunction: 'SUM' },
            { MetricName: 'car', AggregationFunction: 'SUM' },
          ],
          MetricSource: {
            S3SourceConfig: {
              RoleArn: Match.anyValue(),
              TemplatedPathList: [
                {
                  'Fn::Join': [
                    '',
                    ['s3://', { Ref: Match.stringLikeRegexp('DataBucket') }, '/traffic/{{yyyyMMdd}}/{{HHmm}}/'],
                  ],
                },
              ],
              FileFormatDescriptor: { JsonFormatDescriptor: { FileCompression: 'GZIP', Charset: 'UTF-8' } },
            },
          },
        }),
      ],
    });
  });

  it('alerts to SNS and to the alert handler, each through its own least-privilege role', () => {
    template.hasResourceProperties('AWS::LookoutMetrics::Alert', {
      AlertSensitivityThreshold: 70,
      Action: {
        SNSConfiguration: { RoleArn: Match.anyValue(), SnsTopicArn: { Ref: Match.stringLikeRegexp('AnomalyTopic') } },
      },
    });
    template.hasResourceProperties('AWS::LookoutMetrics::Alert', {
      Action: {
        LambdaConfiguration: {
          RoleArn: Match.anyValue(),
          LambdaArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('HandleAlert'), 'Arn'] },
        },
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'lambda:InvokeFunction',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('HandleAlert'), 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/traffic/*']] },
          }),
          Match.objectLike({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['traffic/*'] } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lookoutmetrics.amazonaws.com' } })],
      },
    });
  });

  it('publishes no count metrics and creates no anomaly alarms', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRAFFIC_PUBLISH_COUNT_METRICS: 'false' }) },
    });
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.ComparisonOperator === 'LessThanLowerOrGreaterThanUpperThreshold',
    );
    expect(alarms).toHaveLength(0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('StreamingAnomaly stack, detector none and other configuration', () => {
  it('detector none is a data lake only: no topics, no alert handler, no detector', () => {
    const template = templateOf(stackFrom({ 'streamingAnomaly.detector': 'none' }));
    template.resourceCountIs('AWS::SNS::Topic', 1); // the operations alarm topic only
    template.resourceCountIs('AWS::LookoutMetrics::AnomalyDetector', 0);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    expect(
      Object.keys(resourcesOf(template, 'AWS::Lambda::Function')).filter((id) => id.includes('HandleAlert')),
    ).toEqual([]);
  });

  it('honours stream, window, prefix, topic and alarm settings', () => {
    const template = templateOf(
      stackFrom({
        'streamingAnomaly.streamMode': 'provisioned',
        'streamingAnomaly.shardCount': '4',
        'streamingAnomaly.windowSeconds': '600',
        'streamingAnomaly.prefix': 'city/traffic',
        'streamingAnomaly.topic': 'city/+/cameras',
        'streamingAnomaly.bandWidth': '3',
        'streamingAnomaly.evaluationPeriods': '2',
        'streamingAnomaly.retentionHours': '720',
      }),
    );
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 4,
      RetentionPeriodHours: 720,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      TumblingWindowInSeconds: 600,
      MaximumRecordAgeInSeconds: 604800,
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'city/traffic/!{partitionKeyFromQuery:interval_date}/!{partitionKeyFromQuery:interval_time}/',
      }),
    });
    template.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({ Sql: Match.stringLikeRegexp("FROM 'city/\\+/cameras'$") }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      EvaluationPeriods: 2,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'ANOMALY_DETECTION_BAND(m0, 3)' })]),
    });
  });

  it.each([
    [
      'streamingAnomaly.windowSeconds',
      '90',
      /streamingAnomaly\.windowSeconds: received "90"; expected a multiple of 60/,
    ],
    [
      'streamingAnomaly.windowSeconds',
      '1200',
      /streamingAnomaly\.windowSeconds: received "1200"; expected a value <= 900 and >= 60/,
    ],
    [
      'streamingAnomaly.detector',
      'sagemaker',
      /streamingAnomaly\.detector: received "sagemaker"; .*cloudwatch.*lookout.*none/,
    ],
    [
      'streamingAnomaly.prefix',
      '/traffic/',
      /streamingAnomaly\.prefix: received "\/traffic\/"; expected lower-case words/,
    ],
    ['streamingAnomaly.bufferSeconds', '30', /streamingAnomaly\.bufferSeconds: received "30"; expected a value >= 60/],
  ])('configuration error names the key: %s=%s', (key, value, message) => {
    expect(() => parseConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [key]: value })).toThrow(message);
  });
});

describe('StreamingAnomalyPipeline validation', () => {
  const build = (props: StreamingAnomalyPipelineProps) => () =>
    new StreamingAnomalyPipeline(new Stack(testApp(), 'S'), 'P', props);

  it.each<[string, StreamingAnomalyPipelineProps, string]>([
    [
      'maxClockSkew is over a day',
      { maxClockSkew: Duration.days(2) },
      'S/P: invalid maxClockSkew 172800: must be between 0 and 86400 seconds',
    ],
    [
      'window is out of range',
      { window: Duration.seconds(30) },
      'S/P: invalid window 30: must be between 60 and 900 seconds',
    ],
    [
      'window is not whole minutes',
      { window: Duration.seconds(90) },
      'S/P: invalid window 1 minute 30 seconds: must be whole minutes',
    ],
    [
      'shardCount is given for an on-demand stream',
      { shardCount: 2 },
      'S/P: invalid shardCount 2: applies only with streamMode PROVISIONED',
    ],
    [
      'shardCount is out of range',
      { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: 0 },
      'S/P: invalid shardCount 0: must be between 1 and 500',
    ],
    [
      'retentionPeriod is too short',
      { retentionPeriod: Duration.hours(2) },
      'S/P: invalid retentionPeriod 2: must be between 24 and 8760 hours',
    ],
    ['batchSize is out of range', { batchSize: 20000 }, 'S/P: invalid batchSize 20000: must be between 1 and 10000'],
    [
      'retryAttempts is out of range',
      { retryAttempts: -1 },
      'S/P: invalid retryAttempts -1: must be between 0 and 100',
    ],
    ['topic has quotes', { topic: "a'b" }, `S/P: invalid topic "a'b": must be an MQTT topic filter`],
    ['prefix ends with a slash', { prefix: 'traffic/' }, 'S/P: invalid prefix "traffic/": must be lower-case words'],
    [
      'bufferInterval is below 60 s',
      { bufferInterval: Duration.seconds(30) },
      'S/P: invalid bufferInterval 30: must be between 60 and 900 seconds',
    ],
    ['bandWidth is out of range', { bandWidth: 0 }, 'S/P: invalid bandWidth 0: must be between 0.5 and 10'],
    [
      'evaluationPeriods is out of range',
      { evaluationPeriods: 30 },
      'S/P: invalid evaluationPeriods 30: must be between 1 and 24',
    ],
    [
      'alertSensitivity is out of range',
      { alertSensitivity: 101 },
      'S/P: invalid alertSensitivity 101: must be between 0 and 100',
    ],
    [
      'shadowThingName is not a thing name',
      { shadowThingName: 'a b' },
      'S/P: invalid shadowThingName "a b": must be an IoT thing name',
    ],
    [
      'maxStateBytes exceeds the Lambda limit',
      { maxStateBytes: 2_000_000 },
      'S/P: invalid maxStateBytes 2000000: must be between 10000 and 1000000',
    ],
    [
      'an alarm camera id has a slash',
      { alarmCameras: ['a/b'] },
      'S/P: invalid alarmCameras "a/b": must be camera ids',
    ],
    [
      'detector lookout has a window other than 5 or 10 minutes',
      { detector: 'lookout', window: Duration.minutes(15) },
      'S/P: invalid window 15 minutes: must be 5 or 10 minutes with detector lookout',
    ],
  ])('throws when %s', (_rule, props, message) => {
    expect(build(props)).toThrow(message);
  });

  it('warns when alarmCameras is given without the cloudwatch detector', () => {
    const stack = new Stack(testApp(), 'S');
    new StreamingAnomalyPipeline(stack, 'P', { detector: 'none', alarmCameras: ['cam-1'] });
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    expect(warnings.some((w) => w.includes('alarmCameras is used only by detector cloudwatch'))).toBe(true);
  });
});

describe('compliance of every detector mode', () => {
  it.each(['cloudwatch', 'lookout', 'none'])(
    'detector %s passes cdk-nag and the CloudFormation schemas with no unacknowledged finding',
    (detector) => {
      const outdir = mkdtempSync(join(tmpdir(), 'mlw-sa-nag-'));
      const previous = process.env.CDK_VALIDATION;
      try {
        process.env.CDK_VALIDATION = 'true';
        const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
        stackFrom(
          {
            'streamingAnomaly.detector': detector,
            'streamingAnomaly.alarmCameras': 'cam-1',
            'streamingAnomaly.shadowThingName': 'sign-1',
          },
          app,
        );
        applyNag(app);
        let error: Error | undefined;
        try {
          app.synth();
        } catch (e) {
          error = e as Error;
        }
        const reportPath = join(outdir, 'validation-report.json');
        const report = existsSync(reportPath)
          ? (JSON.parse(readFileSync(reportPath, 'utf8')) as {
              pluginReports?: { violations: { ruleName: string }[] }[];
            })
          : {};
        expect((report.pluginReports ?? []).flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
        expect(error?.message).toBeUndefined();
      } finally {
        process.env.CDK_VALIDATION = previous;
        rmSync(outdir, { recursive: true, force: true });
      }
    },
  );
});

describe('stack outputs', () => {
  it('exports the names the CLI and operators need', () => {
    const template = templateOf(stackOf(realApp(), 'Mlw-StreamingAnomaly'));
    for (const output of [
      'InputStreamName',
      'ProcessedStreamName',
      'DataBucketName',
      'IntervalPathTemplate',
      'TopicRuleName',
      'AlertTopicArn',
      'AnomalyTopicArn',
    ]) {
      template.hasOutput(output, {});
    }
  });
});
