import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3_KEY_MAX_BYTES } from './s3-keys';

/**
 * One record a handler could not use, kept where a user can recover it: the bytes exactly as received (base64), why
 * they were refused, and where they came from (shard and sequence number, object and line, …).
 */
export interface DeadLetter {
  /** Why the record was not used, in words (`not JSON`, `KPL record: invalid MD5 checksum`, …). */
  readonly reason: string;
  /** The record's bytes as received, base64. */
  readonly data: string;
  /** Where the record came from: enough to find it again (`shardId`, `sequenceNumber`, `bucket`, `key`, `line`, …). */
  readonly source: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** A dead letter for bytes (or text, stored as its UTF-8 bytes). */
export function deadLetter(data: Uint8Array | string, reason: string, source: DeadLetter['source']): DeadLetter {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  return { reason, data: bytes.toString('base64'), source };
}

/** Where dead letters go: writes one JSON Lines object per call and answers its `s3://` URI (undefined when none). */
export interface DeadLetterSink {
  /**
   * @param context attributes of the log line that says where the records went (e.g. the source object's key)
   */
  write(
    letters: readonly DeadLetter[],
    context?: Readonly<Record<string, unknown>>,
    now?: Date,
  ): Promise<string | undefined>;
}

/** One line of a dead-letter object. */
export interface DeadLetterLine extends DeadLetter {
  /** ISO 8601 time the record was set aside. */
  readonly recordedAt: string;
}

/**
 * Key of the dead-letter object of a set of letters: `<prefix><yyyy>/<MM>/<dd>/<HH>/<32 hex>.jsonl` (UTC). The name is a
 * digest of the letters' sources and reasons, so a retried invocation that sets aside the same records overwrites the
 * same object instead of adding a copy.
 * @throws RangeError when the prefix makes the key longer than {@link S3_KEY_MAX_BYTES}.
 */
export function deadLetterKey(prefix: string, letters: readonly DeadLetter[], now: Date): string {
  const digest = createHash('sha256');
  for (const letter of letters) digest.update(`${JSON.stringify(letter.source)}\n${letter.reason}\n${letter.data}\n`);
  const iso = now.toISOString();
  const key = `${prefix}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/${digest.digest('hex').slice(0, 32)}.jsonl`;
  if (Buffer.byteLength(key, 'utf8') > S3_KEY_MAX_BYTES)
    throw new RangeError(`dead-letter key is longer than the S3 limit of ${S3_KEY_MAX_BYTES} bytes: ${prefix}`);
  return key;
}

/** The JSON Lines body of a dead-letter object (one letter per line, each ending with `\n`). */
export function deadLetterBody(letters: readonly DeadLetter[], now: Date): string {
  const recordedAt = now.toISOString();
  return letters.map((l) => `${JSON.stringify({ ...l, recordedAt } satisfies DeadLetterLine)}\n`).join('');
}

/** Parse a dead-letter object back (tests, the CLI, a user replaying records). */
export function parseDeadLetters(body: string): DeadLetterLine[] {
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeadLetterLine);
}

/**
 * A dead-letter sink on S3: `s3://<bucket>/<prefix>…` (see {@link deadLetterKey}). Each write logs (level `error`: a
 * person has to look) how many records went where and why. Needs `s3:PutObject` on `<prefix>*` only. A failed write
 * propagates, so the invocation fails and its trigger retries: a record is never dropped because its dead letter
 * could not be written.
 */
export function s3DeadLetterSink(client: S3Client, bucket: string, prefix: string, logger?: Logger): DeadLetterSink {
  return {
    async write(letters, context = {}, now = new Date()) {
      if (letters.length === 0) return undefined;
      const key = deadLetterKey(prefix, letters, now);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: deadLetterBody(letters, now),
          ContentType: 'application/x-ndjson',
        }),
      );
      const uri = `s3://${bucket}/${key}`;
      logger?.error('Records set aside under a dead-letter prefix', {
        ...context,
        count: letters.length,
        deadLetter: uri,
        reasons: [...new Set(letters.map((l) => l.reason))].slice(0, 5),
      });
      return uri;
    },
  };
}
