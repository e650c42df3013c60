/** Notification fixtures of the streaming anomaly pipeline, shaped as FORMATS.md and the AWS documentation describe them. */

/** A CloudWatch anomaly-detection alarm notification as SNS delivers it (message body). */
export function alarmNotification(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: 'Mlw-StreamingAnomaly-CarsCameracam-2',
    AlarmDescription: 'Traffic anomaly',
    AWSAccountId: '123456789012',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Thresholds Crossed: 1 out of the last 1 datapoints [95.0 (23/11/26 08:15:00)] was greater than the upper thresholds [41.3] (minimum 1 datapoint for OK -> ALARM transition).',
    StateChangeTime: '2026-11-23T08:21:10.123+0000',
    Region: 'EU (Ireland)',
    AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Mlw-StreamingAnomaly-CarsCameracam-2',
    OldStateValue: 'OK',
    Trigger: {
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      ThresholdMetricId: 'ad1',
      Metrics: [
        { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)', Label: 'TrafficCars (expected)', ReturnData: true },
        {
          Id: 'm1',
          MetricStat: {
            Metric: {
              Dimensions: [
                { value: 'traffic-aggregator', name: 'service' },
                { value: 'cam-2', name: 'camera_id' },
              ],
              MetricName: 'TrafficCars',
              Namespace: 'MlWorkflows',
            },
            Period: 300,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
      ],
    },
    ...overrides,
  };
}

/** A Lookout for Metrics alert (FORMATS.md). */
export function lookoutAlert(): Record<string, unknown> {
  return {
    alertName: 'traffic-alert',
    alertEventId: 'arn:aws:lookoutmetrics:us-east-1:123456789012:Alert:traffic-alert:event/1',
    anomalyDetectorArn: 'arn:aws:lookoutmetrics:us-east-1:123456789012:AnomalyDetector:traffic',
    alertArn: 'arn:aws:lookoutmetrics:us-east-1:123456789012:Alert:traffic-alert',
    impactedMetric: {
      metricName: 'person',
      dimensionContribution: [
        {
          dimensionName: 'camera_id',
          dimensionValueContributionList: [{ dimensionValue: 'cam-7', valueContribution: 100 }],
        },
      ],
      relevantTimeSeries: [
        {
          timeSeriesId: 't1',
          dimensions: [{ dimensionName: 'camera_id', dimensionValue: 'cam-7' }],
          metricValueList: [10, 12, 14, 80],
          timestampList: [
            '2026-11-23T08:00:00Z',
            '2026-11-23T08:05:00Z',
            '2026-11-23T08:10:00Z',
            '2026-11-23T08:15:00Z',
          ],
        },
      ],
    },
    timestamp: '2026-11-23T08:15:00.000Z[UTC]',
    anomalyScore: 87.5,
  };
}
