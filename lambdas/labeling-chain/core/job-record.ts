import { ValidationError } from '../../shared/errors';
import { type LabelCounters, OTHER_FAILURE_REASONS } from './manifest';
import { chainBaseName } from './names';
import type { ChainState, DescribedJob, JobSummary } from './plan-model';

/** Failure reasons kept per job in the chain state (the state must stay far below Step Functions' 256 KB). */
export const MAX_SUMMARY_FAILURE_REASONS = 10;

/** The counters and the most frequent failure reasons of a job, as the chain state keeps them. */
export function countsOf(counters: LabelCounters): Pick<JobSummary, 'counts' | 'failureReasons'> {
  const { failureReasons, ...counts } = counters;
  const sorted = Object.entries(failureReasons).sort((a, b) => b[1] - a[1]);
  const kept = Object.fromEntries(sorted.slice(0, MAX_SUMMARY_FAILURE_REASONS));
  const rest = sorted.slice(MAX_SUMMARY_FAILURE_REASONS).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) kept[OTHER_FAILURE_REASONS] = (kept[OTHER_FAILURE_REASONS] ?? 0) + rest;
  return { counts, failureReasons: kept };
}

function outcomeOf(job: DescribedJob): Partial<JobSummary> {
  return {
    ...(job.FailureReason ? { jobFailureReason: job.FailureReason } : {}),
    ...(job.LabelingJobOutput?.FinalActiveLearningModelArn
      ? { finalActiveLearningModelArn: job.LabelingJobOutput.FinalActiveLearningModelArn }
      : {}),
  };
}

/**
 * Step 5 of a plan (first step): start the chain state with the parent, counted on its own attribute.
 */
export function recordParent(
  chain: ChainState,
  job: DescribedJob,
  parentAttribute: string,
  attribute: string,
  manifestUri: string,
  parentCounters: LabelCounters,
): void {
  chain.rootJobName = chainBaseName(job.LabelingJobName);
  chain.labelAttributeName = attribute;
  chain.created = 0;
  chain.jobs = [
    {
      jobName: job.LabelingJobName,
      role: 'parent',
      index: 0,
      status: job.LabelingJobStatus,
      labelAttributeName: parentAttribute,
      outputManifestUri: manifestUri,
      ...countsOf(parentCounters),
      autoLabeling: job.LabelingJobAlgorithmsConfig !== undefined,
      ...outcomeOf(job),
    },
  ];
}

/**
 * Step 5 of a plan (later steps): record how the child that just ended did.
 * @returns the objects it labeled (labeled now minus labeled when it started).
 * @throws ValidationError when the described job is not the chain's last child.
 */
export function recordChild(
  chain: ChainState,
  job: DescribedJob,
  manifestUri: string,
  counters: LabelCounters,
): number {
  const last = chain.jobs[chain.jobs.length - 1]!;
  if (last.jobName !== job.LabelingJobName) {
    throw new ValidationError(
      `Chain state is out of step: expected job ${last.jobName}, described ${job.LabelingJobName}`,
    );
  }
  Object.assign(last, {
    status: job.LabelingJobStatus,
    outputManifestUri: manifestUri,
    ...countsOf(counters),
    ...outcomeOf(job),
  });
  return counters.labeled - (last.skipped ?? 0);
}
