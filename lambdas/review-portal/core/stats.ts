import { type PortalSettings, type QueueEntry, activeLeases, freeSlots } from './task';

/** Queue statistics (the `/stats` API, the dashboard metrics and `mlw review stats`). */
export interface QueueStats {
  /** Open tasks (not completed). */
  readonly open: number;
  /** Open tasks somebody is working on now. */
  readonly leased: number;
  /** Open tasks with a free reviewer slot. */
  readonly available: number;
  /** Answers still needed across open tasks. */
  readonly answersNeeded: number;
  /** Age of the oldest open task in seconds (0 when the queue is empty). */
  readonly oldestTaskAgeSeconds: number;
  /** Creation time of the oldest open task. */
  readonly oldestTaskCreatedAt?: string;
  /** Open tasks older than the maximum age. */
  readonly waitingTooLong: number;
}

/**
 * Fold queue-index entries (any order) into statistics at `now`. Streams the entries, so a large queue needs no
 * more memory than one page.
 */
export async function queueStats(
  entries: AsyncIterable<QueueEntry> | Iterable<QueueEntry>,
  now: number,
  maxAgeSeconds: number,
  settings: Pick<PortalSettings, 'reviewersPerItem'>,
): Promise<QueueStats> {
  let open = 0;
  let leased = 0;
  let available = 0;
  let answersNeeded = 0;
  let waitingTooLong = 0;
  let oldest: string | undefined;
  for await (const entry of entries) {
    if (entry.status !== 'OPEN') continue;
    open += 1;
    if (Object.keys(activeLeases(entry, now)).length > 0) leased += 1;
    if (freeSlots(entry, now, settings) > 0) available += 1;
    answersNeeded += Math.max(0, (entry.requiredAnswers ?? settings.reviewersPerItem) - entry.answeredBy.length);
    if ((now - Date.parse(entry.createdAt)) / 1000 > maxAgeSeconds) waitingTooLong += 1;
    if (oldest === undefined || entry.createdAt < oldest) oldest = entry.createdAt;
  }
  return {
    open,
    leased,
    available,
    answersNeeded,
    oldestTaskAgeSeconds: oldest === undefined ? 0 : Math.max(0, Math.floor((now - Date.parse(oldest)) / 1000)),
    ...(oldest === undefined ? {} : { oldestTaskCreatedAt: oldest }),
    waitingTooLong,
  };
}
