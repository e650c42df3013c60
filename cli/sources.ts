import { statSync } from 'node:fs';
import { type Readable } from 'node:stream';
import { openLocalFile } from '../lambdas/shared/jsonl';
import { type AwsOptions, clientConfig, explainErrors } from './aws';

/** An opened input: a stream and its size in bytes when known. */
export interface OpenedSource {
  readonly body: Readable;
  readonly size?: number;
  readonly gzip: boolean;
}

/**
 * Open a local path or an `s3://bucket/key` URI for streaming (S3 honours the global AWS options). The S3 client is
 * loaded only for an `s3://` source: a local file never loads the AWS SDK.
 */
export async function openSource(source: string, options: AwsOptions): Promise<OpenedSource> {
  const gzip = source.endsWith('.gz');
  if (source.startsWith('s3://')) {
    const [{ S3Client }, { openS3Object }, { parseS3Uri }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('../lambdas/shared/s3'),
      import('../lambdas/shared/s3-keys'),
    ]);
    const location = parseS3Uri(source);
    const s3 = explainErrors(
      new S3Client({ ...clientConfig(options), forcePathStyle: options.endpointUrl !== undefined }),
      options,
    );
    const object = await openS3Object(s3, location);
    return { body: object.body, size: object.contentLength, gzip: gzip || object.contentEncoding === 'gzip' };
  }
  const { size } = statSync(source); // fails with ENOENT before a stream is opened
  return { body: openLocalFile(source), size, gzip };
}
