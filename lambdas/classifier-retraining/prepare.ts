import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { defineEnv, envBool } from '../shared/env';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { formatS3Uri } from '../shared/s3-keys';
import {
  baseSource,
  listCsvObjects,
  putFile,
  putJsonObject,
  readJsonObject,
  s3Source,
  type SourceRef,
  type SourcesFile,
  sourceIdentity,
} from './adapters/s3-data';
import {
  RETRAINING_MODES,
  CLASSIFIER_RETRAINING_ENV,
  CLASSIFIER_RETRAINING_METRICS,
  RT_PREFIX,
  RUN_FILES,
  RUN_ID_PATTERN,
} from './contract';
import { type ClassCount, type PrepareReport, tallySources, writeTrainingRows } from './core/prepare';

const logger = createLogger();
const metrics = createMetrics();
const s3 = new S3Client({});

const env = defineEnv({
  [CLASSIFIER_RETRAINING_ENV.DATA_BUCKET]: z.string().min(3),
  [CLASSIFIER_RETRAINING_ENV.REVIEWED_PREFIX]: z.string().min(1),
  [CLASSIFIER_RETRAINING_ENV.BASE_TRAINING_DATA_URI]: z.string().default(''),
  [CLASSIFIER_RETRAINING_ENV.MULTI_LABEL]: envBool(),
  [CLASSIFIER_RETRAINING_ENV.MIN_NEW_ROWS]: z.coerce.number().int().min(0),
  [CLASSIFIER_RETRAINING_ENV.MODE]: z.enum(RETRAINING_MODES),
});

/** The DynamoDB `GetItem` answer of the baseline item (`PROMOTED` or `INGESTED`): `Item` is absent before the first. */
const eventSchema = z.object({
  runId: z.string().regex(RUN_ID_PATTERN),
  baseline: z
    .object({
      Item: z
        .object({ sourcesUri: z.object({ S: z.string() }).optional() })
        .loose()
        .optional(),
    })
    .loose()
    .optional(),
});

/** What the state machine gets back (small: the full report is in `reportUri`). */
export interface PrepareResult {
  readonly runId: string;
  readonly mayTrain: boolean;
  /** Why training may not start, one line each (empty when it may). */
  readonly reasons: readonly string[];
  /** `s3://…/retraining/<run id>/train.csv` (only when training may start). */
  readonly trainingDataUri?: string;
  /** Rows in the training file (the new rows only, for a flywheel dataset). */
  readonly rowsWritten: number;
  readonly reportUri: string;
  readonly sourcesUri: string;
  readonly rows: PrepareReport['rows'];
  /** Classes, most documents first (at most 100 listed). */
  readonly classes: readonly ClassCount[];
  readonly shortClasses: readonly ClassCount[];
  readonly unreadableSources: readonly string[];
}

/**
 * Step Functions task `PrepareTrainingData`: merge the base training set with every reviewed CSV of the classifier,
 * check and count it (pass 1), write `prepare.json` and `sources.json` under `retraining/<run id>/`, and when training
 * may start, write `train.csv` (pass 2: every document once; in flywheel mode only the documents of new files). A
 * re-run writes the same files. Missing base data is a `ValidationError`; an object that changed between the passes a
 * `RetryableError` (the state machine retries the step).
 */
