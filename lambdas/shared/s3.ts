import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type S3Location, formatS3Uri } from './s3-keys';

/** An S3 object opened for streaming, with its size and version. */
export interface OpenedObject {
  readonly body: Readable;
  readonly contentLength?: number;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly contentEncoding?: string;
}

/** Open an S3 object as a Node stream (nothing is buffered beyond the stream's high-water mark). */
export async function openS3Object(
  client: S3Client,
  location: S3Location & { versionId?: string },
): Promise<OpenedObject> {
  const answer = await client.send(
    new GetObjectCommand({ Bucket: location.bucket, Key: location.key, VersionId: location.versionId }),
  );
  if (!answer.Body) throw new Error(`Empty body for ${formatS3Uri(location)}`);
  const body =
    answer.Body instanceof Readable ? answer.Body : Readable.from(answer.Body as unknown as AsyncIterable<Uint8Array>);
  return {
    body,
    contentLength: answer.ContentLength,
    versionId: answer.VersionId,
    eTag: answer.ETag,
    contentEncoding: answer.ContentEncoding,
  };
}
