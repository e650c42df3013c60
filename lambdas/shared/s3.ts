import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ValidationError } from './errors';

/** A bucket and key. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Parse `s3://bucket/key`.
 * @throws ValidationError when the URI is not of that form.
 */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (!match?.[1] || !match[2]) throw new ValidationError(`Not an S3 URI (s3://bucket/key): ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** Format `s3://bucket/key`. */
export function formatS3Uri({ bucket, key }: S3Location): string {
  return `s3://${bucket}/${key}`;
}

/**
 * Decode an object key from an S3 event notification (URL-encoded, with `+` for spaces).
 */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

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
