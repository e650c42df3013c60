import type { LabelCounters } from './manifest';
import type { ChainOutcome, ChainState, DescribedJob } from './plan-model';

/**
 * Step 6 of a plan: whether the chain stops here, and why. In order: nothing needs a label (done), the job that just
 * ended labeled nothing (no progress: retrying would not help), the chain is as long as allowed.
 */
export function stopReason(options: {
  job: DescribedJob;
  chain: ChainState;
  attribute: string;
  counters: LabelCounters;
  first: boolean;
  /** Objects the child that just ended labeled (Infinity on the first step). */
  progress: number;
  maxChainLength: number;
}): { outcome: ChainOutcome; message: string } | undefined {
  const { job, chain, attribute, counters, first, progress, maxChainLength } = options;
  if (counters.needsLabeling === 0) {
    return first
      ? {
          outcome: 'nothing-to-label',
          message: `All ${counters.total} objects of ${job.LabelingJobName} are labeled for "${attribute}": no job created`,
        }
      : {
          outcome: 'complete',
          message: `All ${counters.total} objects are labeled for "${attribute}" after ${chain.created} chained job(s)`,
        };
  }
  if (progress <= 0) {
    return {
      outcome: 'no-progress',
      message: `${job.LabelingJobName} ended ${job.LabelingJobStatus} without labeling any object${job.FailureReason ? ` (${job.FailureReason})` : ''}; ${counters.needsLabeling} still need a label. Fix the cause, then start the chain again`,
    };
  }
  if (chain.created >= maxChainLength) {
    return {
      outcome: 'max-chain-length',
      message: `Stopped at the maximum chain length ${maxChainLength} with ${counters.needsLabeling} of ${counters.total} objects still needing a label; start the chain again from ${job.LabelingJobName}`,
    };
  }
  return undefined;
}
