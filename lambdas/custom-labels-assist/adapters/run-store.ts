import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { awsErrorName } from '../../shared/errors';
import { decodeUtf8 } from '../../shared/text';

/** One object of a listing. */
export interface ListedObject {
  readonly key: string;
  readonly bytes: number;
}

/**
 * The run's files in the images bucket (`runs/<run id>/…`, `model-usage/…`, `model-watch/…`): small JSON and JSON Lines
 * objects the run's steps hand to each other, so state payloads stay small (Step Functions: 256 KiB).
 */
export class RunStore {
  constructor(
    private readonly s3: S3Client,
    public readonly bucket: string,
  ) {}

  /** Every object under a prefix (all pages), in key order. */
  public async *list(prefix: string, bucket = this.bucket): AsyncGenerator<ListedObject> {
    for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, bytes: o.Size ?? 0 };
    }
  }

  /** The keys under a prefix. */
  public async keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const o of this.list(prefix)) out.push(o.key);
    return out;
  }

  /** An object's bytes (optionally the first `range` bytes), or undefined when it does not exist. */
  public async bytes(key: string, options: { bucket?: string; range?: number } = {}): Promise<Buffer | undefined> {
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({
          Bucket: options.bucket ?? this.bucket,
          Key: key,
          Range: options.range === undefined ? undefined : `bytes=0-${options.range - 1}`,
        }),
      );
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** A JSON object (UTF-8, BOM skipped), or undefined when it does not exist. */
  public async json<T>(key: string, bucket = this.bucket): Promise<T | undefined> {
    const bytes = await this.bytes(key, { bucket });
    return bytes === undefined ? undefined : (JSON.parse(decodeUtf8(bytes, `s3://${bucket}/${key}`)) as T);
  }

  /** Write text (JSON or JSON Lines). The same key and content again is harmless (retries overwrite). */
  public async put(key: string, body: string, contentType = 'application/json'): Promise<void> {
    // ContentLength given: the SDK sets none for an empty body (and warns of a stream of unknown length).
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ContentLength: Buffer.byteLength(body),
      }),
    );
  }

  /** Delete an object (a missing one is fine). */
  public async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
