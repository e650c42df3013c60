import { CAMERA_DIMENSION, type Measure, STREAMING_ANOMALY_METRICS } from '../contract';

/** An anomaly in a form people and devices can use. */
export interface ReadableAlert {
  /** Which detector raised it. */
  readonly detector: 'cloudwatch' | 'lookout';
  /** Camera, or `all cameras` for the total. */
  readonly cameraId: string;
  /** `person` or `car` ({@link Measure}), or the metric name when it is neither. */
  readonly measure: string;
  /** The value seen. */
  readonly observed: number | undefined;
  /** What was expected, in words (`between 12 and 40`, `about 25`, `not given`). */
  readonly expected: string;
  /** When (ISO 8601, UTC). */
  readonly time: string;
  /** Console link. */
  readonly link: string;
  /** SNS subject (≤ 100 printable ASCII characters). */
  readonly subject: string;
  /** SNS message body. */
  readonly message: string;
}

/** The part of a CloudWatch alarm state-change notification (SNS message body) this code reads. */
interface AlarmNotification {
  AlarmName: string;
  AlarmArn?: string;
  NewStateValue: string;
  NewStateReason?: string;
  StateChangeTime?: string;
  Trigger?: {
    MetricName?: string;
    Dimensions?: { name: string; value: string }[];
    Metrics?: {
      Id?: string;
      Expression?: string;
      MetricStat?: { Metric?: { MetricName?: string; Dimensions?: { name: string; value: string }[] } };
    }[];
  };
}

/** The part of a Lookout for Metrics alert this code reads. */
interface LookoutAlert {
  alertName?: string;
  alertEventId?: string;
  anomalyDetectorArn: string;
  alertArn?: string;
  timestamp?: string;
  anomalyScore?: number;
  impactedMetric: {
    metricName: string;
    dimensionContribution?: {
      dimensionName: string;
      dimensionValueContributionList?: { dimensionValue: string; valueContribution?: number }[];
    }[];
    relevantTimeSeries?: {
      dimensions?: { dimensionName: string; dimensionValue: string }[];
      metricValueList?: number[];
      timestampList?: string[];
    }[];
  };
}

