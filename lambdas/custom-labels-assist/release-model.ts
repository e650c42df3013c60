import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { releaseUsage } from './adapters/model-usage';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, CUSTOM_LABELS_ASSIST_METRICS } from './contract';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
const rekognition = new RekognitionClient({});
const sfn = new SFNClient({});

const event = z.object({
  usage: z.object({
    runId: z.string().min(1),
    executionArn: z.string().min(1),
    modelVersionArn: z.string().min(1),
    startedByRun: z.boolean(),
  }),
});

/**
 * `ReleaseModel` / `ReleaseModelOnFailure` (Step Functions task): the run leaves the model after detection or on a
 * failure. Its usage record is deleted and the model is stopped only when the run started it (or was handed it) and no
 * other live run uses that version; otherwise a live run that still uses it is handed the duty (see `core/release.ts`,
 * the rule the watchdog also applies). Input: the run's `usage` (as recorded). Output: `{ stopped, reason }`. Errors
 * of S3, Step Functions or Rekognition propagate (the task retries them, then its Catch fails the run and the
 * watchdog's run-ended path releases again).
 */
export const handler = async (input: unknown): Promise<{ stopped: boolean; reason: string }> => {
  const { usage } = event.parse(input);
  const files = new RunStore(s3, runEnv()[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  try {
    const released = await releaseUsage({ files, sfn, rekognition }, usage.runId, usage);
    if (released.stop) metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.MODELS_STOPPED, MetricUnit.Count, 1);
    logger.info('Model released', { runId: usage.runId, stopped: released.stop, reason: released.reason });
    return { stopped: released.stop, reason: released.reason };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
