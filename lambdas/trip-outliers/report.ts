import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { formatS3Uri } from '../shared/s3-keys';
import { readAthenaResultRows } from './adapters/s3';
import { type ResultStep, RESULT_STEPS, TRIP_OUTLIERS_METRICS } from './contract';
import { type TripSummary, assembleReport } from './core/report';
import { renderReportHtml } from './core/report-html';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});

/** A query's result as the Athena task's `ResultSelector` keeps it. */
const resultSchema = z.object({ outputLocation: z.string().startsWith('s3://') });

const eventSchema = z.object({
  run: z.object({
    runId: z.string(),
    month: z.string(),
    source: z.string(),
    bounds: z.object({ maxDurationSeconds: z.number(), maxSpeedMph: z.number() }),
    timeZone: z.string(),
    report: z.object({ bucket: z.string(), htmlKey: z.string(), jsonKey: z.string() }),
  }),
  /** The profile query's result. */
  profile: resultSchema,
  /** The summary queries (the Map's items: each planned query with its `result`). */
  summaries: z.array(z.object({ step: z.string(), result: resultSchema })),
});

/** What the execution ends with: the summary and where the report is. */
export interface ReportOutput {
  readonly runId: string;
  readonly month: string;
  readonly summary: TripSummary;
  readonly report: { readonly html: string; readonly json: string };
}

/**
 * Step Functions task `Report`: read the result files of the profile and summary queries from S3 (never through the
 * state: results stay out of the 256 KiB payload), assemble the report with the same code the CLI uses, render the
 * same HTML page, and write `report.html` and `report.json` beside each other.
 *
 * Errors: `ResultShapeError` when a result file does not have the shape the queries produce; S3 errors propagate
 * for the state machine's Retry.
 */
export const handler = async (event: unknown): Promise<ReportOutput> => {
  const { run, profile, summaries } = eventSchema.parse(event);
  const byStep = new Map([
    ['profile', profile.outputLocation],
    ...summaries.map((s) => [s.step, s.result.outputLocation] as const),
  ]);
  const rows = Object.fromEntries(
    await Promise.all(
      RESULT_STEPS.map(async (step) => {
        const uri = byStep.get(step);
        if (!uri) throw new Error(`No result for the ${step} query`);
        return [step, await readAthenaResultRows(s3, uri)] as const;
      }),
    ),
  ) as Record<ResultStep, Record<string, unknown>[]>;
  const report = assembleReport(
    {
      source: run.source,
      engine: 'athena',
      generatedAt: new Date().toISOString(),
      bounds: run.bounds,
      timeZone: run.timeZone,
      month: run.month,
      runId: run.runId,
    },
    rows,
  );
  const html = await renderReportHtml(report);
  const { bucket, htmlKey, jsonKey } = run.report;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: jsonKey,
      Body: JSON.stringify(report, null, 2),
      ContentType: 'application/json',
    }),
  );
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: htmlKey, Body: html, ContentType: 'text/html; charset=utf-8' }),
  );
  metrics.addMetric(TRIP_OUTLIERS_METRICS.TRIPS, MetricUnit.Count, report.summary.rows);
  metrics.addMetric(TRIP_OUTLIERS_METRICS.OUTLIERS, MetricUnit.Count, report.summary.rows - report.summary.cleanedRows);
  metrics.publishStoredMetrics();
  const output = {
    runId: run.runId,
    month: run.month,
    summary: report.summary,
    report: { html: formatS3Uri({ bucket, key: htmlKey }), json: formatS3Uri({ bucket, key: jsonKey }) },
  };
  logger.info('Report written', { ...output });
  return output;
};
