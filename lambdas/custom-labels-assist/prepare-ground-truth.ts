import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { createLogger } from '../shared/observability';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, runKeys } from './contract';
import { classMapObject, classMapOf, objectDetectionLabel } from './core/manifest';
import { type PageProposals } from './core/tasks';

const logger = createLogger();
const s3 = new S3Client({});

const eventSchema = z.object({ run: z.looseObject({ runId: z.string(), bucket: z.string() }) });

/**
 * Step Functions task `PrepareGroundTruth` (review mode `ground-truth`): the run's proposals → the input manifest of a
 * Ground Truth bounding-box adjustment job (each image with its proposed boxes as the label attribute
 * `<attribute>-proposed`, in the object-detection format, `human-annotated: no`) and the label category file.
 */
export const handler = async (
  event: unknown,
): Promise<{ manifestUri: string; categoriesUri: string; images: number }> => {
  const { run } = eventSchema.parse(event);
  const env = runEnv();
  const files = new RunStore(s3, env[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  const keys = runKeys(run.runId);
  const proposed = `${env[CUSTOM_LABELS_ASSIST_ENV.LABEL_ATTRIBUTE]}-proposed`;
  const lines: string[] = [];
  const labels = new Set<string>();
  for (const key of await files.keys(keys.proposalsPrefix)) {
    const page = await files.json<PageProposals>(key);
    for (const batch of page?.batches ?? []) {
      for (const category of batch.input.categories) labels.add(category);
      const ids = classMapOf(batch.input.categories);
      for (const item of batch.input.items) {
        lines.push(
          JSON.stringify({
            'source-ref': item.image,
            [proposed]: objectDetectionLabel(item, item.proposals, ids),
            [`${proposed}-metadata`]: {
              objects: item.proposals.map((p) => ({ confidence: p.confidence / 100 })),
              'class-map': classMapObject(ids),
              type: 'groundtruth/object-detection',
              'human-annotated': 'no',
              'creation-date': new Date().toISOString().replace(/Z$/, ''),
              'job-name': `labeling-job/custom-labels-assist-${run.runId}`,
            },
          }),
        );
      }
    }
  }
  await files.put(keys.groundTruthInput, lines.map((l) => `${l}\n`).join(''), 'application/x-ndjson');
  await files.put(
    keys.groundTruthCategories,
    JSON.stringify({ document_version: '2018-11-28', labels: [...labels].sort().map((label) => ({ label })) }),
  );
  logger.info('Ground Truth input written', { runId: run.runId, images: lines.length, labels: labels.size });
  return {
    manifestUri: `s3://${files.bucket}/${keys.groundTruthInput}`,
    categoriesUri: `s3://${files.bucket}/${keys.groundTruthCategories}`,
    images: lines.length,
  };
};
