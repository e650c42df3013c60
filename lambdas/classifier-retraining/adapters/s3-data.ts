import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { RetryableError, ValidationError, awsErrorName } from '../../shared/errors';
import { type S3Location, formatS3Uri, parseS3Uri } from '../../shared/s3-keys';
import type { PrepareSource, SourceKind } from '../core/prepare';

/**
 * The S3 side of the prepare step: list the reviewed files, open each at the version pass 1 saw (`IfMatch` on its
 * ETag, so both passes read the same bytes), and read and write the run's JSON and CSV files.
 */

/** One input object, pinned to the ETag it had when listed. */
export interface SourceRef {
  readonly uri: string;
  readonly eTag: string;
  readonly kind: SourceKind;
}

/** The `sources.json` of a run: what its training data was made of. */
export interface SourcesFile {
  readonly runId: string;
  readonly sources: readonly SourceRef[];
}

/** Identity of a source for "was it in the last promoted model's data?". */
export const sourceIdentity = (ref: { uri: string; eTag: string }) => `${ref.uri}@${ref.eTag}`;

/** Every `*.csv` object under a prefix, in key order (the loop's keys are dated, so this is oldest first). */
export async function listCsvObjects(s3: S3Client, bucket: string, prefix: string): Promise<SourceRef[]> {
  const refs: SourceRef[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!object.Key?.toLowerCase().endsWith('.csv') || object.ETag === undefined) continue;
      refs.push({ uri: formatS3Uri({ bucket, key: object.Key }), eTag: object.ETag, kind: 'reviewed' });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return refs.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}

/**
 * The base training set, pinned to its current ETag.
 * @throws ValidationError when it does not exist.
 */
export async function baseSource(s3: S3Client, uri: string): Promise<SourceRef> {
  const location = parseS3Uri(uri);
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return { uri, eTag: head.ETag ?? '', kind: 'base' };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NotFound' || name === 'NoSuchKey')
      throw new ValidationError(`The base training set ${uri} does not exist (baseTrainingDataUri)`);
    throw error;
  }
}

/**
 * A prepare source reading an S3 object at the ETag it was listed with.
 * @throws RetryableError (on open) when the object changed since: the step runs again on the new listing.
 */
export function s3Source(s3: S3Client, ref: SourceRef, isNew: boolean): PrepareSource {
  const location = parseS3Uri(ref.uri);
  return {
    name: ref.uri,
    kind: ref.kind,
    isNew,
    open: async () => {
      try {
        const answer = await s3.send(
          new GetObjectCommand({ Bucket: location.bucket, Key: location.key, IfMatch: ref.eTag || undefined }),
        );
        if (!answer.Body) throw new Error(`Empty body for ${ref.uri}`);
        return answer.Body instanceof Readable
          ? answer.Body
          : Readable.from(answer.Body as unknown as AsyncIterable<Uint8Array>);
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'PreconditionFailed' || name === 'NoSuchKey')
          throw new RetryableError(`${ref.uri} changed while the training data was prepared (${name})`);
        throw error;
      }
    },
  };
}

/** Read a JSON object; `undefined` when it does not exist. */
export async function readJsonObject<T>(s3: S3Client, uri: string): Promise<T | undefined> {
  const location = parseS3Uri(uri);
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return JSON.parse(await answer.Body!.transformToString('utf8')) as T;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Write a JSON object. */
export async function putJsonObject(s3: S3Client, location: S3Location, value: unknown): Promise<string> {
  await s3.send(
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Body: `${JSON.stringify(value, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
  return formatS3Uri(location);
}

/** Upload a local file (streamed, with its length). */
export async function putFile(s3: S3Client, location: S3Location, path: string, contentType: string): Promise<string> {
  const { size } = await stat(path);
  await s3.send(
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Body: createReadStream(path),
      ContentLength: size,
      ContentType: contentType,
    }),
  );
  return formatS3Uri(location);
}
