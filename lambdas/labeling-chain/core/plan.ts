import { ValidationError } from '../../shared/errors';
import { ENDED_STATUSES } from '../contract';
import { autoContinueRefusal } from './auto-continue';
import { buildCreateRequest } from './create-request';
import { recordChild, recordParent } from './job-record';
import { chooseLabelAttribute } from './label-attribute';
import { scanJobManifest } from './manifest-source';
import { childJobName } from './names';
import {
  type ChainOutcome,
  type ChainState,
  chainStateSchema,
  describedJobSchema,
  type ManifestOpener,
  type PlanEvent,
  type PlanResult,
  type PlanStats,
  parseOrThrow,
  settingsSchema,
} from './plan-model';
import { reconcileWithJob } from './reconcile';
import { validateChainRequest } from './request';
import { stopReason } from './stop-rules';
import { taskTypeOfJob } from './task-types';

export * from './plan-model';
export { buildCreateRequest, MAX_TAGS, MIN_AUTO_LABELING_OBJECTS } from './create-request';
export { MAX_SUMMARY_FAILURE_REASONS } from './job-record';
export { ManifestMismatchError, ManifestUnreadableError } from './errors';

/**
 * One planning step of the chain, the same core for the `PlanNextJob` Lambda and `mlw chain plan`: read the job just
 * described (the parent, or the child that just ended), then
 * 1. refuse auto-continue for jobs that did not opt in (auto-continue.ts);
 * 2. choose the label attribute, checked against the job's task type from the task-type table (label-attribute.ts);
 * 3. count its manifest in one streaming pass (manifest-source.ts);
 * 4. reconcile the manifest with the job's own `LabelCounters` (reconcile.ts);
 * 5. record the job in the chain state (job-record.ts);
 * 6. stop with a summary (stop-rules.ts), or
 * 7. build the complete `CreateLabelingJob` request of the next job (create-request.ts).
 *
 * Re-running it for the same input gives the same answer (names are deterministic).
 * @throws ValidationError (or a subclass: ManifestMismatchError, ManifestUnreadableError) for anything a person must
 *   fix; the execution fails with the message.
 */
export async function planStep(
  event: PlanEvent,
  openManifest: ManifestOpener,
): Promise<PlanResult & { stats: PlanStats }> {
  const settings = parseOrThrow(settingsSchema, event.settings, 'settings');
  const request = validateChainRequest(event.request, settings.maxChainLength);
  const job = parseOrThrow(describedJobSchema, event.job, 'described job');
  const chain = parseOrThrow(chainStateSchema, event.chain ?? {}, 'chain state') as unknown as ChainState;
  const first = chain.jobs.length === 0;
  const stats: PlanStats = { linesScanned: 0 };

  if (!(ENDED_STATUSES as readonly string[]).includes(job.LabelingJobStatus)) {
    throw new ValidationError(
      `Labeling job ${job.LabelingJobName} is ${job.LabelingJobStatus}: chain a job after it has ended (stop it, or wait for it)`,
    );
  }
  const refused = autoContinueRefusal(job, request, chain);
  if (refused) return { request, settings, ...refused, decision: 'stop', stats };

  const taskType = taskTypeOfJob(job.HumanTaskConfig);
  const { parentAttribute, attribute } = chooseLabelAttribute(job, request, chain, taskType);
  const manifest = await scanJobManifest(
    job,
    request,
    first,
    first ? [parentAttribute, attribute] : [attribute],
    openManifest,
  );
  stats.linesScanned = manifest.scan.lines;
  stats.manifestUri = manifest.uri;
  const counters = manifest.scan.counters[attribute]!;
  reconcileWithJob(job, manifest, manifest.scan.counters[first ? parentAttribute : attribute]!);

  let progress = Number.POSITIVE_INFINITY;
  if (first)
    recordParent(chain, job, parentAttribute, attribute, manifest.uri, manifest.scan.counters[parentAttribute]!);
  else progress = recordChild(chain, job, manifest.uri, counters);

  const rootJobName = chain.rootJobName ?? job.LabelingJobName;
  const stop = stopReason({ job, chain, attribute, counters, first, progress, maxChainLength: request.maxChainLength });
  if (stop) return { request, settings, chain, decision: 'stop', summary: summary(stop), stats };

  const index = chain.created + 1;
  const name = childJobName(rootJobName, index, job.LabelingJobArn, attribute);
  const next = buildCreateRequest({
    job,
    request,
    settings,
    name,
    attribute,
    manifestUri: manifest.uri,
    counters,
    index,
    first,
    rootJobName,
    taskType,
  });
  chain.created = index;
  chain.jobs.push({
    jobName: name,
    role: 'child',
    index,
    status: 'Created',
    labelAttributeName: attribute,
    inputManifestUri: manifest.uri,
    sentToWorkers: counters.needsLabeling,
    skipped: counters.labeled,
    autoLabeling: next.autoLabeling,
    ...(typeof next.request.LabelingJobAlgorithmsConfig?.InitialActiveLearningModelArn === 'string'
      ? { initialActiveLearningModelArn: next.request.LabelingJobAlgorithmsConfig.InitialActiveLearningModelArn }
      : {}),
  });
  return { request, settings, chain, decision: 'create', next, stats };

  function summary({ outcome, message }: { outcome: ChainOutcome; message: string }) {
    return {
      outcome,
      message,
      rootJobName,
      mode: request.mode,
      labelAttributeName: attribute,
      jobsCreated: chain.created,
      remaining: counters.needsLabeling,
      finalOutputManifestUri: manifest.uri,
      jobs: chain.jobs,
    };
  }
}
