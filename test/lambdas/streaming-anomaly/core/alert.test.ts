import {
  classifyAlert,
  describeAlert,
  parseAlarmReason,
  shadowDocument,
} from '../../../../lambdas/streaming-anomaly/core/alert';
import { alarmNotification, lookoutAlert } from '../../../helpers/streaming-anomaly-fixtures';

describe('parseAlarmReason', () => {
  it('reads the datapoint, its time and the band edge it crossed', () => {
    expect(parseAlarmReason(String(alarmNotification().NewStateReason))).toEqual({
      observed: 95,
      time: '2026-11-23T08:15:00.000Z',
      expected: 'at most 41.3',
    });
    expect(
      parseAlarmReason(
        'Thresholds Crossed: 1 out of the last 1 datapoints [2.0 (23/11/26 03:05:00)] was less than the lower thresholds [11.456] (minimum …)',
      ),
    ).toEqual({
      observed: 2,
      time: '2026-11-23T03:05:00.000Z',
      expected: 'at least 11.46',
    });
    expect(parseAlarmReason('something else')).toEqual({});
  });
});

describe('describeAlert', () => {
  it('turns a CloudWatch anomaly alarm into camera, measure, observed vs expected, time and a console link', () => {
    const [alert, ...rest] = describeAlert(classifyAlert(alarmNotification()), 'us-east-1');
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      detector: 'cloudwatch',
      cameraId: 'cam-2',
      measure: 'car',
      observed: 95,
      expected: 'at most 41.3',
      time: '2026-11-23T08:15:00.000Z',
      link: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/Mlw-StreamingAnomaly-CarsCameracam-2',
      subject: 'Traffic anomaly: cam-2 car 95 (expected at most 41.3)',
    });
    expect(alert!.message).toContain('Camera:   cam-2');
    expect(alert!.message).toContain('Observed: 95');
  });

  it('names the total when the alarm has no camera dimension', () => {
    const notification = alarmNotification();
    const trigger = notification.Trigger as {
      Metrics: { MetricStat?: { Metric: { Dimensions: unknown[]; MetricName: string } } }[];
    };
    trigger.Metrics[1]!.MetricStat!.Metric = {
      Dimensions: [{ name: 'service', value: 'traffic-aggregator' }],
      MetricName: 'TrafficPersons',
    };
    expect(describeAlert(classifyAlert(notification), 'us-east-1')[0]).toMatchObject({
      cameraId: 'all cameras',
      measure: 'person',
    });
  });

  it('turns a Lookout alert into one message per relevant time series', () => {
    const [alert] = describeAlert(classifyAlert(lookoutAlert()), 'eu-west-1');
    expect(alert).toMatchObject({
      detector: 'lookout',
      cameraId: 'cam-7',
      measure: 'person',
      observed: 80,
      expected: 'about 12 (mean of the 3 earlier intervals)',
      time: '2026-11-23T08:15:00.000Z',
    });
    expect(alert!.link).toContain('https://us-east-1.console.aws.amazon.com/lookoutmetrics/');
    expect(alert!.message).toContain('Score:    87.5');
  });

  it('falls back to the top dimension contribution without time series', () => {
    const alert = lookoutAlert();
    delete (alert.impactedMetric as Record<string, unknown>).relevantTimeSeries;
    expect(describeAlert(classifyAlert(alert), 'us-east-1')).toMatchObject([
      { cameraId: 'cam-7', observed: undefined, expected: 'not given by the detector' },
    ]);
  });

  it('ignores OK transitions and unknown shapes', () => {
    expect(classifyAlert(alarmNotification({ NewStateValue: 'OK' }))).toEqual({
      kind: 'ignored',
      reason: 'alarm state OK',
    });
    expect(classifyAlert({ hello: 1 })).toMatchObject({ kind: 'unrecognized' });
    expect(classifyAlert('text')).toMatchObject({ kind: 'unrecognized' });
    expect(describeAlert({ kind: 'ignored', reason: 'x' }, 'us-east-1')).toEqual([]);
  });

  it('keeps SNS subjects within 100 printable ASCII characters', () => {
    const [alert] = describeAlert(classifyAlert(alarmNotification({ AlarmName: 'x' })), 'us-east-1');
    const long = {
      ...alarmNotification(),
      Trigger: {
        Metrics: [
          {
            MetricStat: {
              Metric: {
                MetricName: 'TrafficCars',
                Dimensions: [{ name: 'camera_id', value: `kamera-ü-${'z'.repeat(120)}` }],
              },
            },
          },
        ],
      },
    };
    const [longAlert] = describeAlert(classifyAlert(long), 'us-east-1');
    expect(alert!.subject.length).toBeLessThanOrEqual(100);
    expect(longAlert!.subject).toHaveLength(100);
    expect(longAlert!.subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('shadowDocument', () => {
  it('puts the anomaly in the desired state for signage', () => {
    const [alert] = describeAlert(classifyAlert(alarmNotification()), 'us-east-1');
    expect(shadowDocument(alert!)).toEqual({
      state: {
        desired: {
          traffic_anomaly: {
            camera_id: 'cam-2',
            measure: 'car',
            observed: 95,
            expected: 'at most 41.3',
            time: '2026-11-23T08:15:00.000Z',
            detector: 'cloudwatch',
          },
        },
      },
    });
  });
});
