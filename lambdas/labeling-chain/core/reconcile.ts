import { ManifestMismatchError } from './errors';
import type { LabelCounters } from './manifest';
import type { DescribedJob } from './plan-model';
import type { ScannedManifest } from './manifest-source';

/** Objects the job counted: `TotalLabeled + FailedNonRetryableError + Unlabeled`, undefined without counters. */
export function jobObjectCount(job: Pick<DescribedJob, 'LabelCounters'>): number | undefined {
  const c = job.LabelCounters;
  if (!c) return undefined;
  const parts = [c.TotalLabeled, c.FailedNonRetryableError, c.Unlabeled];
  return parts.every((p) => p === undefined) ? undefined : parts.reduce<number>((sum, p) => sum + (p ?? 0), 0);
}

/**
 * Step 4 of a plan: the manifest must account for every object the job counted. An output manifest with fewer objects
 * than `DescribeLabelingJob.LabelCounters` (an empty one above all) is not the job's whole result: planning from it
 * would call unlabeled objects done. A manifest with no object at all is never a plan. A manifest the request chose
 * (`overrides.inputManifestUri`) may hold other objects and is only checked for emptiness.
 * @throws ManifestMismatchError naming both counts.
 */
export function reconcileWithJob(job: DescribedJob, manifest: ScannedManifest, counters: LabelCounters): void {
  const expected = manifest.origin === 'override' ? undefined : jobObjectCount(job);
  const found = counters.total;
  if (found === 0) {
    const counted =
      expected === undefined
        ? ''
        : ` while DescribeLabelingJob counts ${expected} object(s) for ${job.LabelingJobName} (${describeCounters(job)})`;
    throw new ManifestMismatchError(
      `Manifest ${manifest.uri} holds no objects${counted}: nothing can be planned from it. Check the job's output, or start the chain from a complete manifest (overrides.inputManifestUri)`,
    );
  }
  if (expected !== undefined && found < expected) {
    throw new ManifestMismatchError(
      `Manifest ${manifest.uri} holds ${found} object(s) but DescribeLabelingJob counts ${expected} for ${job.LabelingJobName} (${describeCounters(job)}): the manifest is incomplete or not this job's. Check it (mlw manifest stats), or start the chain from a complete manifest (overrides.inputManifestUri)`,
    );
  }
}

function describeCounters(job: DescribedJob): string {
  const c = job.LabelCounters ?? {};
  return `${c.TotalLabeled ?? 0} labeled, ${c.FailedNonRetryableError ?? 0} failed, ${c.Unlabeled ?? 0} unlabeled`;
}
