import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The handler's Powertools Logger. Service name and level come from `POWERTOOLS_SERVICE_NAME` and
 * `POWERTOOLS_LOG_LEVEL` (set by the house `HandlerFunction`). Create it once at module scope.
 */
export function createLogger(serviceName?: string): Logger {
  return new Logger(serviceName === undefined ? {} : { serviceName });
}

/**
 * The handler's Powertools Metrics (embedded metric format). Namespace and service come from
 * `POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_SERVICE_NAME`; `defaultDimensions` are set once, here (setting one
 * again later makes Powertools warn and overwrite). Create it once at module scope and call {@link flushMetrics} at
 * the end of each invocation.
 */
export function createMetrics(
  options: { readonly serviceName?: string; readonly defaultDimensions?: Readonly<Record<string, string>> } = {},
): Metrics {
  return new Metrics({
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    ...(options.defaultDimensions === undefined ? {} : { defaultDimensions: { ...options.defaultDimensions } }),
  });
}

/**
 * Publish the metrics an invocation stored, if it stored any. The one flush of every handler: Powertools'
 * `publishStoredMetrics()` on an empty store logs a "No application metrics to publish" warning (Powertools
 * Metrics 2.x), which would fill the logs of every request that counted nothing (a 4xx answer, an empty batch).
 */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
