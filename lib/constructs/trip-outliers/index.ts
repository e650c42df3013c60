import {
  Duration,
  Size,
  Stack,
  type aws_athena as athena,
  aws_cloudwatch as cloudwatch,
  type aws_glue as glue,
  aws_iam as iam,
  type aws_sns as sns,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  type OutlierBounds,
  BOUND_LIMITS,
  DATA_PREFIXES,
  DEFAULT_BOUNDS,
  DEFAULT_TIME_ZONE,
  TLC_BASE_URL,
  TRIP_OUTLIERS_ENV,
  TRIP_OUTLIERS_SERVICE,
  TRIP_OUTLIERS_METRICS,
} from '../../../lambdas/trip-outliers/contract';
import { ConstructValidationError, validatePattern, validateRange } from '../../shared/errors';
import { grantObjects, nagResourceName } from '../../shared/grants';
import { HandlerFunction } from '../../shared/handler-function';
import { WorkflowLogGroup } from '../../shared/logs';
import { serviceMetrics } from '../../shared/metrics';
import { acknowledge } from '../../shared/nag';
import { WorkflowOperations } from '../../shared/operations';
import { lambdaEntry } from '../../shared/paths';
import { SecureBucket } from '../../shared/secure-bucket';
import { createNamedQueries, createTripCatalog, createWorkGroup } from './catalog';
import { buildTripOutliersDefinition } from './state-machine';

/** Athena's smallest per-query data usage limit (10 MB; Athena User Guide, "Setting data usage control limits"). */
export const MIN_BYTES_SCANNED_CUTOFF = Size.mebibytes(10);

/** Props of {@link TripOutlierAnalysis}. */
export interface TripOutlierAnalysisProps {
  /**
   * Glue database name (lower-case letters, digits, underscores).
   * @default the stack name in lower case with `_` for `-` (`mlw_tripoutliers`)
   */
  readonly databaseName?: string;
  /**
   * Athena workgroup name.
   * @default the stack name
   */
  readonly workGroupName?: string;
  /**
   * Athena cancels a query that scans more (at least 10 MiB).
   * @default Size.gibibytes(10)
   */
  readonly bytesScannedCutoffPerQuery?: Size;
  /**
   * Bounds of the duration and speed rules; an execution may override them.
   * @default one day, 100 mph
   */
  readonly bounds?: Partial<OutlierBounds>;
  /**
   * IANA zone of the trip timestamps.
   * @default America/New_York
   */
  readonly timeZone?: string;
  /**
   * Where the monthly files are published (`<url>/yellow_tripdata_YYYY-MM.parquet`), https.
   * @default the TLC distribution, https://d37ci6vzurychx.cloudfront.net/trip-data
   */
  readonly sourceBaseUrl?: string;
  /**
   * How long Athena query results are kept.
   * @default Duration.days(30)
   */
  readonly queryResultsRetention?: Duration;
  /**
   * Longest a single query may run before the state machine stops waiting.
   * @default Duration.hours(1)
   */
  readonly queryTimeout?: Duration;
  /**
   * Topic for the workflow's alarms.
   * @default a new topic
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Trip outlier analysis of NYC TLC trip records at data-lake scale: a data bucket, a Glue database with the declared
 * raw table (partition projection, widest types, every spelling), an Athena workgroup with enforced settings,
 * encrypted results and a bytes-scanned cutoff, one saved query per step, and a state machine that ingests a month,
 * runs the same SQL as `mlw trips analyze` in Athena and writes the same HTML report to S3.
 */
export class TripOutlierAnalysis extends Construct {
  /** Raw files, run tables, query results and reports. */
  public readonly dataBucket: SecureBucket;
  /** The Glue database. */
  public readonly database: glue.CfnDatabase;
  /** The declared raw table `trips_raw`. */
  public readonly rawTable: glue.CfnTable;
  /** The Athena workgroup. */
  public readonly workGroup: athena.CfnWorkGroup;
  /** One saved query per step. */
  public readonly namedQueries: athena.CfnNamedQuery[];
  /** Checks and copies a month, plans the queries. */
  public readonly ingestFunction: HandlerFunction;
  /** Writes the report from the result files. */
  public readonly reportFunction: HandlerFunction;
  /** The run (input `{"month": "YYYY-MM"}`). */
  public readonly stateMachine: sfn.StateMachine;
  /** Dashboard and alarms. */
  public readonly operations: WorkflowOperations;
  /** The names in use. */
  public readonly databaseName: string;
  public readonly workGroupName: string;

