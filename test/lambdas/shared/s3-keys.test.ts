import { S3_KEY_MAX_BYTES, derivedKey } from '../../../lambdas/shared/s3-keys';

describe('derived S3 keys', () => {
  it('keeps the plain form while it fits the 1,024-byte limit', () => {
    expect(derivedKey('processed/', 'uploads/a.json', '/v1.done')).toBe('processed/uploads/a.json/v1.done');
  });

  it('replaces a source key that would pass the limit (counted in UTF-8 bytes) by its digest, deterministically', () => {
    const long = `uploads/${'é'.repeat(500)}.json`; // 1,013 bytes: fits alone, not with the prefix and suffix
    const key = derivedKey('processed/', long, '/v1.progress.json');
    expect(key).toMatch(/^processed\/sha256\/[0-9a-f]{64}\/v1\.progress\.json$/);
    expect(Buffer.byteLength(key)).toBeLessThanOrEqual(S3_KEY_MAX_BYTES);
    expect(derivedKey('processed/', long, '/v1.progress.json')).toBe(key);
    expect(derivedKey('processed/', `${long}x`, '/v1.progress.json')).not.toBe(key);
  });
});
