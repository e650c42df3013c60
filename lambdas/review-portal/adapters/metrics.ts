import { type Metrics } from '@aws-lambda-powertools/metrics';
import { createMetrics } from '../../shared/observability';

const byTable = new Map<string, Metrics>();

/**
 * The portal's metrics for one task table: every metric carries the `portal` dimension (the table name, which tells
 * two portals apart), set once when the instance is made. A deployed function serves one table, so it makes one
 * instance; the table name is read from the environment on the first request, which is why this is not a module
 * constant. Flush with `flushMetrics` from `lambdas/shared/observability.ts`.
 */
export function portalMetrics(table: string): Metrics {
  let metrics = byTable.get(table);
  if (metrics === undefined) {
    metrics = createMetrics({ defaultDimensions: { portal: table } });
    byTable.set(table, metrics);
  }
  return metrics;
}