  constructor(scope: Construct, id: string, props: TripOutlierAnalysisProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.databaseName ?? stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.workGroupName = props.workGroupName ?? stack.stackName;
    const bounds: OutlierBounds = { ...DEFAULT_BOUNDS, ...props.bounds };
    const timeZone = props.timeZone ?? DEFAULT_TIME_ZONE;
    const cutoff = props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10);
    validatePattern(
      this,
      'databaseName',
      this.databaseName,
      /^[a-z][a-z0-9_]{0,127}$/,
      'use lower-case letters, digits and underscores, starting with a letter',
    );
    validatePattern(
      this,
      'workGroupName',
      this.workGroupName,
      /^[A-Za-z0-9._-]{1,128}$/,
      'use 1–128 letters, digits, periods, underscores and hyphens',
    );
    validateRange(
      this,
      'bounds.maxDurationSeconds',
      bounds.maxDurationSeconds,
      BOUND_LIMITS.maxDurationSeconds.min,
      BOUND_LIMITS.maxDurationSeconds.max,
      ' seconds',
    );
    validateRange(
      this,
      'bounds.maxSpeedMph',
      bounds.maxSpeedMph,
      BOUND_LIMITS.maxSpeedMph.min,
      BOUND_LIMITS.maxSpeedMph.max,
      ' mph',
    );
    if (cutoff.toBytes() < MIN_BYTES_SCANNED_CUTOFF.toBytes()) {
      throw new ConstructValidationError(
        this,
        'bytesScannedCutoffPerQuery',
        cutoff,
        "must be at least 10 MiB (Athena's minimum)",
      );
    }
    validatePattern(
      this,
      'sourceBaseUrl',
      props.sourceBaseUrl,
      /^https:\/\/[^\s/]+(\/\S*)?$/,
      'must be an https:// URL',
    );
    validatePattern(
      this,
      'timeZone',
      timeZone,
      /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/,
      'must be an IANA time zone such as America/New_York',
    );
    const queryTimeout = props.queryTimeout ?? Duration.hours(1);
    validateRange(this, 'queryTimeout', queryTimeout.toSeconds(), 60, 86_400, ' seconds');

    this.dataBucket = new SecureBucket(this, 'DataBucket');
    this.dataBucket.addLifecycleRule({
      id: 'expire-query-results',
      prefix: DATA_PREFIXES.RESULTS,
      expiration: props.queryResultsRetention ?? Duration.days(30),
    });
    const { database, rawTable } = createTripCatalog(this, this.dataBucket, this.databaseName);
    this.database = database;
    this.rawTable = rawTable;
    this.workGroup = createWorkGroup(this, {
      name: this.workGroupName,
      bucket: this.dataBucket,
      bytesScannedCutoffPerQuery: cutoff,
    });
    this.namedQueries = createNamedQueries(this, this.workGroup, database, this.databaseName, bounds, timeZone);

    this.ingestFunction = new HandlerFunction(this, 'IngestFunction', {
      entry: lambdaEntry('trip-outliers/ingest.ts'),
      invocation: 'step-functions',
      serviceName: TRIP_OUTLIERS_SERVICE.INGEST,
      description: 'Trip outliers: checks a month against the table, streams it into the bucket, plans the queries',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: {
        [TRIP_OUTLIERS_ENV.SOURCE_BASE_URL]: props.sourceBaseUrl ?? TLC_BASE_URL,
        [TRIP_OUTLIERS_ENV.MAX_DURATION_SECONDS]: String(bounds.maxDurationSeconds),
        [TRIP_OUTLIERS_ENV.MAX_SPEED_MPH]: String(bounds.maxSpeedMph),
        [TRIP_OUTLIERS_ENV.TIME_ZONE]: timeZone,
      },
    }).bind(TRIP_OUTLIERS_ENV.DATA_BUCKET, this.dataBucket.bucketName, (g) => {
      grantObjects(this.dataBucket, g, 'readWrite', `${DATA_PREFIXES.RAW}*`, true);
      grantObjects(this.dataBucket, g, 'write', `${DATA_PREFIXES.REPORTS}*`);
    });
    this.reportFunction = new HandlerFunction(this, 'ReportFunction', {
      entry: lambdaEntry('trip-outliers/report.ts'),
      invocation: 'step-functions',
      serviceName: TRIP_OUTLIERS_SERVICE.REPORT,
      description: 'Trip outliers: reads the query results and writes the HTML report',
      memorySize: 1024,
      timeout: Duration.minutes(2),
      // vega-canvas tries the optional `canvas` package; it is one of the house's optionalExternals (SVG without it).
    });
    grantObjects(this.dataBucket, this.reportFunction, 'read', `${DATA_PREFIXES.RESULTS}*`);
    grantObjects(this.dataBucket, this.reportFunction, 'write', `${DATA_PREFIXES.REPORTS}*`);

