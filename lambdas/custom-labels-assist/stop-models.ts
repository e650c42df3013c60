import { createHash } from 'node:crypto';
import { RekognitionClient, paginateDescribeProjectVersions } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { releaseUsage, stopVersion, usages } from './adapters/model-usage';
import { RunStore } from './adapters/run-store';
import { modelEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, CUSTOM_LABELS_ASSIST_METRICS, MODEL_WATCH_PREFIX, runKeys } from './contract';
import { type ModelWatch, decideIdle } from './core/idle';
import { type ModelVersion } from './core/model-versions';
import { runIdOf } from './core/run-id';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
const rekognition = new RekognitionClient({});
const sfn = new SFNClient({});

const statusChange = z.looseObject({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({ executionArn: z.string(), status: z.string() }),
});

const watchKey = (arn: string) =>
  `${MODEL_WATCH_PREFIX}${createHash('sha256').update(arn).digest('hex').slice(0, 16)}.json`;

async function stopModel(modelVersionArn: string, reason: string): Promise<void> {
  await stopVersion(rekognition, modelVersionArn);
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.MODELS_STOPPED, MetricUnit.Count, 1);
  logger.warn('Model stopped', { modelVersionArn, reason });
}

/** An assist execution ended aborted, timed out or failed: release its model use like the run itself would. */
async function cleanUp(files: RunStore, executionArn: string, status: string): Promise<void> {
  const runId = runIdOf(executionArn);
  const released = await releaseUsage({ files, sfn, rekognition }, runId);
  if (released.stop) {
    metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.MODELS_STOPPED, MetricUnit.Count, 1);
    logger.warn('Model stopped', {
      modelVersionArn: released.modelVersionArn,
      reason: `run ${runId} ended ${status} without stopping it`,
    });
  } else if (released.handOver) {
    logger.info('Model left running for another run', { runId, status, reason: released.reason });
  }
}

/**
 * The project's model watchdog. On its schedule: stop any model version that has run `maxIdleMinutes` with no run
 * using it, or that a run started and left behind, and publish the inference-unit hours of the running models (the
 * alarm watches them). On an assist execution that ended ABORTED, TIMED_OUT or FAILED: stop the model the run started
 * (a cancelled execution runs no Catch branch).
 */
export const handler = async (event: unknown): Promise<{ stopped: string[] }> => {
  const env = modelEnv();
  const files = new RunStore(s3, env[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  const change = statusChange.safeParse(event);
  try {
    if (change.success) {
      await cleanUp(files, change.data.detail.executionArn, change.data.detail.status);
      return { stopped: [] };
    }
    const versions: ModelVersion[] = [];
    for await (const page of paginateDescribeProjectVersions(
      { client: rekognition },
      { ProjectArn: env[CUSTOM_LABELS_ASSIST_ENV.PROJECT_ARN] },
    )) {
      versions.push(...(page.ProjectVersionDescriptions ?? []));
    }
    const watches: ModelWatch[] = [];
    for (const key of await files.keys(MODEL_WATCH_PREFIX)) {
      const watch = await files.json<ModelWatch>(key);
      if (watch) watches.push(watch);
    }
    const decision = decideIdle({
      versions,
      usages: await usages({ files, sfn, rekognition }),
      watches,
      now: new Date(),
      maxIdleMinutes: env[CUSTOM_LABELS_ASSIST_ENV.MAX_IDLE_MINUTES],
      intervalMinutes: env[CUSTOM_LABELS_ASSIST_ENV.CHECK_INTERVAL_MINUTES],
    });
    for (const { modelVersionArn, reason } of decision.stop) await stopModel(modelVersionArn, reason);
    for (const watch of decision.watches) await files.put(watchKey(watch.modelVersionArn), JSON.stringify(watch));
    for (const arn of decision.forget) await files.delete(watchKey(arn));
    for (const runId of decision.staleUsages) await files.delete(runKeys(runId).usage);
    metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.INFERENCE_UNIT_HOURS, MetricUnit.Count, decision.inferenceUnitHours);
    return { stopped: decision.stop.map((s) => s.modelVersionArn) };
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
