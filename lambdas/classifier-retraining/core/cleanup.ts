/**
 * The clean-up core: which model versions of one classifier to delete. Pure; the clean-up function lists and deletes.
 */

/** One version of the classifier (`DocumentClassifierProperties`, reduced). */
export interface ModelVersion {
  readonly arn: string;
  readonly versionName?: string;
  /** `SubmitTime` in epoch milliseconds. */
  readonly submitTime: number;
  /** `Status` (`TRAINED`, `IN_ERROR`, `TRAINING`, …). */
  readonly status: string;
}

/** The plan. */
export interface CleanupPlan {
  /** Versions to delete, oldest first. */
  readonly delete: ModelVersion[];
  /** Versions kept, and why. */
  readonly keep: { readonly version: ModelVersion; readonly why: string }[];
}

/** Statuses in which Comprehend cannot delete a version (it is still being trained, stopped or deleted). */
const BUSY = new Set(['SUBMITTED', 'TRAINING', 'STOP_REQUESTED', 'DELETING']);

/**
 * Keep the newest `keepVersions` versions (by submit time), every version an endpoint uses (its `ModelArn` or
 * `DesiredModelArn`), every protected one (the promoted model and the one before it, for rollback) and every version
 * Comprehend is still working on; delete the rest.
 */
export function planCleanup(
  versions: readonly ModelVersion[],
  options: {
    readonly keepVersions: number;
    readonly inUse: ReadonlySet<string>;
    readonly protect: ReadonlySet<string>;
  },
): CleanupPlan {
  const newestFirst = [...versions].sort((a, b) => b.submitTime - a.submitTime || b.arn.localeCompare(a.arn));
  const keep: CleanupPlan['keep'] = [];
  const remove: ModelVersion[] = [];
  newestFirst.forEach((version, index) => {
    if (index < options.keepVersions) keep.push({ version, why: `one of the newest ${options.keepVersions}` });
    else if (options.inUse.has(version.arn)) keep.push({ version, why: 'an endpoint uses it' });
    else if (options.protect.has(version.arn)) keep.push({ version, why: 'promoted, or the rollback target' });
    else if (BUSY.has(version.status)) keep.push({ version, why: `status ${version.status}` });
    else remove.push(version);
  });
  return { delete: remove.reverse(), keep };
}
