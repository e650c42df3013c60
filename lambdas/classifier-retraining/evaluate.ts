import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defineEnv, envBool } from '../shared/env';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { putJsonObject } from './adapters/s3-data';
import {
  APPROVAL_MODES,
  CLASSIFIER_RETRAINING_ENV,
  CLASSIFIER_RETRAINING_METRICS,
  RT_PREFIX,
  RUN_FILES,
  RUN_ID_PATTERN,
} from './contract';
import { type EvaluationMetrics, type Selection, selectModel } from './core/select';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});

const env = defineEnv({
  [CLASSIFIER_RETRAINING_ENV.DATA_BUCKET]: z.string().min(3),
  [CLASSIFIER_RETRAINING_ENV.MULTI_LABEL]: envBool(),
  [CLASSIFIER_RETRAINING_ENV.MIN_IMPROVEMENT]: z.coerce.number().min(0).max(1),
  [CLASSIFIER_RETRAINING_ENV.MIN_F1]: z.coerce.number().min(0).max(1),
  [CLASSIFIER_RETRAINING_ENV.APPROVAL]: z.enum(APPROVAL_MODES),
});

const metricsSchema = z.record(z.string(), z.unknown()).optional();
/** `DescribeDocumentClassifier` (versions) or `DescribeFlywheelIteration` (flywheel), as Step Functions returns them. */
const describedSchema = z
  .object({
    DocumentClassifierProperties: z
      .object({
        DocumentClassifierArn: z.string().optional(),
        VersionName: z.string().optional(),
        Status: z.string().optional(),
        ClassifierMetadata: z
          .object({
            EvaluationMetrics: metricsSchema,
            NumberOfLabels: z.number().optional(),
            NumberOfTrainedDocuments: z.number().optional(),
            NumberOfTestDocuments: z.number().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    FlywheelIterationProperties: z
      .object({
        FlywheelIterationId: z.string().optional(),
        TrainedModelArn: z.string().optional(),
        TrainedModelMetrics: metricsSchema,
        EvaluatedModelArn: z.string().optional(),
        EvaluatedModelMetrics: metricsSchema,
      })
      .loose()
      .optional(),
  })
  .loose();

const eventSchema = z.object({
  runId: z.string().regex(RUN_ID_PATTERN),
  classifier: z.string(),
  mode: z.string(),
  candidate: describedSchema,
  /** The model behind the endpoint (`DescribeDocumentClassifier`), absent on a first deployment or in flywheel mode. */
  current: describedSchema.optional(),
  prepare: z.record(z.string(), z.unknown()),
});

/** A model and its evaluation metrics. */
export interface ModelFigures {
  readonly modelArn?: string;
  readonly metrics?: EvaluationMetrics;
  readonly documents?: { trained?: number; test?: number; labels?: number };
}

/** What the state machine gets back. */
export interface EvaluateResult {
  readonly decision: Selection['decision'];
  readonly selection: Selection;
  readonly candidateModelArn: string;
  readonly currentModelArn?: string;
  readonly summaryUri: string;
}

function figures(described: z.infer<typeof describedSchema>, side: 'candidate' | 'current'): ModelFigures {
  const iteration = described.FlywheelIterationProperties;
  if (iteration) {
    return side === 'candidate'
      ? { modelArn: iteration.TrainedModelArn, metrics: iteration.TrainedModelMetrics }
      : {
          modelArn: iteration.EvaluatedModelArn,
          metrics: iteration.EvaluatedModelMetrics,
        };
  }
  const properties = described.DocumentClassifierProperties;
  const metadata = properties?.ClassifierMetadata;
  return {
    modelArn: properties?.DocumentClassifierArn,
    metrics: metadata?.EvaluationMetrics,
    documents: {
      trained: metadata?.NumberOfTrainedDocuments,
      test: metadata?.NumberOfTestDocuments,
      labels: metadata?.NumberOfLabels,
    },
  };
}

/**
 * Step Functions task `EvaluateCandidate`: the selection core on the candidate's and the current model's evaluation
 * metrics (a flywheel iteration carries both: the trained model's and the active model's on the same test data). Writes
 * the run summary (`retraining/<run id>/summary.json`: preparation, both metric sets, the decision) and publishes the
 * scores and the decision as metrics.
 */
export const handler = async (event: unknown): Promise<EvaluateResult> => {
  const config = env();
  const input = eventSchema.parse(event);
  const candidate = figures(input.candidate, 'candidate');
  // A flywheel iteration evaluated the active model itself; otherwise the current model is described separately.
  const current = input.candidate.FlywheelIterationProperties
    ? figures(input.candidate, 'current')
    : input.current
      ? figures(input.current, 'current')
      : undefined;
  if (!candidate.modelArn) throw new Error('The candidate has no model ARN');
  const selection = selectModel({
    multiLabel: config[CLASSIFIER_RETRAINING_ENV.MULTI_LABEL],
    candidate: candidate.metrics,
    current: current?.modelArn ? current.metrics : undefined,
    minImprovement: config[CLASSIFIER_RETRAINING_ENV.MIN_IMPROVEMENT],
    minF1: config[CLASSIFIER_RETRAINING_ENV.MIN_F1],
    approval: config[CLASSIFIER_RETRAINING_ENV.APPROVAL],
  });
  try {
    const summaryUri = await putJsonObject(
      s3,
      {
        bucket: config[CLASSIFIER_RETRAINING_ENV.DATA_BUCKET],
        key: `${RT_PREFIX.RUNS}${input.runId}/${RUN_FILES.SUMMARY}`,
      },
      {
        runId: input.runId,
        classifier: input.classifier,
        mode: input.mode,
        prepare: input.prepare,
        candidate,
        current: current ?? null,
        selection,
        settings: {
          minImprovement: config[CLASSIFIER_RETRAINING_ENV.MIN_IMPROVEMENT],
          minF1: config[CLASSIFIER_RETRAINING_ENV.MIN_F1],
          approval: config[CLASSIFIER_RETRAINING_ENV.APPROVAL],
        },
      },
    );
    if (selection.candidateScore !== undefined && Number.isFinite(selection.candidateScore))
      metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.CANDIDATE_F1, MetricUnit.NoUnit, selection.candidateScore);
    if (selection.currentScore !== undefined)
      metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.CURRENT_F1, MetricUnit.NoUnit, selection.currentScore);
    metrics.addMetric(
      selection.decision === 'keep'
        ? CLASSIFIER_RETRAINING_METRICS.KEEP_DECISIONS
        : CLASSIFIER_RETRAINING_METRICS.PROMOTE_DECISIONS,
      MetricUnit.Count,
      1,
    );
    logger.info('Candidate evaluated', { runId: input.runId, selection, candidate, current });
    return {
      decision: selection.decision,
      selection,
      candidateModelArn: candidate.modelArn,
      currentModelArn: current?.modelArn,
      summaryUri,
    };
  } finally {
    metrics.publishStoredMetrics();
  }
};
