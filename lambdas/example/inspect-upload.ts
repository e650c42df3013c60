import { parse } from '@aws-lambda-powertools/parser';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defineEnv } from '../shared/env';
import { readJsonLineBatches } from '../shared/jsonl';
import { createLogger, createMetrics, flushMetrics, MetricUnit } from '../shared/observability';
import { openS3Object } from '../shared/s3';
import { EXAMPLE_ENV, EXAMPLE_METRICS } from './contract';
import { summarize, summaryKeyFor } from './core/summarize';

const env = defineEnv({ [EXAMPLE_ENV.BUCKET]: z.string().min(1) });
const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});

/**
 * S3 "Object Created" (through EventBridge) on `incoming/*.jsonl` → stream the object and write
 * `summaries/<key>.summary.json`. A re-delivered event overwrites the same summary (harmless). Errors propagate, so
 * EventBridge retries and then dead-letters the event.
 */
export const handler = async (event: unknown): Promise<void> => {
  const { detail } = parse(event, undefined, S3EventNotificationEventBridgeSchema);
  const key = detail.object.key;
  try {
    const object = await openS3Object(s3, { bucket: detail.bucket.name, key, versionId: detail.object['version-id'] });
    const summary = await summarize(
      readJsonLineBatches(object.body, {
        gunzip: key.endsWith('.gz'),
        keepBlankLines: true,
        what: `s3://${detail.bucket.name}/${key}`,
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: env()[EXAMPLE_ENV.BUCKET],
        Key: summaryKeyFor(key),
        Body: JSON.stringify({ source: key, versionId: object.versionId, ...summary }),
        ContentType: 'application/json',
      }),
    );
    metrics.addMetric(EXAMPLE_METRICS.LINES, MetricUnit.Count, summary.lines);
    metrics.addMetric(EXAMPLE_METRICS.INVALID_LINES, MetricUnit.Count, summary.invalid);
    logger.info('Summarized upload', { key, lines: summary.lines, invalid: summary.invalid });
  } finally {
    flushMetrics(metrics);
  }
};
