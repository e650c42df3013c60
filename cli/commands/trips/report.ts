/** `mlw trips report --from`: read the report data of either engine. */
import { readFileSync } from 'node:fs';
import { type Command } from 'commander';
import { type TripReport } from '../../../lambdas/trip-outliers/core/report';
import { awsOptions } from '../../aws';

/** Read a `report.json` (local or `s3://`). */
export async function readReportData(from: string, command: Command): Promise<TripReport> {
  let text: string;
  if (from.startsWith('s3://')) {
    const { openSource } = await import('../../sources');
    const opened = await openSource(from, awsOptions(command));
    const chunks: Buffer[] = [];
    for await (const chunk of opened.body) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    text = readFileSync(from, 'utf8');
  }
  const data = JSON.parse(text) as Partial<TripReport>;
  if (typeof data.summary?.rows !== 'number' || !Array.isArray(data.histogram) || !Array.isArray(data.outliersByDay)) {
    throw new Error(`${from} is not a trip report (report.json of mlw trips or of the Athena run)`);
  }
  return data as TripReport;
}
