import { AUTO_CHAIN_TAG_KEY, AUTO_CONTINUE_TRIGGER, CHAIN_ROOT_TAG_KEY } from '../contract';
import { chainBaseName } from './names';
import type { ChainOutcome, ChainState, ChainSummary, DescribedJob, JobSummary } from './plan-model';
import type { ChainRequest } from './request';

/**
 * Step 1 of a plan, for executions the auto-continue rule started: only jobs tagged `ml-workflows:auto-chain=true`
 * that no chain created are continued. Returns the stop summary (and the chain state recording the parent) when the
 * job is not to be continued, undefined otherwise.
 */
export function autoContinueRefusal(
  job: DescribedJob,
  request: ChainRequest,
  chain: ChainState,
): { chain: ChainState; summary: ChainSummary } | undefined {
  if (chain.jobs.length > 0 || request.trigger !== AUTO_CONTINUE_TRIGGER) return undefined;
  const tags = Object.fromEntries((job.Tags ?? []).map((t) => [t.Key, t.Value]));
  const outcome: ChainOutcome | undefined =
    tags[CHAIN_ROOT_TAG_KEY] !== undefined
      ? 'owned-by-chain'
      : tags[AUTO_CHAIN_TAG_KEY] !== 'true'
        ? 'not-opted-in'
        : undefined;
  if (!outcome) return undefined;
  const parent: JobSummary = {
    jobName: job.LabelingJobName,
    role: 'parent',
    index: 0,
    status: job.LabelingJobStatus,
    labelAttributeName: job.LabelAttributeName ?? '',
  };
  const message =
    outcome === 'owned-by-chain'
      ? `${job.LabelingJobName} was created by a chain; the execution that created it continues it`
      : `${job.LabelingJobName} is not tagged ${AUTO_CHAIN_TAG_KEY}=true: nothing to do`;
  return {
    chain: { ...chain, jobs: [parent] },
    summary: {
      outcome,
      message,
      rootJobName: chainBaseName(job.LabelingJobName),
      mode: request.mode,
      jobsCreated: 0,
      jobs: [parent],
    },
  };
}
