import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import {
  CUSTOM_LABELS_ASSIST_ENV,
  CUSTOM_LABELS_ASSIST_METRICS,
  type PageImage,
  type SkippedObject,
  runKeys,
} from './contract';
import { HEADER_BYTES, readImageHeader, skipReasonOf } from './core/images';
import { type Run, runOf } from './core/run';
import { runIdOf } from './core/run-id';

const logger = createLogger();
const metrics = createMetrics();
const store = () => new RunStore(s3, runEnv()[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
const s3 = new S3Client({});

/** Headers read at once. */
const CONCURRENCY = 16;

const eventSchema = z.object({ request: z.unknown(), executionArn: z.string().min(1), maxImages: z.number().int() });

/** What the listing hands to the state machine (pages are files; only their numbers travel in the state). */
export interface Listing {
  readonly run: Run;
  /** Page numbers `0 … n-1` (`runs/<run id>/pages/<n>.json`). */
  readonly pages: number[];
  readonly imageCount: number;
  readonly skippedCount: number;
  /** `s3://…/skipped.jsonl`: every object skipped and why. */
  readonly skippedReport: string;
}

/** The size of one image, reading only its first bytes unless the header needs more. */
async function headerOf(files: RunStore, key: string, bytes: number): Promise<PageImage | SkippedObject> {
  const head = await files.bytes(key, { range: Math.min(bytes, HEADER_BYTES) });
  if (!head) return { key, reason: 'deleted while the run listed it' };
  let header = readImageHeader(head, head.length >= bytes);
  if (header === 'need-more') {
    const whole = await files.bytes(key);
    header = whole ? readImageHeader(whole, true) : { ok: false, reason: 'deleted while the run listed it' };
  }
  if (header === 'need-more' || !header.ok)
    return { key, reason: header === 'need-more' ? 'unreadable' : header.reason };
  return { key, width: header.width, height: header.height, bytes };
}

/**
 * Step Functions task `ListImages`: check the request, list the images under the folder (jpg/png, ≤ 15 MB, 64–4096
 * pixels a side, read from each header) into pages of `CLA_IMAGES_PER_PAGE`, and report every other object with the
 * reason it was skipped (`skipped.jsonl`) — never silently. Nothing is started before this succeeds.
 * @throws ValidationError (an invalid request, no usable image, more images than one run may take).
 */
export const handler = async (event: unknown): Promise<Listing> => {
  const { request, executionArn, maxImages } = eventSchema.parse(event);
  const env = runEnv();
  const run = runOf(request, runIdOf(executionArn), executionArn, {
    bucket: env[CUSTOM_LABELS_ASSIST_ENV.BUCKET],
    projectArn: env[CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN],
    minConfidence: env[CUSTOM_LABELS_ASSIST_ENV.MIN_CONFIDENCE],
  });
  const files = store();
  const keys = runKeys(run.runId);
  const perPage = env[CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_PAGE];
  const skipped: SkippedObject[] = [];
  const candidates: { key: string; bytes: number }[] = [];
  for await (const object of files.list(run.prefix)) {
    if (object.key.startsWith('runs/')) continue; // the run's own files
    const reason = skipReasonOf(object.key, object.bytes);
    if (reason) skipped.push({ key: object.key, reason });
    else candidates.push(object);
  }
  const images: PageImage[] = [];
  for (let i = 0; i < candidates.length; i += CONCURRENCY) {
    const read = await Promise.all(candidates.slice(i, i + CONCURRENCY).map((c) => headerOf(files, c.key, c.bytes)));
    for (const r of read)
      if ('reason' in r) skipped.push(r);
      else images.push(r);
  }
  skipped.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)); // in key order, like the listing
  await files.put(
    keys.skipped,
    skipped.map((s) => JSON.stringify(s)).join('\n') + (skipped.length ? '\n' : ''),
    'application/x-ndjson',
  );
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.IMAGES_LISTED, MetricUnit.Count, images.length);
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.IMAGES_SKIPPED, MetricUnit.Count, skipped.length);
  metrics.publishStoredMetrics();
  const report = `s3://${run.bucket}/${keys.skipped}`;
  if (images.length === 0) {
    throw new ValidationError(
      `No usable image under ${`s3://${run.bucket}/${run.prefix}`}: ${skipped.length} object(s) skipped (${report})`,
    );
  }
  if (images.length > maxImages) {
    throw new ValidationError(
      `${images.length} images under s3://${run.bucket}/${run.prefix}: one run takes at most ${maxImages} (the execution history limit); start runs on smaller folders`,
    );
  }
  const pages: number[] = [];
  for (let p = 0; p * perPage < images.length; p += 1) {
    await files.put(keys.page(p), JSON.stringify(images.slice(p * perPage, (p + 1) * perPage)));
    pages.push(p);
  }
  await files.put(keys.request, JSON.stringify(run));
  logger.info('Images listed', {
    runId: run.runId,
    images: images.length,
    skipped: skipped.length,
    pages: pages.length,
  });
  return { run, pages, imageCount: images.length, skippedCount: skipped.length, skippedReport: report };
};
