import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { createLogger } from '../shared/observability';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, runKeys } from './contract';
import { type Comparison, compareVersions } from './core/compare';
import { type Run } from './core/run';

const logger = createLogger();
const s3 = new S3Client({});

const version = z
  .looseObject({
    ProjectVersionArn: z.string().optional(),
    Status: z.string().optional(),
    EvaluationResult: z.looseObject({ F1Score: z.number().optional() }).optional(),
  })
  .optional();

const eventSchema = z.object({
  run: z.looseObject({ runId: z.string(), modelVersionArn: z.string() }),
  listing: z.looseObject({ imageCount: z.number(), skippedCount: z.number(), skippedReport: z.string() }),
  model: z.looseObject({ startedByRun: z.boolean() }),
  detection: z.array(z.looseObject({ images: z.number(), boxes: z.number(), tasks: z.number() })).nullish(),
  review: z.unknown().nullish(),
  manifest: z.looseObject({ lines: z.number().optional(), needsLabeling: z.number().optional() }).nullish(),
  dataset: z.looseObject({ datasetArn: z.string().optional(), created: z.boolean().optional() }).nullish(),
  /** `DescribeProjectVersions` of the version that proposed the boxes and of the new one (when trained). */
  previous: z.looseObject({ versions: z.array(version).optional() }).nullish(),
  trained: z.looseObject({ versions: z.array(version).optional() }).nullish(),
});

/** The run summary (the execution output and `runs/<run id>/summary.json`). */
export interface RunSummary {
  readonly runId: string;
  readonly images: number;
  readonly skipped: number;
  readonly skippedReport: string;
  readonly modelVersionArn: string;
  /** This run started the model (and stopped it after detection). */
  readonly modelStartedByRun: boolean;
  readonly boxesProposed: number;
  readonly reviewTasks: number;
  readonly manifest?: { readonly uri: string; readonly lines: number };
  readonly needsLabeling?: { readonly uri: string; readonly images: number };
  readonly dataset?: { readonly datasetArn?: string; readonly created: boolean };
  readonly comparison?: Comparison;
}

/** Step Functions task `Summarize`: the run summary, with the F1 comparison when a version was trained. */
export const handler = async (event: unknown): Promise<RunSummary> => {
  const e = eventSchema.parse(event);
  const run = e.run as unknown as Run;
  const keys = runKeys(run.runId);
  const files = new RunStore(s3, runEnv()[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  const previous = e.previous?.versions?.[0];
  const trained = e.trained?.versions?.[0];
  const summary: RunSummary = {
    runId: run.runId,
    images: e.listing.imageCount,
    skipped: e.listing.skippedCount,
    skippedReport: e.listing.skippedReport,
    modelVersionArn: run.modelVersionArn,
    modelStartedByRun: e.model.startedByRun,
    boxesProposed: (e.detection ?? []).reduce((n, p) => n + p.boxes, 0),
    reviewTasks: (e.detection ?? []).reduce((n, p) => n + p.tasks, 0),
    ...(e.manifest?.lines !== undefined
      ? {
          manifest: { uri: `s3://${files.bucket}/${keys.manifest}`, lines: e.manifest.lines },
          needsLabeling: { uri: `s3://${files.bucket}/${keys.needsLabeling}`, images: e.manifest.needsLabeling ?? 0 },
        }
      : {}),
    ...(e.dataset?.datasetArn !== undefined
      ? { dataset: { datasetArn: e.dataset.datasetArn, created: e.dataset.created === true } }
      : {}),
    ...(trained
      ? {
          comparison: compareVersions(
            {
              modelVersionArn: run.modelVersionArn,
              status: previous?.Status,
              f1Score: previous?.EvaluationResult?.F1Score,
            },
            {
              modelVersionArn: trained.ProjectVersionArn ?? run.newVersionName,
              status: trained.Status,
              f1Score: trained.EvaluationResult?.F1Score,
            },
          ),
        }
      : {}),
  };
  await files.put(keys.summary, JSON.stringify(summary, null, 2));
  logger.info('Run finished', { ...summary });
  return summary;
};
