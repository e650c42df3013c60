import {
  Aws,
  Duration,
  type aws_lambda as lambda,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { TRIP_STATES } from '../../../lambdas/trip-outliers/contract';

/** Options of {@link buildTripOutliersDefinition}. */
export interface TripOutliersDefinitionOptions {
  /** `lambdas/trip-outliers/ingest.ts`. */
  readonly ingestFunction: lambda.IFunction;
  /** `lambdas/trip-outliers/report.ts`. */
  readonly reportFunction: lambda.IFunction;
  /** The Athena workgroup the queries run in (its settings are enforced). */
  readonly workGroupName: string;
  /** The Glue database of the tables. */
  readonly databaseName: string;
  /** Longest a single query may run. */
  readonly queryTimeout: Duration;
}

/** Athena errors worth retrying (Step Functions names service errors `Athena.<Name>`). */
const ATHENA_TRANSIENT = ['Athena.TooManyRequestsException', 'Athena.InternalServerException'];
/** Handler errors worth retrying: source 5xx or network, S3 throttling, Lambda's own transient errors. */
const LAMBDA_TRANSIENT = [
  'RetryableError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'SlowDown',
  'InternalError',
];

/**
 * The trip-outlier run as a JSONPath state machine (so the synthesized definition runs in aws-local-stepfunctions):
 * Ingest (Lambda: schema check, streamed copy, query plan) → Normalize (CTAS) → Profile → Flag (CTAS) → Clean (CTAS)
 * → Summarize (inline Map of three queries) → Report (Lambda: reads the result files from S3, writes the HTML report)
 * → PublishViews (the views switch to this run's tables) → the summary.
 *
 * Athena runs through the optimized `startQueryExecution.sync` integration as plain ASL (`CustomState`), so the state
 * machine gets only the IAM the construct grants (the CDK Athena task would add wildcard S3, Glue and Lake Formation
 * grants). Every failure ends in a named Fail state whose cause says why.
 *
 * Execution input: `{"month": "YYYY-MM", "maxDurationSeconds"?: n, "maxSpeedMph"?: n}`.
 */
export function buildTripOutliersDefinition(scope: Construct, options: TripOutliersDefinitionOptions): sfn.IChainable {
  const fail = (id: string, error: string, cause: string): sfn.IChainable =>
    new sfn.Pass(scope, `Explain${id}`, {
      comment: `Words the cause of ${error}`,
      parameters: { 'cause.$': cause },
      resultPath: '$.failure',
    }).next(new sfn.Fail(scope, id, { error, causePath: '$.failure.cause' }));
  // A Lambda error's Cause is JSON: {"errorType", "errorMessage", "trace"}; the message is what people need.
  const lambdaFailure = (id: string, error: string): sfn.IChainable =>
    new sfn.Pass(scope, `Explain${id}`, {
      comment: `Reads the handler's message for ${error}`,
      parameters: { 'lambdaError.$': 'States.StringToJson($.error.Cause)' },
      resultPath: '$.failure',
    }).next(new sfn.Fail(scope, id, { error, causePath: '$.failure.lambdaError.errorMessage' }));
  const queryFailed = (step: string) =>
    fail(
      `${step}Failed`,
      'QueryFailed',
      `States.Format('The ${step} query failed ({}): {}', $.error.Error, $.error.Cause)`,
    );

  const athena = (id: string, comment: string, query: string, resultPath: string | null) =>
    new sfn.CustomState(scope, id, {
      stateJson: {
        Type: 'Task',
        Comment: comment,
        Resource: `arn:${Aws.PARTITION}:states:::athena:startQueryExecution.sync`,
        Parameters: {
          'QueryString.$': `${query}.queryString`,
          'ClientRequestToken.$': `${query}.clientRequestToken`,
          WorkGroup: options.workGroupName,
          QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: options.databaseName },
        },
        // Keep only where the result is and what it cost; never the rows (payload limit 256 KiB).
        ResultSelector: {
          'queryExecutionId.$': '$.QueryExecution.QueryExecutionId',
          'outputLocation.$': '$.QueryExecution.ResultConfiguration.OutputLocation',
          'dataScannedInBytes.$': '$.QueryExecution.Statistics.DataScannedInBytes',
        },
        ResultPath: resultPath,
        TimeoutSeconds: options.queryTimeout.toSeconds(),
      },
    }).addRetry({ errors: ATHENA_TRANSIENT, interval: Duration.seconds(5), maxAttempts: 5, backoffRate: 2 });

  const start = new sfn.Pass(scope, 'Start', {
    comment: 'Keep the request',
    parameters: { 'request.$': '$' },
  });

  const ingest = new tasks.LambdaInvoke(scope, TRIP_STATES.INGEST, {
    comment: 'Check the published file against the table, copy it into raw/, plan the queries',
    lambdaFunction: options.ingestFunction,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    payload: sfn.TaskInput.fromObject({ 'request.$': '$.request', 'executionName.$': '$$.Execution.Name' }),
    resultPath: '$.run',
  });
  ingest.addRetry({ errors: LAMBDA_TRANSIENT, interval: Duration.seconds(10), maxAttempts: 4, backoffRate: 2 });
  ingest.addCatch(lambdaFailure('InvalidRequest', 'InvalidRequest'), {
    errors: ['ValidationError'],
    resultPath: '$.error',
  });
  ingest.addCatch(lambdaFailure('SchemaMismatch', 'SchemaMismatch'), {
    errors: ['SchemaMismatchError'],
    resultPath: '$.error',
  });
  ingest.addCatch(lambdaFailure('MonthNotPublished', 'MonthNotPublished'), {
    errors: ['SourceNotFoundError'],
    resultPath: '$.error',
  });
  ingest.addCatch(fail('IngestFailed', 'IngestFailed', "States.Format('{}: {}', $.error.Error, $.error.Cause)"), {
    resultPath: '$.error',
  });

  const normalize = athena(
    TRIP_STATES.NORMALIZE,
    'CTAS into a new location: one name and the widest type per column, elapsed duration and speed',
    '$.run.queries.normalize',
    '$.results.normalize',
  );
  const profile = athena(
    TRIP_STATES.PROFILE,
    'Counts and percentiles of duration, distance, speed and fare (one row)',
    '$.run.queries.profile',
    '$.results.profile',
  );
  const flag = athena(
    TRIP_STATES.FLAG,
    'CTAS: every trip with its outlier reason',
    '$.run.queries.flag',
    '$.results.flag',
  );
  const clean = athena(TRIP_STATES.CLEAN, 'CTAS: the trips without a reason', '$.run.queries.clean', '$.results.clean');
  for (const [state, step] of [
    [normalize, 'normalize'],
    [profile, 'profile'],
    [flag, 'flag'],
    [clean, 'clean'],
  ] as const) {
    state.addCatch(queryFailed(step), { resultPath: '$.error' });
  }

  const summarize = new sfn.Map(scope, 'Summarize', {
    comment: 'The summary, outliers by day and the duration histogram, side by side',
    itemsPath: '$.run.summaryQueries',
    maxConcurrency: 3,
    resultPath: '$.summaries',
  });
  summarize.itemProcessor(
    athena(TRIP_STATES.SUMMARIZE_QUERY, 'One summary query; its result file stays in S3', '$', '$.result'),
  );
  summarize.addCatch(queryFailed('summary'), { resultPath: '$.error' });

  const report = new tasks.LambdaInvoke(scope, TRIP_STATES.REPORT, {
    comment: 'Read the result files from S3, write report.json and report.html',
    lambdaFunction: options.reportFunction,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    payload: sfn.TaskInput.fromObject({
      'run.$': '$.run',
      'profile.$': '$.results.profile',
      'summaries.$': '$.summaries',
    }),
    resultPath: '$.report',
  });
  report.addRetry({ errors: LAMBDA_TRANSIENT, interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });
  report.addCatch(fail('ReportFailed', 'ReportFailed', "States.Format('{}: {}', $.error.Error, $.error.Cause)"), {
    resultPath: '$.error',
  });

  const publish = new sfn.Map(scope, 'PublishViews', {
    comment: 'Point trips_normalized, trips_flagged and trips_cleaned at this run, one after the other',
    itemsPath: '$.run.views',
    maxConcurrency: 1,
    resultPath: sfn.JsonPath.DISCARD,
  });
  publish.itemProcessor(athena(TRIP_STATES.PUBLISH_VIEW, 'CREATE OR REPLACE VIEW', '$', null));
  publish.addCatch(queryFailed('view'), { resultPath: '$.error' });

  const done = new sfn.Pass(scope, 'Done', { comment: 'The summary and where the report is', outputPath: '$.report' });

  return start
    .next(ingest)
    .next(normalize)
    .next(profile)
    .next(flag)
    .next(clean)
    .next(summarize)
    .next(report)
    .next(publish)
    .next(done)
    .next(new sfn.Succeed(scope, 'RunDone'));
}