export const handler = async (event: unknown): Promise<PrepareResult> => {
  const config = env();
  const { runId, baseline } = eventSchema.parse(event);
  const bucket = config[CLASSIFIER_RETRAINING_ENV.DATA_BUCKET];
  const multiLabel = config[CLASSIFIER_RETRAINING_ENV.MULTI_LABEL];
  const runPrefix = `${RT_PREFIX.RUNS}${runId}/`;
  try {
    const baselineUri = baseline?.Item?.sourcesUri?.S;
    const previous = baselineUri ? await readJsonObject<SourcesFile>(s3, baselineUri) : undefined;
    const seen = new Set((previous?.sources ?? []).map(sourceIdentity));
    const refs: SourceRef[] = [];
    const baseUri = config[CLASSIFIER_RETRAINING_ENV.BASE_TRAINING_DATA_URI];
    if (baseUri !== '') refs.push(await baseSource(s3, baseUri));
    refs.push(...(await listCsvObjects(s3, bucket, config[CLASSIFIER_RETRAINING_ENV.REVIEWED_PREFIX])));
    // Base rows are new until a model trained on them was promoted (or a dataset holding them was ingested).
    const sources = refs.map((ref) =>
      s3Source(s3, ref, ref.kind === 'base' ? previous === undefined : !seen.has(sourceIdentity(ref))),
    );

    const tally = await tallySources(sources, {
      multiLabel,
      minNewRows: config[CLASSIFIER_RETRAINING_ENV.MIN_NEW_ROWS],
    });
    const { report } = tally;
    const sourcesUri = await putJsonObject(s3, { bucket, key: `${runPrefix}${RUN_FILES.SOURCES}` }, {
      runId,
      sources: refs,
    } satisfies SourcesFile);
    const reportUri = await putJsonObject(s3, { bucket, key: `${runPrefix}${RUN_FILES.PREPARE_REPORT}` }, report);

    let trainingDataUri: string | undefined;
    let rowsWritten = 0;
    if (report.mayTrain) {
      const written = await writeTrainingFile(
        sources,
        tally,
        multiLabel,
        config[CLASSIFIER_RETRAINING_ENV.MODE] === 'flywheel',
        {
          bucket,
          key: `${runPrefix}${RUN_FILES.TRAINING_DATA}`,
        },
      );
      trainingDataUri = written.uri;
      rowsWritten = written.rows;
    }

    metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.REVIEWED_ROWS, MetricUnit.Count, report.rows.reviewed);
    metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.BASE_ROWS, MetricUnit.Count, report.rows.base);
    metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.NEW_ROWS, MetricUnit.Count, report.rows.newReviewed);
    metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.REJECTED_ROWS, MetricUnit.Count, report.rows.rejected);
    metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.DUPLICATE_ROWS, MetricUnit.Count, report.rows.duplicates);
    metrics.addMetric(
      CLASSIFIER_RETRAINING_METRICS.UNREADABLE_FILES,
      MetricUnit.Count,
      report.unreadableSources.length,
    );
    if (!report.mayTrain) metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.NOT_ENOUGH_DATA, MetricUnit.Count, 1);
    logger.info('Training data prepared', {
      runId,
      mayTrain: report.mayTrain,
      reasons: report.reasons,
      rows: report.rows,
      rowsWritten,
      rejectedExamples: report.rejections.slice(0, 5),
    });
    return {
      runId,
      mayTrain: report.mayTrain,
      reasons: report.reasons,
      trainingDataUri,
      rowsWritten,
      reportUri,
      sourcesUri,
      rows: report.rows,
      classes: report.classes.slice(0, 100),
      shortClasses: report.shortClasses,
      unreadableSources: report.unreadableSources,
    };
  } finally {
    metrics.publishStoredMetrics();
  }
};

/** Pass 2 into a file in /tmp (the function's ephemeral storage), then one streamed PutObject. */
async function writeTrainingFile(
  sources: Parameters<typeof writeTrainingRows>[0],
  tally: Parameters<typeof writeTrainingRows>[1],
  multiLabel: boolean,
  onlyNew: boolean,
  location: { bucket: string; key: string },
): Promise<{ uri: string; rows: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'train-'));
  const path = join(dir, RUN_FILES.TRAINING_DATA);
  try {
    const file = createWriteStream(path);
    const finished = once(file, 'close');
    const { rows } = await writeTrainingRows(sources, tally, { multiLabel, onlyNew }, async (chunk) => {
      if (!file.write(chunk)) await once(file, 'drain');
    });
    file.end();
    await finished;
    await putFile(s3, location, path, 'text/csv; charset=utf-8');
    return { uri: formatS3Uri(location), rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
