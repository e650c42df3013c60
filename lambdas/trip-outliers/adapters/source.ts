import { Readable } from 'node:stream';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { asyncBufferFromUrl } from 'hyparquet';
import { NotFoundError, RetryableError } from '../../shared/errors';
import { type SourceHead } from '../core/ingest';
import { type ParquetFooter, readParquetFooter } from './parquet-footer';

/** Defined beside the ingest port that reads it (`core/ingest.ts`); re-exported for the adapters. */
export type { SourceHead } from '../core/ingest';

/** The month is not published (yet): the server answered 403 or 404 (CloudFront answers 403 for a missing object). */
export class SourceNotFoundError extends NotFoundError {}

/** `fetch` (injected by tests; the global one otherwise). */
export type Fetch = typeof fetch;

function failure(url: string, status: number, what: string): Error {
  if (status === 403 || status === 404) return new SourceNotFoundError(`${url} is not published (HTTP ${status})`);
  if (status === 429 || status >= 500) return new RetryableError(`${what} ${url} answered HTTP ${status}`);
  return new Error(`${what} ${url} answered HTTP ${status}`);
}

/**
 * `HEAD` the file: its size and ETag.
 * @throws SourceNotFoundError (403/404), RetryableError (429/5xx or a network error), Error otherwise.
 */
export async function headSource(url: string, fetchImpl: Fetch = fetch): Promise<SourceHead> {
  let response: Response;
  try {
    response = await fetchImpl(url, { method: 'HEAD' });
  } catch (error) {
    throw new RetryableError(`HEAD ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw failure(url, response.status, 'HEAD');
  const length = Number(response.headers.get('content-length'));
  if (!Number.isSafeInteger(length) || length <= 0) throw new Error(`HEAD ${url} gave no Content-Length`);
  const etag = response.headers.get('etag') ?? undefined;
  return { url, bytes: length, ...(etag ? { etag } : {}) };
}

/** Read the file's Parquet footer with ranged GETs (the tail of the file only). */
export async function sourceFooter(head: SourceHead, fetchImpl: Fetch = fetch): Promise<ParquetFooter> {
  const buffer = await asyncBufferFromUrl({ url: head.url, byteLength: head.bytes, fetch: fetchImpl });
  return readParquetFooter(buffer, head.url);
}

/**
 * `GET` the whole file as a Node stream (nothing is buffered beyond the stream's high-water mark).
 * @throws as {@link headSource}.
 */
export async function openSourceStream(url: string, fetchImpl: Fetch = fetch): Promise<Readable> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw new RetryableError(`GET ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok || !response.body) throw failure(url, response.status, 'GET');
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}
