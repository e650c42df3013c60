import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { checkLocalFiles } from '../../lambdas/trip-outliers/adapters/duckdb';
import {
  type ResultStep,
  DEFAULT_BOUNDS,
  RESULT_STEPS,
  duckdbPlan,
  duckdbRawView,
  literal,
} from '../../lambdas/trip-outliers/contract';
import { presentRawColumns } from '../../lambdas/trip-outliers/core/schema-check';

/**
 * Result files shaped like Athena's (`<QueryExecutionId>.csv`: a header row, every value in double quotes, NULL as an
 * empty unquoted cell), made by running the shared SQL in DuckDB on a fixture — the stand-in for Athena's answers.
 */
export async function athenaStyleResults(files: string[], dir: string): Promise<Record<ResultStep, string>> {
  const checked = await checkLocalFiles(files);
  const present = new Map(checked.flatMap((c) => [...presentRawColumns(c.report)]));
  const plan = duckdbPlan({ bounds: DEFAULT_BOUNDS });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const out: Partial<Record<ResultStep, string>> = {};
  try {
    await connection.run(duckdbRawView(files, present));
    for (const step of ['normalize', 'flag', 'clean'] as const) await connection.run(plan[step]);
    for (const step of RESULT_STEPS) {
      const path = join(dir, `${step}.csv`);
      // Timestamps as Athena prints them (milliseconds).
      await connection.run(
        `COPY (${plan[step]}) TO ${literal(path)} (FORMAT csv, HEADER true, FORCE_QUOTE *, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%g')`,
      );
      out[step] = readFileSync(path, 'utf8');
      rmSync(path);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return out as Record<ResultStep, string>;
}
