/**
 * S3 object keys and URIs, without the SDK (cores and the CLI use them; `./s3.ts` opens objects).
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors';

/**
 * The S3 limit on object key length: 1,024 bytes of UTF-8 (Amazon S3 User Guide, "Naming Amazon S3 objects").
 */
export const S3_KEY_MAX_BYTES = 1024;

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

/**
 * A key derived from another object's key (`<prefix><key><suffix>`, e.g. `processed/<upload key>/<version>.done`)
 * that respects the S3 limit of {@link S3_KEY_MAX_BYTES} UTF-8 bytes: when the plain form is too long, the source key
 * is replaced by `sha256/<64 hex>` (the same source key always gives the same derived key).
 */
export function derivedKey(prefix: string, key: string, suffix = ''): string {
  const plain = `${prefix}${key}${suffix}`;
  if (Buffer.byteLength(plain, 'utf8') <= S3_KEY_MAX_BYTES) return plain;
  return `${prefix}sha256/${createHash('sha256').update(key, 'utf8').digest('hex')}${suffix}`;
}
