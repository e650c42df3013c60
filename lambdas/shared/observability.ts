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
 * `POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_SERVICE_NAME`. Create it once at module scope and call
 * `publishStoredMetrics()` (or use `logMetrics`) at the end of each invocation.
 */
export function createMetrics(serviceName?: string): Metrics {
  return new Metrics(serviceName === undefined ? {} : { serviceName });
}
