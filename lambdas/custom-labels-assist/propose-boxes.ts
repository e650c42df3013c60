import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { createReviewBackend } from '../review/adapters';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, CUSTOM_LABELS_ASSIST_METRICS, runKeys } from './contract';
import { type DetectedImage, proposePage } from './core/tasks';
import { type Run } from './core/run';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
let backend: ReturnType<typeof createReviewBackend> | undefined;

const eventSchema = z.object({
  run: z.looseObject({ runId: z.string(), bucket: z.string() }),
  page: z.number().int().min(0),
  detected: z.array(z.looseObject({ image: z.looseObject({ key: z.string() }) })),
});

/** What one page gave (small: it travels in the state). */
export interface PageSummary {
  readonly page: number;
  readonly images: number;
  readonly boxes: number;
  readonly tasks: number;
  readonly needsLabeling: number;
}

/**
 * Step Functions task `ProposeBoxes`: a page of `DetectCustomLabels` answers → boxes in pixels of each image's real
 * size → review tasks (`bounding-box-verification`) handed to the review back end (the portal), each created once
 * (a retried page finds its tasks already there). In `ground-truth` mode nothing is sent: the page's proposals are
 * kept for the Ground Truth input manifest. Either way the page's proposals file records every image.
 */
export const handler = async (event: unknown): Promise<PageSummary> => {
  const parsed = eventSchema.parse(event);
  const run = parsed.run as unknown as Run;
  const env = runEnv();
  const result = proposePage(run, parsed.page, parsed.detected as unknown as DetectedImage[], {
    imagesPerPage: env[CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_PAGE],
    imagesPerTask: env[CUSTOM_LABELS_ASSIST_ENV.IMAGES_PER_TASK],
  });
  if (env[CUSTOM_LABELS_ASSIST_ENV.REVIEW] === 'portal') {
    backend ??= createReviewBackend();
    for (const batch of result.batches) {
      const started = await backend.start(batch);
      if (started === 'started') metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.TASKS_CREATED, MetricUnit.Count, 1);
    }
  }
  await new RunStore(s3, env[CUSTOM_LABELS_ASSIST_ENV.BUCKET]).put(
    runKeys(run.runId).proposals(parsed.page),
    JSON.stringify(result),
  );
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.BOXES_PROPOSED, MetricUnit.Count, result.counts.boxes);
  metrics.publishStoredMetrics();
  logger.info('Page proposed', { runId: run.runId, page: parsed.page, tasks: result.tasks.length, ...result.counts });
  return {
    page: parsed.page,
    images: result.counts.images,
    boxes: result.counts.boxes,
    tasks: result.tasks.length,
    needsLabeling: result.needsLabeling.length,
  };
};
