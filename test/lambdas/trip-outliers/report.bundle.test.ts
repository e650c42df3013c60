import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bundleHandlers } from '../../helpers/handlers';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { athenaStyleResults } from '../../helpers/trip-outliers-athena-results';
import { writeFixtures } from '../../helpers/trip-outliers-fixtures';

const BUCKET = 'trip-bundle-test';

/** Run an ES module file with node in a child process; resolves with its standard output. */
function runNode(file: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { env: { ...process.env, ...env }, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? 1 : 0, stdout, stderr }),
    );
  });
}

describe('the bundled report function (the artifact Lambda runs: Vega in an ESM bundle, canvas absent)', () => {
  const services = useLocalServices('s3');
  let dir: string;
  let files: Record<string, string>;

  beforeAll(async () => {
    ({ dir, files } = await writeFixtures());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders and writes the report from result files in S3', async () => {
    const result = await bundleHandlers(join(dir, 'bundle'), ['lambdas/trip-outliers/report.ts']);
    expect(result.errors).toEqual([]);
    const bundle = join(dir, 'bundle', 'lambdas/trip-outliers/report.mjs');

    const s3 = localS3Client(services.s3.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const results = await athenaStyleResults([files['2018']!], dir);
    for (const [step, body] of Object.entries(results)) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `athena-results/${step}.csv`, Body: body }));
    }
    const event = {
      run: {
        runId: '2018_03_000000000000',
        month: '2018-03',
        source: 'https://example.com/yellow_tripdata_2018-03.parquet',
        bounds: { maxDurationSeconds: 86_400, maxSpeedMph: 100 },
        timeZone: 'America/New_York',
        report: { bucket: BUCKET, htmlKey: 'reports/2018-03/r/report.html', jsonKey: 'reports/2018-03/r/report.json' },
      },
      profile: { outputLocation: `s3://${BUCKET}/athena-results/profile.csv` },
      summaries: ['summary', 'outliers-by-day', 'duration-histogram'].map((step) => ({
        step,
        result: { outputLocation: `s3://${BUCKET}/athena-results/${step}.csv` },
      })),
    };
    const script = join(dir, 'invoke.mjs');
    writeFileSync(
      script,
      `import { handler } from ${JSON.stringify(pathToFileURL(bundle).href)};\n` +
        `process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)})));\n`,
    );
    const run = await runNode(script, {
      AWS_ENDPOINT_URL_S3: services.s3.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(JSON.parse(run.stdout)).toMatchObject({
      month: '2018-03',
      summary: { rows: 3, cleanedRows: 2, outliers: { duration_too_long: 1 } },
    });
    const html = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/2018-03/r/report.html' }));
    expect((await html.Body!.transformToString()).match(/<svg /g)).toHaveLength(3);
  });
});
