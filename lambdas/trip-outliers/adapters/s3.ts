import { PassThrough } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { type AsyncBuffer } from 'hyparquet';
import { awsErrorName } from '../../shared/errors';
import { type S3Location, formatS3Uri, parseS3Uri } from '../../shared/s3-keys';
import { type IngestPorts } from '../core/ingest';
import { type ResultRow } from '../core/report';
import { type Fetch, openSourceStream } from './source';

/** Object metadata keys that record where a raw file came from. */
export const SOURCE_METADATA = { URL: 'source-url', ETAG: 'source-etag' } as const;

/** Media type of Parquet files (IANA registration `application/vnd.apache.parquet`). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/**
 * The store half of ingesting into S3: what the bucket holds at `location` (size and the source ETag recorded in the
 * object's metadata), and a streamed copy from the source with one `PutObject` of known length.
 */
export function s3RawStore(
  s3: S3Client,
  location: S3Location,
  fetchImpl: Fetch = fetch,
): Pick<IngestPorts, 'stored' | 'store'> {
  return {
    async stored() {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
        const etag = head.Metadata?.[SOURCE_METADATA.ETAG];
        return { bytes: head.ContentLength ?? 0, ...(etag ? { etag } : {}) };
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'NotFound' || name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async store(head) {
      const source = await openSourceStream(head.url, fetchImpl);
      let bytes = 0;
      const counted = new PassThrough();
      counted.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      source.on('error', (error) => counted.destroy(error));
      source.pipe(counted);
      await s3.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          Body: counted,
          ContentLength: head.bytes,
          ContentType: PARQUET_CONTENT_TYPE,
          Metadata: { [SOURCE_METADATA.URL]: head.url, ...(head.etag ? { [SOURCE_METADATA.ETAG]: head.etag } : {}) },
        }),
      );
      return bytes;
    },
  };
}

/** A byte-range reader over an S3 object (`HeadObject` for the size, ranged `GetObject` per slice). */
export async function s3AsyncBuffer(s3: S3Client, location: S3Location): Promise<AsyncBuffer> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
  const byteLength = head.ContentLength ?? 0;
  return {
    byteLength,
    async slice(start: number, end?: number) {
      const last = (end ?? byteLength) - 1;
      const answer = await s3.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key, Range: `bytes=${start}-${last}` }),
      );
      if (!answer.Body) throw new Error(`Empty body for ${formatS3Uri(location)} bytes ${start}-${last}`);
      const bytes = await answer.Body.transformToByteArray();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/**
 * The rows of an Athena result file (`<OutputLocation>/<QueryExecutionId>.csv`): a header row, then one row per
 * result row, every value as text (NULL is an empty cell). Small files only: the report's results are one row, or
 * one per day or histogram bin.
 */
export async function readAthenaResultRows(s3: S3Client, uri: string): Promise<ResultRow[]> {
  const location = parseS3Uri(uri);
  const answer = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  if (!answer.Body) throw new Error(`Empty body for ${uri}`);
  const text = await answer.Body.transformToString('utf8');
  return parse<ResultRow>(text, { columns: true, skip_empty_lines: true });
}
