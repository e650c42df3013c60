import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defineEnv } from '../shared/env';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { s3RawStore } from './adapters/s3';
import { headSource, sourceFooter } from './adapters/source';
import {
  type PlannedQuery,
  MAX_SINGLE_PUT_BYTES,
  TRIP_OUTLIERS_ENV,
  TRIP_OUTLIERS_METRICS,
  athenaRunPlan,
  rawKey,
  reportKeys,
  tripFileName,
} from './contract';
import { ingestFile } from './core/ingest';
import { parseRunRequest, runIdFor } from './core/request';
import { type SchemaReport, SchemaMismatchError } from './core/schema-check';

const logger = createLogger();
const metrics = createMetrics();
// Streamed uploads without aws-chunked framing: the length is known from the source.
const s3 = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });

const config = defineEnv({
  [TRIP_OUTLIERS_ENV.DATA_BUCKET]: z.string().min(3),
  [TRIP_OUTLIERS_ENV.SOURCE_BASE_URL]: z.url(),
  [TRIP_OUTLIERS_ENV.MAX_DURATION_SECONDS]: z.coerce.number().positive(),
  [TRIP_OUTLIERS_ENV.MAX_SPEED_MPH]: z.coerce.number().positive(),
  [TRIP_OUTLIERS_ENV.TIME_ZONE]: z.string().min(1),
});

const eventSchema = z.object({
  /** The execution input: `{month, maxDurationSeconds?, maxSpeedMph?}`. */
  request: z.unknown(),
  /** `$$.Execution.Name`: the run id derives from it. */
  executionName: z.string().min(1),
});

/** What the state machine continues with (`$.run`); well under the 256 KiB payload limit (about 20 KB). */
export interface IngestOutput {
  readonly runId: string;
  readonly month: string;
  readonly source: string;
  readonly raw: {
    readonly bucket: string;
    readonly key: string;
    readonly bytes: number;
    readonly rows: number;
    readonly copied: boolean;
  };
  readonly bounds: { readonly maxDurationSeconds: number; readonly maxSpeedMph: number };
  readonly timeZone: string;
  /** Trip columns the file does not have (NULL in this month). */
  readonly missingColumns: readonly string[];
  /** Where the report goes. */
  readonly report: {
    readonly bucket: string;
    readonly htmlKey: string;
    readonly jsonKey: string;
    readonly schemaKey: string;
  };
  /** The table steps and the profile, by step. */
  readonly queries: {
    readonly normalize: PlannedQuery;
    readonly profile: PlannedQuery;
    readonly flag: PlannedQuery;
    readonly clean: PlannedQuery;
  };
  /** The summary queries, run side by side (inline Map). */
  readonly summaryQueries: readonly PlannedQuery[];
  /** The views, switched last. */
  readonly views: readonly PlannedQuery[];
}

/**
 * Step Functions task `Ingest`: validate the request, check the month's published Parquet file against the trip table
 * from its footer (fail early, before anything is copied), stream it into `raw/year=YYYY/month=MM/` (skipped when the
 * same file is there), record the schema check beside the report, and plan the run's Athena queries.
 *
 * Errors by name for the state machine: `ValidationError` (bad request, file too large), `SchemaMismatchError`
 * (unknown, retyped or missing columns: the message lists them), `SourceNotFoundError` (month not published),
 * `RetryableError` (source 5xx, network, cut-short copy).
 */
export const handler = async (event: unknown): Promise<IngestOutput> => {
  const env = config();
  const { request: input, executionName } = eventSchema.parse(event);
  const request = parseRunRequest(input, {
    maxDurationSeconds: env[TRIP_OUTLIERS_ENV.MAX_DURATION_SECONDS],
    maxSpeedMph: env[TRIP_OUTLIERS_ENV.MAX_SPEED_MPH],
  });
  const bucket = env[TRIP_OUTLIERS_ENV.DATA_BUCKET];
  const timeZone = env[TRIP_OUTLIERS_ENV.TIME_ZONE];
  const runId = runIdFor(request.month, executionName);
  const url = `${env[TRIP_OUTLIERS_ENV.SOURCE_BASE_URL].replace(/\/+$/, '')}/${tripFileName(request.month)}`;
  const key = rawKey(request.month);
  const keys = reportKeys(request.month, runId);
  const schemaKey = keys.json.replace(/report\.json$/, 'schema-check.json');
  const saveSchema = (schema: SchemaReport) =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: schemaKey,
        Body: JSON.stringify({ source: url, ...schema }, null, 2),
        ContentType: 'application/json',
      }),
    );

  let result;
  try {
    result = await ingestFile(
      url,
      { head: (u) => headSource(u), footer: (h) => sourceFooter(h), ...s3RawStore(s3, { bucket, key }) },
      MAX_SINGLE_PUT_BYTES,
    );
  } catch (error) {
    if (error instanceof SchemaMismatchError) {
      metrics.addMetric(TRIP_OUTLIERS_METRICS.SCHEMA_REJECTED, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      await saveSchema(error.report);
      logger.error('Schema check failed', { url, problems: error.message, report: `s3://${bucket}/${schemaKey}` });
    }
    throw error;
  }
  await saveSchema(result.schema);
  if (result.copied) {
    metrics.addMetric(TRIP_OUTLIERS_METRICS.BYTES_INGESTED, MetricUnit.Bytes, result.bytes);
    metrics.publishStoredMetrics();
  }
  logger.info('Ingested', { url, key, bytes: result.bytes, rows: result.rows, copied: result.copied, runId });

  const plan = athenaRunPlan({
    runId,
    year: request.year,
    month: request.monthOfYear,
    tablesLocation: `s3://${bucket}/tables`,
    bounds: request.bounds,
    timeZone,
  });
  return {
    runId,
    month: request.month,
    source: url,
    raw: { bucket, key, bytes: result.bytes, rows: result.rows, copied: result.copied },
    bounds: request.bounds,
    timeZone,
    missingColumns: result.schema.missing,
    report: { bucket, htmlKey: keys.html, jsonKey: keys.json, schemaKey },
    queries: {
      normalize: plan.queries.normalize,
      profile: plan.queries.profile,
      flag: plan.queries.flag,
      clean: plan.queries.clean,
    },
    summaryQueries: [plan.queries.summary, plan.queries['outliers-by-day'], plan.queries['duration-histogram']],
    views: plan.views,
  };
};
