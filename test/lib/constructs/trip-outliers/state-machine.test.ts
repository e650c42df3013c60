import { rmSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { analyzeLocally } from '../../../../lambdas/trip-outliers/adapters/duckdb';
import { type ResultStep, TRIP_STATES } from '../../../../lambdas/trip-outliers/contract';
import { type handler as ingestHandler } from '../../../../lambdas/trip-outliers/ingest';
import { type handler as reportHandler } from '../../../../lambdas/trip-outliers/report';
import { realApp, stackOf } from '../../../helpers/app';
import { localS3Client, useLocalServices } from '../../../helpers/local-services';
import { ExecutionFailed, runStateMachine, synthesizedDefinition } from '../../../helpers/state-machine';
import { athenaStyleResults } from '../../../helpers/trip-outliers-athena-results';
import { serviceError } from '../../../helpers/fake-ground-truth';
import { writeFixtures } from '../../../helpers/trip-outliers-fixtures';
import { type FakeTlc, startFakeTlc, tripFunctionEnv } from '../../../helpers/fake-tlc';

const BUCKET = 'trip-run-test';
const stack = stackOf(realApp(), 'Mlw-TripOutliers');
const definition = synthesizedDefinition(stack, 'Analysis');

/** A recorded `StartQueryExecution` (the state's Parameters). */
interface AthenaCall {
  readonly QueryString: string;
  readonly ClientRequestToken: string;
  readonly WorkGroup: string;
  readonly QueryExecutionContext: { Catalog: string; Database: string };
}

/** Which step a query is, from its text. */
function stepOf(sql: string): string {
  const first = sql.split('\n')[0]!;
  if (first.startsWith('CREATE TABLE normalized_')) return 'normalize';
  if (first.startsWith('CREATE TABLE flagged_')) return 'flag';
  if (first.startsWith('CREATE TABLE cleaned_')) return 'clean';
  if (first.startsWith('CREATE OR REPLACE VIEW')) return `view ${first.split(' ')[4]}`;
  if (sql.includes('AS missing_timestamps')) return 'profile';
  if (sql.includes('AS cleaned_trips')) return 'summary';
  if (sql.includes('AS reason')) return 'outliers-by-day';
  if (sql.includes('AS before_cleaning')) return 'duration-histogram';
  return `unknown: ${first}`;
}

/** A Lambda as Step Functions sees it: a thrown error becomes Error = errorType, Cause = the JSON Lambda reports. */
function asLambda<T>(fn: (event: unknown) => Promise<T>) {
  return async (event: unknown): Promise<T> => {
    try {
      return await fn(event);
    } catch (error) {
      const e = error as Error;
      throw serviceError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }));
    }
  };
}