    const logGroup = new WorkflowLogGroup(this, 'StateMachineLogs');
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Trip outliers: ingest a month, run the analysis in Athena, write the report',
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildTripOutliersDefinition(this, {
          ingestFunction: this.ingestFunction,
          reportFunction: this.reportFunction,
          workGroupName: this.workGroupName,
          databaseName: this.databaseName,
          queryTimeout,
        }),
      ),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.grantAthena(this.stateMachine.role);

    this.operations = new WorkflowOperations(this, 'Operations', {
      title: 'Trip outlier analysis',
      alarmTopic: props.alarmTopic,
    });
    this.operations.addStateMachine('TripRun', this.stateMachine);
    this.operations.addFunction('Ingest', this.ingestFunction);
    this.operations.addFunction('Report', this.reportFunction);
    const ingested = serviceMetrics(this.ingestFunction, TRIP_OUTLIERS_METRICS, { period: Duration.days(1) });
    const reported = serviceMetrics(this.reportFunction, TRIP_OUTLIERS_METRICS, { period: Duration.days(1) });
    this.operations.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Trips and outliers per day',
        left: [
          reported(TRIP_OUTLIERS_METRICS.TRIPS, { label: 'trips' }),
          reported(TRIP_OUTLIERS_METRICS.OUTLIERS, { label: 'outliers' }),
        ],
        right: [ingested(TRIP_OUTLIERS_METRICS.SCHEMA_REJECTED, { label: 'files rejected by the schema check' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Athena: bytes scanned per query (the cutoff cancels above it)',
        left: [
          new cloudwatch.Metric({
            namespace: 'AWS/Athena',
            metricName: 'ProcessedBytes',
            dimensionsMap: { WorkGroup: this.workGroupName },
            statistic: 'Maximum',
            period: Duration.hours(1),
            label: 'max bytes scanned',
          }),
        ],
        leftAnnotations: [{ value: cutoff.toBytes(), label: 'cutoff' }],
        width: 12,
      }),
    );
  }

  /**
   * What Athena needs of the caller: it reads the catalog and the data, and writes results and run tables, with the
   * state machine's own credentials. Scoped to this workgroup, this database and this bucket's prefixes.
   */
  private grantAthena(role: iam.IRole): void {
    const stack = Stack.of(this);
    const workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workGroupName,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
        resources: [workGroupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['athena:GetDataCatalog'],
        resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
      }),
    );
    const tablesArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:CreateTable',
          'glue:UpdateTable',
        ],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
          tablesArn,
        ],
      }),
    );
    grantObjects(this.dataBucket, role, 'read', `${DATA_PREFIXES.RAW}*`);
    grantObjects(this.dataBucket, role, 'readWrite', `${DATA_PREFIXES.TABLES}*`);
    grantObjects(this.dataBucket, role, 'readWrite', `${DATA_PREFIXES.RESULTS}*`);
    const objects = [DATA_PREFIXES.TABLES, DATA_PREFIXES.RESULTS].map((p) => this.dataBucket.arnForObjects(`${p}*`));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: objects,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Athena lists the table locations (raw partitions, the emptiness check of a CTAS location) and multipart uploads.
        actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        resources: [this.dataBucket.bucketArn],
      }),
    );
    acknowledge(
      role,
      `Each run creates its own tables (normalized_<run>, flagged_<run>, cleaned_<run>) and replaces the views: Glue table actions are limited to the tables of database ${this.databaseName}.`,
      `AwsSolutions-IAM5[Resource::${nagResourceName(this, tablesArn)}]`,
    );
    acknowledge(
      role,
      "Step Functions invokes the ingest and report functions by their ARN and any version (CDK grant `<arn>:*`); both are this construct's own.",
      ...[this.ingestFunction, this.reportFunction].map(
        (fn) => `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
      ),
    );
    acknowledge(
      role,
      'X-Ray tracing and CloudWatch Logs delivery (PutTraceSegments, logs:CreateLogDelivery and related) support no resource-level permissions.',
      'AwsSolutions-IAM5[Resource::*]',
    );
  }
}
