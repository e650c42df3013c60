import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { analyzeLocally } from '../../../lambdas/trip-outliers/adapters/duckdb';
import { type TripSummary } from '../../../lambdas/trip-outliers/core/report';
import { REPO_ROOT } from '../../../lib/shared/paths';
import { runMlw, runMlwInProcess } from '../../helpers/cli';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { TRIPS_2024, expectedOutliers, writeFixtures } from '../../helpers/trip-outliers-fixtures';
import { type FakeTlc, startFakeTlc } from '../../helpers/fake-tlc';

describe('mlw trips', () => {
  const services = useLocalServices('s3');
  let dir: string;
  let files: Record<string, string>;
  let tlc: FakeTlc;
  let expected: TripSummary;

  beforeAll(async () => {
    ({ dir, files } = await writeFixtures());
    tlc = await startFakeTlc({
      'yellow_tripdata_2024-11.parquet': files['2024']!,
      'yellow_tripdata_2024-12.parquet': files.retyped!,
    });
    expected = (await analyzeLocally({ files: [files['2024']!] })).report.summary;
  });
  afterAll(async () => {
    await tlc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('analyze --json prints exactly {rows, outliers, cleanedRows, durationSeconds}', async () => {
    const run = await runMlw(['trips', 'analyze', files['2024']!, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as TripSummary;
    expect(Object.keys(summary)).toEqual(['rows', 'outliers', 'cleanedRows', 'durationSeconds']);
    expect(summary).toEqual({
      rows: TRIPS_2024.length,
      outliers: expectedOutliers(TRIPS_2024),
      cleanedRows: TRIPS_2024.filter((t) => t.expected === null).length,
      durationSeconds: { p50: 1200, p99: 78_030, max: 86_400 },
    });
  });

  it('local commands load no AWS SDK module: the SDK is reached only through dynamic imports', async () => {
    // The static import graph of the trips command module, and of the DuckDB runner it loads for a local analysis.
    const result = await build({
      entryPoints: { trips: join(REPO_ROOT, 'cli/commands/trips.ts') },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      outdir: join(dir, 'graph'),
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const outputs = result.metafile.outputs;
    const staticExternals = (start: string): string[] => {
      const seen = new Set<string>();
      const externals: string[] = [];
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const i of outputs[file]?.imports ?? []) {
          if (i.kind !== 'import-statement') continue;
          if (i.external) externals.push(i.path);
          else visit(i.path);
        }
      };
      visit(start);
      return externals;
    };
    const entry = Object.keys(outputs).find((f) => outputs[f]!.entryPoint?.endsWith('cli/commands/trips.ts'))!;
    expect(staticExternals(entry).filter((p) => p.startsWith('@aws-sdk/'))).toEqual([]);
    const duckdbChunk = Object.keys(outputs).find((f) =>
      Object.keys(outputs[f]!.inputs).some((input) => input.endsWith('trip-outliers/adapters/duckdb.ts')),
    )!;
    expect(staticExternals(duckdbChunk)).toContain('@duckdb/node-api');
    expect(staticExternals(duckdbChunk).filter((p) => p.startsWith('@aws-sdk/'))).toEqual([]);
    // The SDK is there, behind import(): athena runs and s3:// sources.
    const dynamic = Object.values(outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import'));
    expect(dynamic.map((i) => i.path)).toContain('@aws-sdk/client-sfn');
  });

  it('analyze refuses a time zone the tz database does not know before reading anything', async () => {
    const run = await runMlw(['trips', 'analyze', 'missing.parquet', '--time-zone', 'Mars/Base']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("argument 'Mars/Base' is invalid. expected an IANA time zone");
  });

  it('analyze --out-dir writes the cleaned and outlier rows', async () => {
    const run = await runMlw(['trips', 'analyze', files['2022']!, '--out-dir', join(dir, 'out')]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('cleaned trips    1');
    expect(run.stdout).toContain(`cleaned and outlier rows: ${join(dir, 'out')}`);
    expect(existsSync(join(dir, 'out', 'cleaned.parquet'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'outliers.parquet'))).toBe(true);
  });

  it('analyze reads s3:// sources (downloaded first) with the global AWS options', async () => {
    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'trips-cli' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'trips-cli', Key: 'in/2024.parquet', Body: readFileSync(files['2024']!) }),
    );
    const run = await runMlw([
      '--endpoint-url',
      services.s3.endpoint,
      'trips',
      'analyze',
      's3://trips-cli/in/2024.parquet',
      '--json',
    ]);
    expect(run.stderr).not.toContain('mlw:');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expected);
  });

  it('schema lists each column against the table and exits 2 with the problems when it does not match', async () => {
    const good = await runMlw(['trips', 'schema', files['2018']!]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(
      'not in the file (read as NULL): congestion_surcharge, airport_fee, cbd_congestion_fee',
    );
    expect(good.stdout).toContain('matches the trip table');
    const bad = await runMlw(['trips', 'schema', files.retyped!]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/passenger_count\s+BYTE_ARRAY UTF8\s+RETYPED: the table reads double/);
    expect(bad.stdout).toContain('does NOT match the trip table: 1 retyped column(s)');
    const json = await runMlw(['trips', 'schema', `${tlc.baseUrl}/yellow_tripdata_2024-12.parquet`, '--json']);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, rows: TRIPS_2024.length, unknown: [] });
  });

  it('sql prints one step for each engine with the dialect differences', async () => {
    const duck = await runMlw(['trips', 'sql', 'profile']);
    const athena = await runMlw(['trips', 'sql', 'profile', '--engine', 'athena']);
    expect(duck.stdout).toContain('quantile_cont(duration_seconds, 0.5)');
    expect(athena.stdout).toContain('approx_percentile(duration_seconds, 0.5)');
    // The only difference between the two profiles is the percentile function.
    expect(duck.stdout.replace(/quantile_cont/g, 'approx_percentile')).toBe(athena.stdout);
    const normalize = await runMlw(['trips', 'sql', 'normalize', '--engine', 'athena']);
    expect(normalize.stdout).toContain('WHERE year = ? AND month = ?');
    expect(normalize.stdout).toContain("to_unixtime(with_timezone(hour, 'America/New_York'))");
    expect(normalize.stdout).not.toContain('AS STRING');
    const ctas = await runMlw([
      'trips',
      'sql',
      'normalize',
      '--engine',
      'athena',
      '--month',
      '2024-01',
      '--run-id',
      'manual_1',
      '--tables-location',
      's3://my-bucket/tables',
    ]);
    expect(ctas.stdout).toMatch(
      /^CREATE TABLE normalized_manual_1\nWITH \(format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3:\/\/my-bucket\/tables\/normalized\/manual_1\/'\)\nAS\n/,
    );
    const unknown = await runMlw(['trips', 'sql', 'nope']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('Unknown query nope; one of: raw, normalize, profile');
  });

  it('ingest --month downloads with the schema check first, once, and refuses a retyped month', async () => {
    const out = join(dir, 'ingest');
    const first = await runMlw(['trips', 'ingest', '--month', '2024-11', '--out-dir', out, '--base-url', tlc.baseUrl]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(`downloaded: ${join(out, 'yellow_tripdata_2024-11.parquet')}`);
    expect(readFileSync(join(out, 'yellow_tripdata_2024-11.parquet'))).toEqual(readFileSync(files['2024']!));
    const again = await runMlw(['trips', 'ingest', '--month', '2024-11', '--out-dir', out, '--base-url', tlc.baseUrl]);
    expect(again.stdout).toContain('already there');
    const bad = await runMlw(['trips', 'ingest', '--month', '2024-12', '--out-dir', out, '--base-url', tlc.baseUrl]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('passenger_count is BYTE_ARRAY UTF8, the table reads double');
    expect(existsSync(join(out, 'yellow_tripdata_2024-12.parquet'))).toBe(false);
    const month = await runMlw(['trips', 'ingest', '--month', '2024-1']);
    expect(month.stderr).toContain("option '--month <YYYY-MM>' argument '2024-1' is invalid. expected YYYY-MM");
  });

  it('report writes a page with three charts, from files or from a report.json of either engine', async () => {
    const page = join(dir, 'page.html');
    const run = await runMlw(['trips', 'report', files['2024']!, '--out', page]);
    expect(run.status).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    const data = JSON.parse(/<script type="application\/json" id="trip-report">(.*)<\/script>/.exec(html)![1]!) as {
      summary: TripSummary;
    };
    expect(data.summary).toEqual(expected);
    const json = join(dir, 'report.json');
    writeFileSync(json, JSON.stringify({ ...data, engine: 'athena', source: 's3://b/raw/x.parquet' }));
    const fromJson = await runMlw(['trips', 'report', '--from', json, '--out', join(dir, 'from-json.html')]);
    expect(fromJson.status).toBe(0);
    expect(readFileSync(join(dir, 'from-json.html'), 'utf8')).toContain('engine athena');
    writeFileSync(json, '{"rows": 3}');
    const notReport = await runMlw(['trips', 'report', '--from', json]);
    expect(notReport.stderr).toContain('is not a trip report');
  });

  it('--engine athena starts the deployed state machine for the month and prints the same summary', async () => {
    const sfn = mockClient(SFNClient);
    try {
      const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:trips:run-1';
      sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date() });
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce({ status: 'RUNNING' } as never)
        .resolves({
          status: 'SUCCEEDED',
          output: JSON.stringify({
            runId: '2024_11_0123456789ab',
            month: '2024-11',
            summary: expected,
            report: { html: 's3://b/reports/2024-11/r/report.html', json: 's3://b/reports/2024-11/r/report.json' },
          }),
        } as never);
      const { stdout } = await runMlwInProcess(
        'trips',
        'analyze',
        's3://b/raw/year=2024/month=11/yellow_tripdata_2024-11.parquet',
        '--engine',
        'athena',
        '--state-machine-arn',
        'arn:aws:states:us-east-1:123456789012:stateMachine:trips',
        '--max-speed-mph',
        '80',
        '--poll-seconds',
        '0',
        '--json',
      );
      expect(JSON.parse(stdout)).toEqual(expected);
      expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:trips',
        input: JSON.stringify({ month: '2024-11', maxSpeedMph: 80 }),
      });
      expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);

      sfn.on(DescribeExecutionCommand).resolves({
        status: 'FAILED',
        error: 'SchemaMismatch',
        cause: 'passenger_count is BYTE_ARRAY UTF8',
      } as never);
      await expect(
        runMlwInProcess(
          'trips',
          'ingest',
          '--month',
          '2024-12',
          '--engine',
          'athena',
          '--state-machine-arn',
          'arn:aws:states:us-east-1:123456789012:stateMachine:trips',
          '--poll-seconds',
          '0',
        ),
      ).rejects.toThrow(`Execution ${executionArn} FAILED: SchemaMismatch: passenger_count is BYTE_ARRAY UTF8`);
    } finally {
      sfn.restore();
    }
  });

  it('rejects bounds outside their limits and athena without a month', async () => {
    const speed = await runMlw(['trips', 'analyze', files['2024']!, '--max-speed-mph', '0']);
    expect(speed.stderr).toContain('expected a number from 1 to 1000');
    const noMonth = await runMlw(['trips', 'analyze', 'x.parquet', '--engine', 'athena']);
    expect(noMonth.stderr).toContain('athena: give --month YYYY-MM');
  });
});
