import { createHash } from 'node:crypto';
import { S3_KEY_MAX_BYTES } from './dead-letter';

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
