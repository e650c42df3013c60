import { type Metrics } from '@aws-lambda-powertools/metrics';

const dimensioned = new WeakMap<Metrics, string>();

/** Add the `portal` dimension (the task table name) to every metric of this instance, once per table. */
export function setPortalDimension(target: Metrics, table: string): void {
  if (dimensioned.get(target) === table) return;
  target.setDefaultDimensions({ portal: table });
  dimensioned.set(target, table);
}

/** Flush stored metrics, if any (requests that recorded none emit nothing). */
export function flushMetrics(target: Metrics): void {
  if (target.hasStoredMetrics()) target.publishStoredMetrics();
}
