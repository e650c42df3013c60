import { RekognitionClient, UpdateDatasetEntriesCommand } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { awsErrorName, isThrottling, RetryableError, ThrottledError } from '../shared/errors';
import { createLogger } from '../shared/observability';
import { RunStore } from './adapters/run-store';
import { runEnv } from './adapters/settings';
import { CUSTOM_LABELS_ASSIST_ENV, UPDATE_DATASET_ENTRIES_MAX_BYTES, runKeys } from './contract';

const logger = createLogger();
const s3 = new S3Client({});
const rekognition = new RekognitionClient({});

const eventSchema = z.object({
  run: z.looseObject({ runId: z.string() }),
  datasetArn: z.string().min(1),
  chunk: z.number().int().min(0),
});

/**
 * Step Functions task `UpdateDatasetEntries` (one chunk; the state machine waits for `UPDATE_COMPLETE` between chunks):
 * `Changes.GroundTruth` is a blob of JSON Lines under the documented 5 MB limit, too large for a state payload, so this
 * function reads the chunk from the run's folder and sends it. A dataset still busy with the previous change
 * (`ResourceInUseException`) or throttling is thrown as `RetryableError`/`ThrottledError` for the state machine's
 * Retry; anything else fails the step.
 */
export const handler = async (event: unknown): Promise<{ chunk: number; lines: number; bytes: number }> => {
  const { run, datasetArn, chunk } = eventSchema.parse(event);
  const files = new RunStore(s3, runEnv()[CUSTOM_LABELS_ASSIST_ENV.BUCKET]);
  const key = runKeys(run.runId).changes(chunk);
  const body = await files.bytes(key);
  if (!body) throw new Error(`Dataset change ${key} is missing`);
  if (body.length > UPDATE_DATASET_ENTRIES_MAX_BYTES)
    throw new Error(`Dataset change ${key} is ${body.length} bytes, over the limit`);
  try {
    await rekognition.send(new UpdateDatasetEntriesCommand({ DatasetArn: datasetArn, Changes: { GroundTruth: body } }));
  } catch (error) {
    if (awsErrorName(error) === 'ResourceInUseException') {
      throw new RetryableError(`Dataset ${datasetArn} is busy with another change`, { cause: error });
    }
    if (isThrottling(error) || awsErrorName(error) === 'ProvisionedThroughputExceededException') {
      throw new ThrottledError(`Rekognition throttled UpdateDatasetEntries`, { cause: error });
    }
    throw error;
  }
  const lines = body.toString('utf8').split('\n').filter(Boolean).length;
  logger.info('Dataset entries sent', { runId: run.runId, datasetArn, chunk, lines, bytes: body.length });
  return { chunk, lines, bytes: body.length };
};
