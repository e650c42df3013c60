import { readFileSync, rmSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { RAW_COLUMNS, rawKey } from '../../../lambdas/trip-outliers/contract';
import { localS3Client, useLocalServices } from '../../helpers/local-services';
import { type handler as ingestHandler } from '../../../lambdas/trip-outliers/ingest';
import { writeFixtures } from '../../helpers/trip-outliers-fixtures';
import { type FakeTlc, startFakeTlc, tripFunctionEnv } from '../../helpers/fake-tlc';

const BUCKET = 'trip-data-test';
type Handler = typeof ingestHandler;

describe('ingest handler (fake TLC distribution on 127.0.0.1, s3rver)', () => {
  const services = useLocalServices('s3');
  let dir: string;
  let files: Record<string, string>;
  let tlc: FakeTlc;
  let handler: Handler;

  beforeAll(async () => {
    ({ dir, files } = await writeFixtures());
    tlc = await startFakeTlc({
      'yellow_tripdata_2024-11.parquet': files['2024']!,
      'yellow_tripdata_2018-03.parquet': files['2018']!,
      'yellow_tripdata_2024-12.parquet': files.retyped!,
      'yellow_tripdata_2025-02.parquet': files['unknown-column']!,
    });
    Object.assign(process.env, tripFunctionEnv(services.s3.endpoint, BUCKET, tlc));
    await localS3Client(services.s3.endpoint).send(new CreateBucketCommand({ Bucket: BUCKET }));
    ({ handler } = await import('../../../lambdas/trip-outliers/ingest'));
  });

  afterAll(async () => {
    await tlc.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const key of Object.keys(tripFunctionEnv('', BUCKET, tlc))) delete process.env[key];
  });

  beforeEach(() => {
    tlc.failWith = undefined;
    tlc.requests.length = 0;
  });

  const s3 = () => localS3Client(services.s3.endpoint);
  const text = async (key: string) =>
    (await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
  const keys = async (prefix: string) =>
    ((await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

  it('checks the footer, copies the file byte for byte into raw/year=/month=/ and plans the run', async () => {
    const out = await handler({ request: { month: '2024-11' }, executionName: 'first-run' });
    // The footer was read with ranged GETs before the one full GET.
    const fullGets = tlc.requests.filter((r) => r.startsWith('GET') && !r.includes('bytes='));
    expect(fullGets).toEqual(['GET yellow_tripdata_2024-11.parquet']);
    expect(tlc.requests.findIndex((r) => r.includes('bytes='))).toBeLessThan(
      tlc.requests.indexOf('GET yellow_tripdata_2024-11.parquet'),
    );
    const stored = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: rawKey('2024-11') }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(readFileSync(files['2024']!));
    expect(stored.ContentType).toBe('application/vnd.apache.parquet');
    expect(out).toMatchObject({
      month: '2024-11',
      runId: expect.stringMatching(/^2024_11_[0-9a-f]{12}$/) as unknown,
      source: `${tlc.baseUrl}/yellow_tripdata_2024-11.parquet`,
      raw: { bucket: BUCKET, key: 'raw/year=2024/month=11/yellow_tripdata_2024-11.parquet', rows: 21, copied: true },
      bounds: { maxDurationSeconds: 86_400, maxSpeedMph: 100 },
      missingColumns: ['cbd_congestion_fee'],
    });
    expect(out.queries.normalize.queryString).toContain(`WHERE year = '2024' AND month = '11'`);
    expect(out.queries.normalize.queryString).toMatch(
      new RegExp(`^CREATE TABLE normalized_${out.runId}\\nWITH \\(format = 'PARQUET'`),
    );
    expect(out.queries.normalize.queryString).toContain(
      `external_location = 's3://${BUCKET}/tables/normalized/${out.runId}/'`,
    );
    expect(out.summaryQueries.map((q) => q.step)).toEqual(['summary', 'outliers-by-day', 'duration-histogram']);
    expect(out.views.map((q) => q.queryString.split('\n')[0])).toEqual([
      'CREATE OR REPLACE VIEW trips_normalized AS',
      'CREATE OR REPLACE VIEW trips_flagged AS',
      'CREATE OR REPLACE VIEW trips_cleaned AS',
    ]);
    for (const q of [...Object.values(out.queries), ...out.summaryQueries, ...out.views]) {
      expect(q.clientRequestToken.length).toBeGreaterThanOrEqual(32);
      expect(q.clientRequestToken.length).toBeLessThanOrEqual(128);
    }
    expect(JSON.stringify(out).length).toBeLessThan(256 * 1024);
    const schema = JSON.parse(await text(out.report.schemaKey)) as { ok: boolean; columns: unknown[] };
    expect(schema.ok).toBe(true);
    expect(schema.columns).toHaveLength(19);
  });

  it('a re-run copies nothing when the stored file has the same size and ETag, and gets its own run id', async () => {
    const first = await handler({ request: { month: '2018-03' }, executionName: 'a' });
    const before = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: rawKey('2018-03') }));
    tlc.requests.length = 0;
    const again = await handler({ request: { month: '2018-03' }, executionName: 'b' });
    expect(first.raw.copied).toBe(true);
    expect(again.raw.copied).toBe(false);
    expect(tlc.requests.filter((r) => r.startsWith('GET') && !r.includes('bytes='))).toEqual([]);
    const after = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: rawKey('2018-03') }));
    expect(after.ETag).toBe(before.ETag);
    expect(again.runId).not.toBe(first.runId);
    // The same execution (a redriven step) names the same tables.
    expect((await handler({ request: { month: '2018-03' }, executionName: 'b' })).runId).toBe(again.runId);
    expect(again.missingColumns).toEqual(['congestion_surcharge', 'airport_fee', 'cbd_congestion_fee']);
  });

  it('fails early on a retyped column: nothing copied, the schema report saved and named in the error', async () => {
    const error = (await handler({ request: { month: '2024-12' }, executionName: 'retyped' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.name).toBe('SchemaMismatchError');
    expect(error.message).toContain('passenger_count is BYTE_ARRAY UTF8, the table reads double');
    expect(await keys('raw/year=2024/month=12/')).toEqual([]);
    expect(tlc.requests.filter((r) => r.startsWith('GET') && !r.includes('bytes='))).toEqual([]);
    const saved = (await keys('reports/2024-12/')).find((k) => k?.endsWith('schema-check.json'));
    const report = JSON.parse(await text(saved!)) as { ok: boolean; retyped: { name: string }[] };
    expect(report.ok).toBe(false);
    expect(report.retyped.map((c) => c.name)).toEqual(['passenger_count']);
  });

  it('fails early on an unknown column', async () => {
    const error = (await handler({ request: { month: '2025-02' }, executionName: 'x' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.name).toBe('SchemaMismatchError');
    expect(error.message).toContain('1 unknown column(s) the table does not declare: tip_reason');
    expect(RAW_COLUMNS.some((c) => c.name === 'tip_reason')).toBe(false);
  });

  it('names a month that is not published, a failing source and a bad request', async () => {
    const missing = (await handler({ request: { month: '2031-01' }, executionName: 'x' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(missing.name).toBe('SourceNotFoundError');
    expect(missing.message).toContain('yellow_tripdata_2031-01.parquet is not published (HTTP 403)');

    tlc.failWith = 503;
    const flaky = (await handler({ request: { month: '2024-11' }, executionName: 'x' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(flaky.name).toBe('RetryableError');

    const bad = (await handler({ request: { month: '2024-13', maxSpeedMph: 0 }, executionName: 'x' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(bad.name).toBe('ValidationError');
    expect(bad.message).toBe('Invalid run request: month: expected YYYY-MM; maxSpeedMph: expected at least 1');
    const extra = (await handler({ request: { month: '2024-11', speed: 5 }, executionName: 'x' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(extra.message).toBe('Invalid run request: unknown field(s): speed');
  });

  it('takes bounds from the request', async () => {
    const out = await handler({ request: { month: '2024-11', maxSpeedMph: 80 }, executionName: 'bounds' });
    expect(out.bounds).toEqual({ maxDurationSeconds: 86_400, maxSpeedMph: 80 });
    expect(out.queries.flag.queryString).toContain('WHEN speed_mph > 80 THEN');
  });
});
