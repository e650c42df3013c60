import {
  ComprehendClient,
  DeleteDocumentClassifierCommand,
  ListDocumentClassifiersCommand,
  ListEndpointsCommand,
  type ListEndpointsCommandOutput,
} from '@aws-sdk/client-comprehend';
import { z } from 'zod';
import { awsErrorName } from '../shared/errors';
import { defineEnv } from '../shared/env';
import { createLogger, createMetrics, MetricUnit } from '../shared/observability';
import { CLASSIFIER_RETRAINING_ENV, CLASSIFIER_RETRAINING_METRICS } from './contract';
import { type ModelVersion, planCleanup } from './core/cleanup';

const logger = createLogger();
const metrics = createMetrics();
const comprehend = new ComprehendClient({});

const env = defineEnv({
  [CLASSIFIER_RETRAINING_ENV.COMPREHEND_CLASSIFIER_NAME]: z.string().min(1),
  [CLASSIFIER_RETRAINING_ENV.KEEP_VERSIONS]: z.coerce.number().int().min(1),
});

const eventSchema = z.object({
  /** Versions never deleted whatever their age: the promoted model and the one before it (rollback target). */
  protect: z.array(z.string()).default([]),
});

/** What the state machine gets back. */
export interface CleanUpResult {
  readonly deleted: string[];
  /** Versions Comprehend refused to delete (in use by something else, e.g. a running job), with its message. */
  readonly skipped: { arn: string; reason: string }[];
  readonly kept: number;
}

/**
 * Step Functions task `CleanUpVersions`: delete the versions of the classifier older than the newest `keepVersions`
 * that no endpoint of the account uses (nor a protected one). Deleting an absent version is fine (a re-run), and a
 * version Comprehend refuses to delete (`ResourceInUseException`) is reported and kept.
 */
export const handler = async (event: unknown): Promise<CleanUpResult> => {
  const config = env();
  const { protect } = eventSchema.parse(event ?? {});
  const name = config[CLASSIFIER_RETRAINING_ENV.COMPREHEND_CLASSIFIER_NAME];
  const versions: ModelVersion[] = [];
  let token: string | undefined;
  do {
    const page = await comprehend.send(
      new ListDocumentClassifiersCommand({ Filter: { DocumentClassifierName: name }, NextToken: token }),
    );
    for (const p of page.DocumentClassifierPropertiesList ?? []) {
      if (!p.DocumentClassifierArn) continue;
      versions.push({
        arn: p.DocumentClassifierArn,
        versionName: p.VersionName,
        submitTime: p.SubmitTime ? new Date(p.SubmitTime).getTime() : 0,
        status: p.Status ?? 'UNKNOWN',
      });
    }
    token = page.NextToken;
  } while (token);
  const inUse = new Set<string>();
  token = undefined;
  do {
    const page: ListEndpointsCommandOutput = await comprehend.send(new ListEndpointsCommand({ NextToken: token }));
    for (const e of page.EndpointPropertiesList ?? []) {
      if (e.ModelArn) inUse.add(e.ModelArn);
      if (e.DesiredModelArn) inUse.add(e.DesiredModelArn);
    }
    token = page.NextToken;
  } while (token);

  const plan = planCleanup(versions, {
    keepVersions: config[CLASSIFIER_RETRAINING_ENV.KEEP_VERSIONS],
    inUse,
    protect: new Set(protect),
  });
  const deleted: string[] = [];
  const skipped: CleanUpResult['skipped'] = [];
  try {
    for (const version of plan.delete) {
      try {
        await comprehend.send(new DeleteDocumentClassifierCommand({ DocumentClassifierArn: version.arn }));
        deleted.push(version.arn);
      } catch (error) {
        const errorName = awsErrorName(error);
        if (errorName === 'ResourceNotFoundException') deleted.push(version.arn);
        else if (errorName === 'ResourceInUseException')
          skipped.push({ arn: version.arn, reason: error instanceof Error ? error.message : String(error) });
        else throw error;
      }
    }
    metrics.addMetric(CLASSIFIER_RETRAINING_METRICS.VERSIONS_DELETED, MetricUnit.Count, deleted.length);
    logger.info('Model versions cleaned up', { classifier: name, deleted, skipped, kept: plan.keep.length });
    return { deleted, skipped, kept: plan.keep.length };
  } finally {
    metrics.publishStoredMetrics();
  }
};
