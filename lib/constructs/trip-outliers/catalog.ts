import { Aws, type Size, aws_athena as athena, aws_glue as glue, type aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  type OutlierBounds,
  DATA_PREFIXES,
  DIALECTS,
  LATEST,
  RAW_COLUMNS,
  RAW_PARTITION_KEYS,
  RAW_TABLE_NAME,
  STEPS,
  TRIP_COLUMNS,
  rawTableProperties,
  stepSelects,
} from '../../../lambdas/trip-outliers/contract';

/** Hive classes of a Parquet table (what Athena's `STORED AS PARQUET` sets). */
export const PARQUET_FORMAT = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;

/** The Athena engine the SQL is written for (Trino functions such as `with_timezone`, `approx_percentile`). */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/**
 * The Glue database and the declared raw table: every spelling of every trip column in its widest type, partitioned
 * by `year`/`month` with partition projection (no crawler, no partition metadata: Athena computes the partitions).
 */
export function createTripCatalog(
  scope: Construct,
  bucket: s3.IBucket,
  databaseName: string,
): { database: glue.CfnDatabase; rawTable: glue.CfnTable } {
  const database = new glue.CfnDatabase(scope, 'Database', {
    catalogId: Aws.ACCOUNT_ID,
    databaseInput: {
      name: databaseName,
      description:
        'ml-workflows trip outlier analysis: raw trips, run tables (normalized_, flagged_, cleaned_) and views',
    },
  });
  const location = `s3://${bucket.bucketName}/${DATA_PREFIXES.RAW}`;
  const comments = new Map(TRIP_COLUMNS.map((c) => [c.name, c.description]));
  const rawTable = new glue.CfnTable(scope, 'RawTable', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName,
    tableInput: {
      name: RAW_TABLE_NAME,
      description: 'NYC TLC yellow-taxi trips as published (Parquet), one folder per month; see docs/trip-outliers.md',
      tableType: 'EXTERNAL_TABLE',
      parameters: { EXTERNAL: 'TRUE', ...rawTableProperties(location) },
      partitionKeys: RAW_PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
      storageDescriptor: {
        location,
        inputFormat: PARQUET_FORMAT.inputFormat,
        outputFormat: PARQUET_FORMAT.outputFormat,
        serdeInfo: {
          serializationLibrary: PARQUET_FORMAT.serializationLibrary,
          parameters: { 'serialization.format': '1' },
        },
        columns: RAW_COLUMNS.map((c) => ({
          name: c.name,
          type: c.type,
          comment: c.name === c.tripColumn ? comments.get(c.tripColumn) : `spelling of ${c.tripColumn}`,
        })),
      },
    },
  });
  rawTable.node.addDependency(database);
  return { database, rawTable };
}

/** Options of {@link createWorkGroup}. */
export interface WorkGroupOptions {
  readonly name: string;
  readonly bucket: s3.IBucket;
  readonly bytesScannedCutoffPerQuery: Size;
}

/**
 * The Athena workgroup: its settings are enforced (a query cannot choose another result location or turn encryption
 * off), results are encrypted (SSE-S3) in the data bucket, each query is cancelled past the bytes-scanned cutoff, and
 * CloudWatch receives the workgroup's metrics (bytes scanned per query).
 */
export function createWorkGroup(scope: Construct, options: WorkGroupOptions): athena.CfnWorkGroup {
  return new athena.CfnWorkGroup(scope, 'WorkGroup', {
    name: options.name,
    description: 'ml-workflows trip outlier analysis',
    state: 'ENABLED',
    // The workgroup holds only this workflow's saved queries; deleting the stack deletes them with it.
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: options.bytesScannedCutoffPerQuery.toBytes(),
      requesterPaysEnabled: false,
      engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
      resultConfiguration: {
        outputLocation: `s3://${options.bucket.bucketName}/${DATA_PREFIXES.RESULTS}`,
        encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        expectedBucketOwner: Aws.ACCOUNT_ID,
      },
    },
  });
}

/**
 * One saved query per step, for people in the Athena console: each runs against the views of the latest run (the
 * normalize query against the raw table, with `?` parameters for the year and the month).
 */
export function createNamedQueries(
  scope: Construct,
  workGroup: athena.CfnWorkGroup,
  database: glue.CfnDatabase,
  databaseName: string,
  bounds: OutlierBounds,
  timeZone: string,
): athena.CfnNamedQuery[] {
  const selects = stepSelects(DIALECTS.athena, LATEST, { bounds, timeZone, rawFilter: 'year = ? AND month = ?' });
  return STEPS.map((step, index) => {
    const query = new athena.CfnNamedQuery(
      scope,
      `Query${step.replace(/(^|-)([a-z])/g, (_, _d, c: string) => c.toUpperCase())}`,
      {
        name: `trip-outliers ${index + 1} ${step}`,
        description: `Step ${index + 1} of the trip outlier analysis (${step}); docs/trip-outliers.md`,
        database: databaseName,
        workGroup: workGroup.name,
        queryString: selects[step],
      },
    );
    query.node.addDependency(workGroup);
    query.node.addDependency(database);
    return query;
  });
}