/** What an incoming notification is. */
export type AlertInput =
  | { kind: 'cloudwatch'; alarm: AlarmNotification }
  | { kind: 'lookout'; alert: LookoutAlert }
  /** A notification that needs no alert (an alarm going back to OK). */
  | { kind: 'ignored'; reason: string }
  /** A notification of no known shape: kept as a dead letter. */
  | { kind: 'unrecognized'; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Recognize a CloudWatch alarm notification or a Lookout for Metrics alert (already JSON-parsed). */
export function classifyAlert(value: unknown): AlertInput {
  if (!isObject(value)) return { kind: 'unrecognized', reason: 'not a JSON object' };
  if (typeof value.AlarmName === 'string' && typeof value.NewStateValue === 'string') {
    if (value.NewStateValue !== 'ALARM') return { kind: 'ignored', reason: `alarm state ${value.NewStateValue}` };
    return { kind: 'cloudwatch', alarm: value as unknown as AlarmNotification };
  }
  if (
    typeof value.anomalyDetectorArn === 'string' &&
    isObject(value.impactedMetric) &&
    typeof value.impactedMetric.metricName === 'string'
  ) {
    return { kind: 'lookout', alert: value as unknown as LookoutAlert };
  }
  return { kind: 'unrecognized', reason: 'neither a CloudWatch alarm notification nor a Lookout for Metrics alert' };
}

const MEASURE_OF_METRIC: Record<string, Measure> = {
  [STREAMING_ANOMALY_METRICS.PERSONS]: 'person',
  [STREAMING_ANOMALY_METRICS.CARS]: 'car',
};

const ALL_CAMERAS = 'all cameras';

function regionOfArn(arn: string | undefined, fallback: string): string {
  const region = arn?.split(':')[3];
  return region ? region : fallback;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `23/11/26 08:15:00` (CloudWatch's datapoint format, UTC) → ISO 8601. */
function alarmDatapointTime(text: string): string | undefined {
  const m = /^(\d\d)\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) return undefined;
  const [, dd, mm, yy, hh, mi, ss] = m;
  return `20${yy}-${mm}-${dd}T${hh}:${mi}:${ss}.000Z`;
}

/**
 * Observed value, datapoint time and expected band from an anomaly alarm's state reason, e.g.
 * `Thresholds Crossed: 1 out of the last 1 datapoints [95.0 (23/11/26 08:15:00)] was greater than the upper thresholds [41.3] …`.
 */
export function parseAlarmReason(reason: string): { observed?: number; time?: string; expected?: string } {
  const point = /datapoints? \[(-?[\d.]+(?:E-?\d+)?) \((\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d)\)/i.exec(reason);
  const upper = /greater than the upper thresholds? \[(-?[\d.]+(?:E-?\d+)?)/i.exec(reason);
  const lower = /less than the lower thresholds? \[(-?[\d.]+(?:E-?\d+)?)/i.exec(reason);
  const out: { observed?: number; time?: string; expected?: string } = {};
  if (point?.[1] !== undefined) out.observed = round(Number(point[1]));
  if (point?.[2] !== undefined) out.time = alarmDatapointTime(point[2]);
  if (upper?.[1] !== undefined) out.expected = `at most ${round(Number(upper[1]))}`;
  else if (lower?.[1] !== undefined) out.expected = `at least ${round(Number(lower[1]))}`;
  return out;
}

function subjectOf(cameraId: string, measure: string, observed: number | undefined, expected: string): string {
  const text = `Traffic anomaly: ${cameraId} ${measure} ${observed ?? '?'} (expected ${expected})`;
  // SNS subjects: printable ASCII, no line breaks, at most 100 characters.
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

function messageOf(alert: Omit<ReadableAlert, 'subject' | 'message'>, extra: string[]): string {
  return [
    `Traffic anomaly detected by ${alert.detector === 'cloudwatch' ? 'CloudWatch anomaly detection' : 'Amazon Lookout for Metrics'}`,
    '',
    `Camera:   ${alert.cameraId}`,
    `Measure:  ${alert.measure} count per window`,
    `Observed: ${alert.observed ?? 'not given'}`,
    `Expected: ${alert.expected}`,
    `Time:     ${alert.time}`,
    ...extra,
    '',
    `Details:  ${alert.link}`,
  ].join('\n');
}

function describeAlarm(alarm: AlarmNotification, defaultRegion: string): ReadableAlert {
  const stat = alarm.Trigger?.Metrics?.find((m) => m.MetricStat?.Metric)?.MetricStat?.Metric;
  const metricName = stat?.MetricName ?? alarm.Trigger?.MetricName ?? 'unknown metric';
  const dimensions = stat?.Dimensions ?? alarm.Trigger?.Dimensions ?? [];
  const cameraId = dimensions.find((d) => d.name === CAMERA_DIMENSION)?.value ?? ALL_CAMERAS;
  const parsed = parseAlarmReason(alarm.NewStateReason ?? '');
  const region = regionOfArn(alarm.AlarmArn, defaultRegion);
  const base = {
    detector: 'cloudwatch' as const,
    cameraId,
    measure: MEASURE_OF_METRIC[metricName] ?? metricName,
    observed: parsed.observed,
    expected: parsed.expected ?? 'outside the anomaly band (see the alarm)',
    time: parsed.time ?? (alarm.StateChangeTime ? new Date(alarm.StateChangeTime).toISOString() : 'unknown'),
    link: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`,
  };
  const subject = subjectOf(base.cameraId, base.measure, base.observed, base.expected);
  return { ...base, subject, message: messageOf(base, [`Alarm:    ${alarm.AlarmName}`]) };
}

/** Lookout timestamps may carry a zone suffix: `2026-11-23T08:15:00.000Z[UTC]`. */
function lookoutTime(text: string | undefined): string {
  if (!text) return 'unknown';
  const time = Date.parse(text.replace(/\[[^\]]*\]$/, ''));
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}

function describeLookout(alert: LookoutAlert, defaultRegion: string): ReadableAlert[] {
  const metric = alert.impactedMetric;
  const region = regionOfArn(alert.anomalyDetectorArn, defaultRegion);
  const link = `https://${region}.console.aws.amazon.com/lookoutmetrics/home?region=${region}#${encodeURIComponent(alert.anomalyDetectorArn)}/anomalies`;
  const series = metric.relevantTimeSeries ?? [];
  const fromSeries = series.map((s) => {
    const cameraId = s.dimensions?.find((d) => d.dimensionName === CAMERA_DIMENSION)?.dimensionValue ?? ALL_CAMERAS;
    const values = s.metricValueList ?? [];
    const observed = values.length > 0 ? values[values.length - 1] : undefined;
    const before = values.slice(0, -1);
    const expected =
      before.length > 0
        ? `about ${round(before.reduce((a, b) => a + b, 0) / before.length)} (mean of the ${before.length} earlier intervals)`
        : 'not given by the detector';
    return { cameraId, observed, expected };
  });
  if (fromSeries.length === 0) {
    const top = metric.dimensionContribution
      ?.find((d) => d.dimensionName === CAMERA_DIMENSION)
      ?.dimensionValueContributionList?.slice()
      .sort((a, b) => (b.valueContribution ?? 0) - (a.valueContribution ?? 0))[0];
    fromSeries.push({
      cameraId: top?.dimensionValue ?? ALL_CAMERAS,
      observed: undefined,
      expected: 'not given by the detector',
    });
  }
  return fromSeries.map((s) => {
    const base = {
      detector: 'lookout' as const,
      cameraId: s.cameraId,
      measure: metric.metricName,
      observed: s.observed === undefined ? undefined : round(s.observed),
      expected: s.expected,
      time: lookoutTime(alert.timestamp),
      link,
    };
    const extra = [
      `Score:    ${alert.anomalyScore ?? 'not given'}`,
      `Alert:    ${alert.alertName ?? alert.alertArn ?? 'unnamed'}`,
    ];
    return {
      ...base,
      subject: subjectOf(base.cameraId, base.measure, base.observed, base.expected),
      message: messageOf(base, extra),
    };
  });
}

/** Readable alerts for one notification (a Lookout alert can name several time series); none for ignored input. */
export function describeAlert(input: AlertInput, defaultRegion: string): ReadableAlert[] {
  switch (input.kind) {
    case 'cloudwatch':
      return [describeAlarm(input.alarm, defaultRegion)];
    case 'lookout':
      return describeLookout(input.alert, defaultRegion);
    default:
      return [];
  }
}

/** The device-shadow document that roadside signage reads (`state.desired.traffic_anomaly`). */
export function shadowDocument(alert: ReadableAlert): {
  state: { desired: { traffic_anomaly: Record<string, unknown> } };
} {
  return {
    state: {
      desired: {
        traffic_anomaly: {
          camera_id: alert.cameraId,
          measure: alert.measure,
          observed: alert.observed ?? null,
          expected: alert.expected,
          time: alert.time,
          detector: alert.detector,
        },
      },
    },
  };
}
