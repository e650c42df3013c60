/** What `mlw trips` prints: the summary as text, and the month a source file is named for. */
import { OUTLIER_REASONS } from '../../../lambdas/trip-outliers/contract';
import { type TripSummary } from '../../../lambdas/trip-outliers/core/report';

/** The month of a source named like `yellow_tripdata_2024-01.parquet`. */
export function monthOf(source: string): string | undefined {
  return /yellow_tripdata_(\d{4}-\d{2})\.parquet$/.exec(source)?.[1];
}

/** The summary as text. */
export function summaryText(summary: TripSummary): string {
  const outliers = summary.rows - summary.cleanedRows;
  const share = (n: number) => (summary.rows === 0 ? '' : ` (${((100 * n) / summary.rows).toFixed(2)} %)`);
  const d = summary.durationSeconds;
  return [
    `trips            ${summary.rows}`,
    `outliers         ${outliers}${share(outliers)}`,
    ...OUTLIER_REASONS.map((r) => `  ${r.padEnd(22)} ${summary.outliers[r]}`),
    `cleaned trips    ${summary.cleanedRows}`,
    `duration (s) of cleaned trips: p50 ${d.p50 ?? '–'}, p99 ${d.p99 ?? '–'}, max ${d.max ?? '–'}`,
  ].join('\n');
}
