/** `mlw trips sql`: the SQL of one step for an engine. */
import { resolve } from 'node:path';
import {
  type Engine,
  type OutlierBounds,
  type Step,
  DEFAULT_BOUNDS,
  DIALECTS,
  LATEST,
  STEPS,
  athenaRawTableDdl,
  athenaRunPlan,
  duckdbPlan,
  duckdbRawView,
  stepSelects,
} from '../../../lambdas/trip-outliers/contract';
import { presentRawColumns } from '../../../lambdas/trip-outliers/core/schema-check';

/** The SQL of one step (or `raw`) for an engine, as `mlw trips sql` prints it. */
export async function sqlFor(
  name: string,
  engine: Engine,
  options: { month?: string; runId?: string; tablesLocation: string; file?: string } & Partial<OutlierBounds>,
): Promise<string> {
  const b = { ...DEFAULT_BOUNDS, ...options };
  if (name === 'raw') {
    if (engine === 'athena') return athenaRawTableDdl(options.tablesLocation.replace(/\/tables\/?$/, '/raw'));
    if (!options.file) throw new Error('mlw trips sql raw --engine duckdb needs --file: the view follows its columns');
    const { checkLocalFiles } = await import('../../../lambdas/trip-outliers/adapters/duckdb');
    const [checked] = await checkLocalFiles([options.file]);
    return duckdbRawView([resolve(options.file)], presentRawColumns(checked!.report));
  }
  if (!(STEPS as readonly string[]).includes(name)) {
    throw new Error(`Unknown query ${name}; one of: raw, ${STEPS.join(', ')}`);
  }
  const step = name as Step;
  if (engine === 'duckdb') return duckdbPlan({ bounds: b })[step];
  if (options.runId && options.month) {
    const [year, month] = options.month.split('-') as [string, string];
    const plan = athenaRunPlan({
      runId: options.runId,
      year,
      month,
      tablesLocation: options.tablesLocation,
      bounds: b,
    });
    return plan.queries[step].queryString;
  }
  const filter = options.month
    ? `year = '${options.month.slice(0, 4)}' AND month = '${options.month.slice(5)}'`
    : 'year = ? AND month = ?';
  return stepSelects(DIALECTS.athena, LATEST, { bounds: b, rawFilter: filter })[step];
}
