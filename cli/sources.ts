import { statSync } from 'node:fs';
import { type Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { openLocalFile } from '../lambdas/shared/jsonl';
import { openS3Object, parseS3Uri } from '../lambdas/shared/s3';
import { type AwsOptions, clientConfig } from './aws';

/** An opened input: a stream and its size in bytes when known. */
export interface OpenedSource {
  readonly body: Readable;
  readonly size?: number;
  readonly gzip: boolean;
}

/** Open a local path or an `s3://bucket/key` URI for streaming (S3 honours the global AWS options). */
export async function openSource(source: string, options: AwsOptions): Promise<OpenedSource> {
  const gzip = source.endsWith('.gz');
  if (source.startsWith('s3://')) {
    const s3 = new S3Client({ ...clientConfig(options), forcePathStyle: options.endpointUrl !== undefined });
    const object = await openS3Object(s3, parseS3Uri(source));
    return { body: object.body, size: object.contentLength, gzip: gzip || object.contentEncoding === 'gzip' };
  }
  const { size } = statSync(source); // fails with ENOENT before a stream is opened
  return { body: openLocalFile(source), size, gzip };
}