describe('the synthesized trip-outliers state machine (aws-local-stepfunctions, fake TLC, s3rver, mocked Athena)', () => {
  const services = useLocalServices('s3');
  let dir: string;
  let files: Record<string, string>;
  let tlc: FakeTlc;
  let ingest: typeof ingestHandler;
  let report: typeof reportHandler;
  let results: Record<ResultStep, string>;
  let calls: AthenaCall[];
  let payloads: number[];

  beforeAll(async () => {
    ({ dir, files } = await writeFixtures());
    tlc = await startFakeTlc({
      'yellow_tripdata_2024-11.parquet': files['2024']!,
      'yellow_tripdata_2024-12.parquet': files.retyped!,
    });
    Object.assign(process.env, tripFunctionEnv(services.s3.endpoint, BUCKET, tlc));
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Athena's answers: the result files of the same SQL run in DuckDB, where Athena would write them.
    results = await athenaStyleResults([files['2024']!], dir);
    for (const [step, body] of Object.entries(results)) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `athena-results/${step}.csv`, Body: body }));
    }
    ({ handler: ingest } = await import('../../../../lambdas/trip-outliers/ingest'));
    ({ handler: report } = await import('../../../../lambdas/trip-outliers/report'));
  });

  afterAll(async () => {
    await tlc.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const key of Object.keys(tripFunctionEnv('', BUCKET, tlc))) delete process.env[key];
  });

  beforeEach(() => {
    calls = [];
    payloads = [];
  });

  /** Athena `startQueryExecution.sync`: record the call, answer with the finished query and its result file. */
  const athena = (fail?: (call: AthenaCall, attempt: number) => Error | undefined) => async (input: AthenaCall) => {
    calls.push(input);
    payloads.push(JSON.stringify(input).length);
    const step = stepOf(input.QueryString);
    const error = fail?.(input, calls.filter((c) => c.ClientRequestToken === input.ClientRequestToken).length);
    if (error) throw error;
    const id = `q-${calls.length}-${step.replace(/\W/g, '')}`;
    const outputLocation =
      step in results ? `s3://${BUCKET}/athena-results/${step}.csv` : `s3://${BUCKET}/athena-results/${id}.txt`;
    return {
      QueryExecution: {
        QueryExecutionId: id,
        Query: input.QueryString,
        ResultConfiguration: { OutputLocation: outputLocation },
        Statistics: { DataScannedInBytes: 1234 },
        Status: { State: 'SUCCEEDED' },
        WorkGroup: input.WorkGroup,
      },
    };
  };

  async function run(input: unknown, fail?: (call: AthenaCall, attempt: number) => Error | undefined) {
    const sized =
      <T>(fn: (event: unknown) => Promise<T>) =>
      async (event: unknown) => {
        payloads.push(JSON.stringify(event).length);
        return fn(event);
      };
    return runStateMachine(
      definition,
      input,
      {
        taskResourceLocalHandlers: {
          [TRIP_STATES.INGEST]: sized(asLambda(ingest)),
          [TRIP_STATES.REPORT]: sized(asLambda(report)),
          [TRIP_STATES.NORMALIZE]: athena(fail),
          [TRIP_STATES.PROFILE]: athena(fail),
          [TRIP_STATES.FLAG]: athena(fail),
          [TRIP_STATES.CLEAN]: athena(fail),
          [TRIP_STATES.SUMMARIZE_QUERY]: athena(fail),
          [TRIP_STATES.PUBLISH_VIEW]: athena(fail),
        } as never,
      },
      { Execution: { Name: 'trips-2024-11-manual' } },
    );
  }

  async function failure(input: unknown, fail?: (call: AthenaCall, attempt: number) => Error | undefined) {
    const error = await run(input, fail).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutionFailed);
    return error as ExecutionFailed;
  }

  it('runs a month end to end: ingest, four steps, three summaries, the report, then the views', async () => {
    const output = (await run({ month: '2024-11' })) as {
      runId: string;
      summary: unknown;
      report: { html: string; json: string };
    };
    const local = await analyzeLocally({ files: [files['2024']!] });
    expect(output).toEqual({
      runId: expect.stringMatching(/^2024_11_[0-9a-f]{12}$/) as unknown,
      month: '2024-11',
      summary: local.report.summary,
      report: {
        html: `s3://${BUCKET}/reports/2024-11/${output.runId}/report.html`,
        json: `s3://${BUCKET}/reports/2024-11/${output.runId}/report.json`,
      },
    });
    const steps = calls.map((c) => stepOf(c.QueryString));
    expect(steps.slice(0, 4)).toEqual(['normalize', 'profile', 'flag', 'clean']);
    expect(steps.slice(4, 7).sort()).toEqual(['duration-histogram', 'outliers-by-day', 'summary']);
    expect(steps.slice(7)).toEqual(['view trips_normalized', 'view trips_flagged', 'view trips_cleaned']);
    for (const call of calls) {
      expect(call.WorkGroup).toBe('Mlw-TripOutliers');
      expect(call.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'mlw_tripoutliers' });
      expect(call.ClientRequestToken).toContain(`trip-outliers-${output.runId}-`);
    }
    expect(new Set(calls.map((c) => c.ClientRequestToken)).size).toBe(calls.length);
    expect(calls[0]!.QueryString).toContain(`external_location = 's3://${BUCKET}/tables/normalized/${output.runId}/'`);
    expect(calls[7]!.QueryString).toBe(
      `CREATE OR REPLACE VIEW trips_normalized AS\nSELECT * FROM normalized_${output.runId}`,
    );
    // Every state input stays far below the 256 KiB payload limit.
    expect(Math.max(...payloads)).toBeLessThan(64 * 1024);
    const html = await localS3Client(services.s3.endpoint).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `reports/2024-11/${output.runId}/report.html` }),
    );
    expect((await html.Body!.transformToString()).match(/<svg /g)).toHaveLength(3);
  });

  it('retries a throttled query with the same idempotency token', async () => {
    await run({ month: '2024-11' }, (call, attempt) =>
      stepOf(call.QueryString) === 'flag' && attempt === 1
        ? serviceError('Athena.TooManyRequestsException', 'Rate exceeded')
        : undefined,
    );
    const flags = calls.filter((c) => stepOf(c.QueryString) === 'flag');
    expect(flags).toHaveLength(2);
    expect(flags[0]!.ClientRequestToken).toBe(flags[1]!.ClientRequestToken);
  });

  it('a failed query ends in QueryFailed naming the step, and the views are not switched', async () => {
    const failed = await failure({ month: '2024-11' }, (call) =>
      stepOf(call.QueryString) === 'flag'
        ? serviceError('States.TaskFailed', 'HIVE_BAD_DATA: Field passenger_count incompatible')
        : undefined,
    );
    expect(failed.error).toBe('QueryFailed');
    expect(failed.cause).toBe(
      'The flag query failed (States.TaskFailed): HIVE_BAD_DATA: Field passenger_count incompatible',
    );
    expect(calls.map((c) => stepOf(c.QueryString))).toEqual(['normalize', 'profile', 'flag']);
  });

  it('a file that does not match the table fails early, before any query, with the problems as the cause', async () => {
    const failed = await failure({ month: '2024-12' });
    expect(failed.error).toBe('SchemaMismatch');
    expect(failed.cause).toContain('1 retyped column(s): passenger_count is BYTE_ARRAY UTF8, the table reads double');
    expect(calls).toEqual([]);
  });

  it('names a month that is not published and a bad request', async () => {
    const missing = await failure({ month: '2030-01' });
    expect(missing.error).toBe('MonthNotPublished');
    expect(missing.cause).toContain('yellow_tripdata_2030-01.parquet is not published (HTTP 403)');
    const bad = await failure({ month: 'January' });
    expect(bad).toMatchObject({ error: 'InvalidRequest', cause: 'Invalid run request: month: expected YYYY-MM' });
    expect(calls).toEqual([]);
  });
});
