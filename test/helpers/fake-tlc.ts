import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

/** A stand-in for the TLC CloudFront distribution on 127.0.0.1: HEAD, GET and ranged GET of the files it holds. */
export interface FakeTlc {
  /** Base URL, like `https://d37ci6vzurychx.cloudfront.net/trip-data`. */
  readonly baseUrl: string;
  /** File name → bytes served. */
  readonly files: Map<string, Buffer>;
  /** Requests seen, as `METHOD name [range]`. */
  readonly requests: string[];
  /** Answer every request with this status instead (e.g. 503), or undefined. */
  failWith?: number;
  stop(): Promise<void>;
}

/** Start the fake distribution; files are served by name under `/trip-data/`. Missing files answer 403 as CloudFront does. */
export async function startFakeTlc(files: Record<string, string> = {}): Promise<FakeTlc> {
  const served = new Map(Object.entries(files).map(([name, path]) => [name, readFileSync(path)]));
  const requests: string[] = [];
  const state: { failWith?: number } = {};
  const server: Server = createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? '').replace(/^\/trip-data\//, ''));
    const range = request.headers.range;
    requests.push(`${request.method} ${name}${range ? ` ${range}` : ''}`);
    if (state.failWith !== undefined) {
      response.writeHead(state.failWith).end();
      return;
    }
    const body = served.get(name);
    if (!body) {
      response.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const match = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (match) {
      const start = Number(match[1]);
      const end = match[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
      response.writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${body.length}`,
        etag,
      });
      response.end(request.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      return;
    }
    response.writeHead(200, { 'content-length': body.length, etag, 'accept-ranges': 'bytes' });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/trip-data`,
    files: served,
    requests,
    get failWith() {
      return state.failWith;
    },
    set failWith(value) {
      state.failWith = value;
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** The environment of the trip-outlier functions for tests: their bucket, the fake source, default bounds, s3rver. */
export function tripFunctionEnv(s3Endpoint: string, bucket: string, tlc: FakeTlc): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    TRIP_DATA_BUCKET: bucket,
    TRIP_SOURCE_BASE_URL: tlc.baseUrl,
    TRIP_MAX_DURATION_SECONDS: '86400',
    TRIP_MAX_SPEED_MPH: '100',
    TRIP_TIME_ZONE: 'America/New_York',
  };
}
