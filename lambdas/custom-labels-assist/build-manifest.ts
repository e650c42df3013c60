import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type BoundingBoxTaskInput, type HumanReviewOutput } from '../review/contract';
import { isJsonObject, readJsonLines } from '../shared/jsonl';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { openS3Object } from '../shared/s3';
import { parseS3Uri } from '../shared/s3-keys';
import { type ProjectDatasets, projectDatasets } from './adapters/datasets';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import {
  CUSTOM_LABELS_ASSIST_ENV,
  CUSTOM_LABELS_ASSIST_METRICS,
  UPDATE_DATASET_ENTRIES_MAX_BYTES,
  runKeys,
} from './contract';
import { type NeedsLabeling, chunkLines, groundTruthEntry, manifestEntries } from './core/manifest';
import { type Run } from './core/run';
import { type PageProposals } from './core/tasks';
import { type RecordedReview } from './record-review';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});
const rekognition = new RekognitionClient({});

const eventSchema = z.object({
  run: z.looseObject({ runId: z.string() }),
  /** Ground Truth mode: the job's output manifest (`LabelingJobOutput.OutputDatasetS3Uri`). */
  groundTruthOutput: z.string().optional(),
  /** Days the run waited for reviews (for the needs-labeling reason of unfinished tasks). */
  waitDays: z.number().optional(),
});

/** The run's manifest, what it holds, and the project's datasets it goes to (create the training dataset when absent). */
export interface BuiltManifest extends ProjectDatasets {
  /** `s3://…/manifest/output.manifest` and its parts (for `CreateDataset`). */
  readonly manifestUri: string;
  readonly manifestBucket: string;
  readonly manifestKey: string;
  readonly lines: number;
  readonly needsLabeling: number;
  readonly needsLabelingUri: string;
  /** Chunk numbers of the dataset changes (`dataset-changes/<n>.jsonl`, each under the `UpdateDatasetEntries` limit). */
  readonly chunks: number[];
  /** Answers beyond the first on an image (only the first is used). */
  readonly extraAnswers: number;
}

/**
 * Step Functions task `BuildManifest`: every finished review of the run (the A2I-shaped `output.json` of each task) →
 * the Custom Labels manifest (pixel boxes, integer class ids with a class map, `human-annotated: yes`, the real review
 * time), the needs-labeling list (images rejected as a whole, reviews not finished in time, images the model could not
 * read), and the dataset changes cut into `UpdateDatasetEntries` chunks. In Ground Truth mode the job's output
 * manifest is read instead of the reviews. The project's datasets are looked up last (`DescribeProjects`): the state
 * machine creates the training dataset from the manifest when there is none, else sends the changes.
 */
export const handler = async (event: unknown): Promise<BuiltManifest> => {
  const parsed = eventSchema.parse(event);
  const run = parsed.run as unknown as Run;
  const env = runEnv();
  const files = new RunStore(s3, env[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  const keys = runKeys(run.runId);
  const labelAttribute = env[CUSTOM_LABELS_ASSIST_ENV.LABEL_ATTRIBUTE];
  const options = { labelAttribute, jobName: `labeling-job/custom-labels-assist-${run.runId}` };
  const lines: string[] = [];
  const needsLabeling: NeedsLabeling[] = [];
  let extraAnswers = 0;

  const pageKeys = await files.keys(keys.proposalsPrefix);
  for (const key of pageKeys) {
    const page = await files.json<PageProposals>(key);
    if (!page) continue;
    needsLabeling.push(...page.needsLabeling);
    if (parsed.groundTruthOutput !== undefined) continue;
    for (const batch of page.batches) {
      const review = await files.json<RecordedReview>(keys.review(batch.id));
      if (!review) {
        for (const item of batch.input.items) {
          needsLabeling.push({
            'source-ref': item.image,
            reason: `the review was not finished within ${parsed.waitDays ?? '?'} day(s)`,
            taskId: batch.id,
          });
        }
        continue;
      }
      const location = review.humanLoopOutput ? parseS3Uri(review.humanLoopOutput.outputS3Uri) : undefined;
      const output = location
        ? await files.json<HumanReviewOutput<BoundingBoxTaskInput>>(location.key, location.bucket)
        : undefined;
      const entries = manifestEntries(
        output ?? {
          flowDefinitionArn: review.flowDefinitionArn,
          humanLoopName: batch.id,
          inputContent: batch.input,
          humanAnswers: [],
        },
        output ? review.humanLoopStatus : review.humanLoopStatus === 'Completed' ? 'Failed' : review.humanLoopStatus,
        options,
      );
      for (const line of entries.lines) lines.push(JSON.stringify(line));
      needsLabeling.push(...entries.needsLabeling);
      extraAnswers += entries.extraAnswers;
    }
  }
  if (parsed.groundTruthOutput !== undefined) {
    const location = parseS3Uri(parsed.groundTruthOutput);
    const object = await openS3Object(s3, location);
    for await (const line of readJsonLines(object.body, { what: parsed.groundTruthOutput })) {
      if (!line.ok || !isJsonObject(line.value)) {
        needsLabeling.push({
          'source-ref': '(unreadable)',
          reason: `Ground Truth output line ${line.lineNumber} is not a JSON object`,
        });
        continue;
      }
      const entry = groundTruthEntry(line.value, labelAttribute);
      if ('line' in entry) lines.push(JSON.stringify(entry.line));
      else needsLabeling.push(entry.needsLabeling);
    }
  }

  await files.put(keys.manifest, lines.map((l) => `${l}\n`).join(''), 'application/x-ndjson');
  await files.put(
    keys.needsLabeling,
    needsLabeling.map((n) => `${JSON.stringify(n)}\n`).join(''),
    'application/x-ndjson',
  );
  const chunks = chunkLines(lines, UPDATE_DATASET_ENTRIES_MAX_BYTES);
  for (const [i, chunk] of chunks.entries()) await files.put(keys.changes(i), chunk, 'application/x-ndjson');
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.MANIFEST_LINES, MetricUnit.Count, lines.length);
  metrics.addMetric(CUSTOM_LABELS_ASSIST_METRICS.NEEDS_LABELING, MetricUnit.Count, needsLabeling.length);
  metrics.publishStoredMetrics();
  logger.info('Manifest built', {
    runId: run.runId,
    lines: lines.length,
    needsLabeling: needsLabeling.length,
    chunks: chunks.length,
  });
  const datasets = lines.length > 0 ? await projectDatasets(rekognition, run.projectArn) : {};
  return {
    ...datasets,
    manifestUri: `s3://${files.bucket}/${keys.manifest}`,
    manifestBucket: files.bucket,
    manifestKey: keys.manifest,
    lines: lines.length,
    needsLabeling: needsLabeling.length,
    needsLabelingUri: `s3://${files.bucket}/${keys.needsLabeling}`,
    chunks: chunks.map((_, i) => i),
    extraAnswers,
  };
};
