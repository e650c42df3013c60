import { rmSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { analyzeLocally } from '../../../lambdas/trip-outliers/adapters/duckdb';
import { RESULT_STEPS } from '../../../lambdas/trip-outliers/contract';
import { type TripReport } from '../../../lambdas/trip-outliers/core/report';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { type handler as reportHandler } from '../../../lambdas/trip-outliers/report';
import { athenaStyleResults } from '../../helpers/trip-outliers-athena-results';
import { writeFixtures } from '../../helpers/trip-outliers-fixtures';

const BUCKET = 'trip-report-test';
type Handler = typeof reportHandler;

describe('report handler (Athena-shaped result files in s3rver)', () => {
  const services = useLocalServices('s3');
  let dir: string;
  let files: Record<string, string>;
  let handler: Handler;

  beforeAll(async () => {
    ({ dir, files } = await writeFixtures());
    process.env.AWS_ENDPOINT_URL_S3 = services.s3.endpoint;
    await localS3Client(services.s3.endpoint).send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ handler } = await import('../../../lambdas/trip-outliers/report'));
  });
  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_S3;
    rmSync(dir, { recursive: true, force: true });
  });

  const s3 = () => localS3Client(services.s3.endpoint);
  const run = {
    runId: '2024_11_abcdef012345',
    month: '2024-11',
    source: 'https://d37ci6vzurychx.cloudfront.net/trip-data/yellow_tripdata_2024-11.parquet',
    bounds: { maxDurationSeconds: 86_400, maxSpeedMph: 100 },
    timeZone: 'America/New_York',
    report: {
      bucket: BUCKET,
      htmlKey: 'reports/2024-11/2024_11_abcdef012345/report.html',
      jsonKey: 'reports/2024-11/2024_11_abcdef012345/report.json',
    },
  };

  /** Upload result files and return the Report state's input: the profile's result and the Map's items. */
  async function upload(results: Record<string, string>) {
    const located = await Promise.all(
      Object.entries(results).map(async ([step, body], i) => {
        const key = `athena-results/0000000${i}-query-${step}.csv`;
        await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        return { step, result: { queryExecutionId: `q-${i}`, outputLocation: `s3://${BUCKET}/${key}` } };
      }),
    );
    const profile = located.find((r) => r.step === 'profile');
    return {
      run,
      profile: profile?.result ?? { outputLocation: `s3://${BUCKET}/athena-results/missing.csv` },
      summaries: located.filter((r) => r.step !== 'profile'),
    };
  }

  it('writes the same report the CLI makes, as JSON and self-contained HTML, and returns the summary', async () => {
    const results = await upload(await athenaStyleResults([files['2024']!], dir));
    const out = await handler(results);
    const local = await analyzeLocally({ files: [files['2024']!] });
    expect(out).toEqual({
      runId: run.runId,
      month: '2024-11',
      summary: local.report.summary,
      report: { html: `s3://${BUCKET}/${run.report.htmlKey}`, json: `s3://${BUCKET}/${run.report.jsonKey}` },
    });
    const json = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: run.report.jsonKey }));
    const report = JSON.parse(await json.Body!.transformToString()) as TripReport;
    expect(report).toEqual({
      ...local.report,
      source: run.source,
      engine: 'athena',
      month: '2024-11',
      runId: run.runId,
      generatedAt: report.generatedAt,
    });
    const html = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: run.report.htmlKey }));
    expect(html.ContentType).toBe('text/html; charset=utf-8');
    const page = await html.Body!.transformToString();
    expect(page.match(/<svg /g)).toHaveLength(3);
    expect(page).not.toMatch(/<script(?! type="application\/json")/);
  });

  it('refuses result files that do not add up, and a missing result', async () => {
    const good = await athenaStyleResults([files['2024']!], dir);
    const truncated = await upload({ ...good, summary: good.summary.split('\n')[0]! + '\n' });
    await expect(handler(truncated)).rejects.toThrow('The summary query returns one row; the result has 0');
    const partial = await upload({ profile: good.profile, summary: good.summary });
    await expect(handler(partial)).rejects.toThrow('No result for the outliers-by-day query');
    expect(RESULT_STEPS).toHaveLength(4);
  });
});
