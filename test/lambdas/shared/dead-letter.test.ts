import type { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { deadLetter, deadLetterKey, parseDeadLetters, s3DeadLetterSink } from '../../../lambdas/shared/dead-letter';
import { S3_KEY_MAX_BYTES } from '../../../lambdas/shared/s3-keys';

const s3 = mockClient(S3Client);
const NOW = new Date('2026-11-30T08:21:07Z');

describe('dead letters', () => {
  beforeEach(() => s3.reset());

  it('keeps the raw bytes, the reason and the source, one JSON line each, under a dated deterministic key', async () => {
    const letters = [
      deadLetter(Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 0x00]), 'KPL record: invalid MD5 checksum', {
        shardId: 'shardId-000000000000',
        sequenceNumber: '4959',
      }),
      deadLetter('not json', 'not JSON', { shardId: 'shardId-000000000000', sequenceNumber: '4960' }),
    ];
    const logger = { error: jest.fn() } as unknown as Logger;
    const sink = s3DeadLetterSink(new S3Client({}), 'data-bucket', 'dead-letter/aggregator/', logger);
    const uri = await sink.write(letters, { shardId: 'shardId-000000000000' }, NOW);
    expect(uri).toMatch(/^s3:\/\/data-bucket\/dead-letter\/aggregator\/2026\/11\/30\/08\/[0-9a-f]{32}\.jsonl$/);
    expect(await sink.write(letters, {}, NOW)).toBe(uri);
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(`s3://${input.Bucket}/${input.Key}`).toBe(uri);
    expect(input.ContentType).toBe('application/x-ndjson');
    expect(logger.error).toHaveBeenCalledWith('Records set aside under a dead-letter prefix', {
      shardId: 'shardId-000000000000',
      count: 2,
      deadLetter: uri,
      reasons: ['KPL record: invalid MD5 checksum', 'not JSON'],
    });
    const lines = parseDeadLetters(input.Body as string);
    expect(lines).toHaveLength(2);
    expect(Buffer.from(lines[0]!.data, 'base64')).toEqual(Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 0x00]));
    expect(lines[1]).toEqual({
      reason: 'not JSON',
      data: Buffer.from('not json').toString('base64'),
      source: { shardId: 'shardId-000000000000', sequenceNumber: '4960' },
      recordedAt: NOW.toISOString(),
    });
  });

  it('writes nothing for no letters, propagates a failed write, and refuses a key over the S3 limit', async () => {
    const sink = s3DeadLetterSink(new S3Client({}), 'b', 'p/');
    expect(await sink.write([])).toBeUndefined();
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    await expect(sink.write([deadLetter('x', 'r', {})])).rejects.toThrow('AccessDenied');
    expect(() => deadLetterKey('p'.repeat(S3_KEY_MAX_BYTES), [deadLetter('x', 'r', {})], NOW)).toThrow(RangeError);
  });
});
