/**
 * Names the construct, the handlers and the CLI share: environment variables, S3 layout, state names, stack outputs
 * and the public source of the trip records.
 */

/** Environment variables of the trip-outlier functions. */
export const TRIP_OUTLIERS_ENV = {
  /** The data bucket (raw files, run tables, query results, reports). */
  DATA_BUCKET: 'TRIP_DATA_BUCKET',
  /** Base URL of the public trip files (`<base>/yellow_tripdata_YYYY-MM.parquet`). */
  SOURCE_BASE_URL: 'TRIP_SOURCE_BASE_URL',
  /** Default bounds of the rules (seconds, miles per hour). */
  MAX_DURATION_SECONDS: 'TRIP_MAX_DURATION_SECONDS',
  MAX_SPEED_MPH: 'TRIP_MAX_SPEED_MPH',
  /** IANA zone of the local timestamps. */
  TIME_ZONE: 'TRIP_TIME_ZONE',
} as const;

/** Where the public TLC trip files are served. */
export const TLC_BASE_URL = 'https://d37ci6vzurychx.cloudfront.net/trip-data';

/** File name of one month of yellow-taxi trips. */
export function tripFileName(month: string): string {
  return `yellow_tripdata_${month}.parquet`;
}

/** A month `YYYY-MM` from 2009-01 on. */
export const MONTH_PATTERN = /^(20\d{2})-(0[1-9]|1[0-2])$/;

/** Key prefixes in the data bucket. */
export const DATA_PREFIXES = {
  /** `raw/year=YYYY/month=MM/<file>`: the files as published (the raw table's location). */
  RAW: 'raw/',
  /** `tables/<step>/<runId>/`: each run's CTAS output. */
  TABLES: 'tables/',
  /** Athena query results (the workgroup's output location). */
  RESULTS: 'athena-results/',
  /** `reports/<month>/<runId>/report.html|report.json`. */
  REPORTS: 'reports/',
} as const;

/** Key of a month's raw file. */
export function rawKey(month: string): string {
  const [year, mm] = month.split('-');
  return `${DATA_PREFIXES.RAW}year=${year}/month=${mm}/${tripFileName(month)}`;
}

/** Keys of a run's report files. */
export function reportKeys(month: string, runId: string): { html: string; json: string } {
  const base = `${DATA_PREFIXES.REPORTS}${month}/${runId}`;
  return { html: `${base}/report.html`, json: `${base}/report.json` };
}

/** Name of the raw table, the views and the database defaults. */
export const RAW_TABLE_NAME = 'trips_raw';

/** Outputs of the trip-outliers stack (read by `mlw trips`). */
export const TRIP_OUTLIERS_OUTPUTS = {
  STATE_MACHINE_ARN: 'StateMachineArn',
  DATA_BUCKET: 'DataBucketName',
  DATABASE: 'DatabaseName',
  WORKGROUP: 'WorkGroupName',
} as const;

/** State names tests answer with mocked services. */
export const TRIP_STATES = {
  INGEST: 'Ingest',
  NORMALIZE: 'Normalize',
  PROFILE: 'Profile',
  FLAG: 'Flag',
  CLEAN: 'Clean',
  SUMMARIZE_QUERY: 'RunSummaryQuery',
  REPORT: 'Report',
  PUBLISH_VIEW: 'PublishView',
} as const;

/**
 * Powertools service names of the trip-outlier functions: `POWERTOOLS_SERVICE_NAME` of each, and the `service`
 * dimension of every metric it publishes.
 */
export const TRIP_OUTLIERS_SERVICE = {
  /** The ingest function (`ingest.ts`). */
  INGEST: 'trip-outliers-ingest',
  /** The report function (`report.ts`). */
  REPORT: 'trip-outliers-report',
} as const;

/** Metric names of the trip-outlier functions (namespace `MlWorkflows`, dimension `service`). */
export const TRIP_OUTLIERS_METRICS = {
  /** Bytes copied from the public source into the bucket. */
  BYTES_INGESTED: 'TripBytesIngested',
  /** Files rejected by the schema check. */
  SCHEMA_REJECTED: 'TripFilesSchemaRejected',
  /** Trips analyzed and outliers found by a run. */
  TRIPS: 'TripsAnalyzed',
  OUTLIERS: 'TripOutliers',
} as const;

/** Largest object a single `PutObject` accepts (5 GiB, Amazon S3 User Guide, "Uploading objects"). */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
