import { Duration, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { type HandlerFunction } from './handler-function';

/** CloudWatch namespace of every metric the handlers publish (Powertools Metrics, `POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'MlWorkflows';

/** Options of one metric from {@link serviceMetrics}. */
export interface ServiceMetricOptions {
  /** @default 'Sum' */
  readonly statistic?: string;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** Graph label. @default the metric name */
  readonly label?: string;
  /** Dimensions besides `service`, e.g. `{ camera_id: 'cam-1' }`. @default none */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * The metrics one handler service publishes, as CloudWatch metrics: namespace {@link METRICS_NAMESPACE}, dimension
 * `service` = the Powertools service name, metric names from the workflow's `contract.ts`. The service is a
 * `HandlerFunction` (its `serviceName`) or a service name from a contract (for functions in another template, such
 * as a Service Catalog product). Names are typed by the contract's record, so a metric name is never spelled twice.
 *
 * @example const classify = serviceMetrics(this.classifyFunction, ACTIVE_LEARNING_METRICS);
 *          classify(ACTIVE_LEARNING_METRICS.LOW_CONFIDENCE, { label: 'low confidence' });
 */
export function serviceMetrics<N extends string>(
  service: HandlerFunction | string,
  _names: Readonly<Record<string, N>>,
  defaults: ServiceMetricOptions = {},
): (metricName: N, options?: ServiceMetricOptions) => cloudwatch.Metric {
  const serviceName = typeof service === 'string' ? service : service.serviceName;
  return (metricName, options = {}) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: serviceName, ...defaults.dimensions, ...options.dimensions },
      statistic: options.statistic ?? defaults.statistic ?? 'Sum',
      period: options.period ?? defaults.period ?? Duration.minutes(5),
      label: options.label ?? defaults.label,
    });
}
