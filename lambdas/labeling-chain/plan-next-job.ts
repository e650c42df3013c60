import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { awsErrorName } from '../shared/errors';
import { readJsonLineBatches } from '../shared/jsonl';
import { createLogger, createMetrics, flushMetrics, MetricUnit } from '../shared/observability';
import { openS3Object } from '../shared/s3';
import { parseS3Uri } from '../shared/s3-keys';
import { LABELING_CHAIN_METRICS } from './contract';
import { type ManifestOpener, type PlanResult, planStep } from './core/plan';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});

const eventSchema = z.object({
  request: z.unknown(),
  settings: z.unknown(),
  chain: z.unknown().optional(),
  job: z.unknown(),
});

/** Stream a manifest from S3; a missing object is `undefined` (the planner then falls back to the job's input). */
const openManifest: ManifestOpener = async (uri) => {
  const location = parseS3Uri(uri);
  try {
    const object = await openS3Object(s3, location);
    return readJsonLineBatches(object.body, {
      gunzip: uri.endsWith('.gz') || object.contentEncoding === 'gzip',
      what: `manifest ${uri}`,
    });
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return undefined;
    throw error;
  }
};

/**
 * Step Functions task `PlanNextJob`: the state (request, settings, chain) plus the job just described → the next
 * state, with `decision` (`create` and the complete `CreateLabelingJob` request, or `stop` and the summary).
 * Re-running it for the same input gives the same answer (names are deterministic). Named errors
 * (`ValidationError`) reach the state machine's Catch; S3 and SDK errors propagate for its Retry.
 */
export const handler = async (event: unknown): Promise<PlanResult> => {
  const parsed = eventSchema.parse(event);
  try {
    const { stats, ...result } = await planStep(parsed, openManifest);
    metrics.addMetric(LABELING_CHAIN_METRICS.LINES_SCANNED, MetricUnit.Count, stats.linesScanned);
    if (result.decision === 'create') {
      const child = result.chain.jobs[result.chain.jobs.length - 1];
      metrics.addMetric(LABELING_CHAIN_METRICS.JOBS_PLANNED, MetricUnit.Count, 1);
      metrics.addMetric(LABELING_CHAIN_METRICS.SENT_TO_WORKERS, MetricUnit.Count, child?.sentToWorkers ?? 0);
      metrics.addMetric(LABELING_CHAIN_METRICS.SKIPPED, MetricUnit.Count, child?.skipped ?? 0);
      logger.info('Planned the next labeling job', {
        job: child?.jobName,
        sentToWorkers: child?.sentToWorkers,
        skipped: child?.skipped,
        manifest: stats.manifestUri,
      });
    } else {
      metrics.addMetric(LABELING_CHAIN_METRICS.CHAINS_FINISHED, MetricUnit.Count, 1);
      logger.info('Chain finished', { outcome: result.summary?.outcome, message: result.summary?.message });
    }
    return result;
  } catch (error) {
    logger.error('Planning failed', { error });
    throw error;
  } finally {
    flushMetrics(metrics);
  }
};
