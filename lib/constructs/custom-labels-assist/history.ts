/**
 * The execution-history estimate of one Custom Labels assist run. A standard workflow keeps at most 25,000 events in
 * its history (Step Functions quotas) and fails the execution past it, so synth rejects settings whose worst ordinary
 * run would not fit. The figures are counted from the synthesized definition, event by event as Step Functions
 * writes them (`*StateEntered`/`*StateExited` per state; `TaskScheduled`, `TaskStarted`, `TaskSucceeded` per SDK
 * task; `LambdaFunctionScheduled`, `…Started`, `…Succeeded` per Lambda task; `MapStateStarted`/`…Succeeded` per Map;
 * `MapIterationStarted`/`…Succeeded` per Map iteration).
 */

/** Most events one execution history holds (Step Functions quotas, standard workflows). */
export const EXECUTION_HISTORY_LIMIT = 25_000;

/**
 * Events one image costs: its inner `DetectImages` iteration (2), `DetectCustomLabels` (entered, scheduled, started,
 * succeeded, exited: 5) and `KeepDetection` (2).
 */
export const EVENTS_PER_IMAGE = 9;
/**
 * Events one page costs besides its images: its `DetectPages` iteration (2), `LoadPage` (5), the inner
 * `DetectImages` Map (entered, started, succeeded, exited: 4) and `ProposeBoxes` (5).
 */
export const EVENTS_PER_PAGE = 16;
/** Events of one retried attempt of a task (`TaskFailed`, then `TaskScheduled` and `TaskStarted` again). */
export const EVENTS_PER_RETRY = 3;
/** Events of one review poll (Wait 2, the Lambda or SDK task 5, Choice 2). */
export const EVENTS_PER_POLL = 9;
/** Events kept free for everything else: listing, model start polls, dataset changes, training polls, summary. */
export const EVENTS_RESERVE = 3_000;

/** Settings the estimate depends on (the construct's props of the same names). */
export interface HistorySettings {
  readonly maxImagesPerRun: number;
  readonly imagesPerPage: number;
  readonly reviewWaitDays: number;
  readonly reviewPollMinutes: number;
}

/** The estimate, with its parts (for the error message). */
export interface HistoryEstimate {
  readonly pages: number;
  readonly polls: number;
  /** Worst ordinary run: every image and every page task retried once, every review poll used. */
  readonly events: number;
}

/**
 * Events of the worst ordinary run: each image and page once, one retry of every image's `DetectCustomLabels` and of
 * every page's two tasks (retry headroom), every review poll until `reviewWait` ends, and {@link EVENTS_RESERVE}.
 */
export function estimateHistory(s: HistorySettings): HistoryEstimate {
  const pages = Math.ceil(s.maxImagesPerRun / s.imagesPerPage);
  const polls = Math.ceil((s.reviewWaitDays * 1440) / s.reviewPollMinutes);
  const events =
    s.maxImagesPerRun * (EVENTS_PER_IMAGE + EVENTS_PER_RETRY) +
    pages * (EVENTS_PER_PAGE + 2 * EVENTS_PER_RETRY) +
    polls * EVENTS_PER_POLL +
    EVENTS_RESERVE;
  return { pages, polls, events };
}

/** Why the settings cannot fit, naming the keys to change; undefined when they fit. */
export function historyProblem(s: HistorySettings): string | undefined {
  const { pages, polls, events } = estimateHistory(s);
  if (events <= EXECUTION_HISTORY_LIMIT) return undefined;
  return (
    `a run of ${s.maxImagesPerRun} images in ${pages} pages (imagesPerPage ${s.imagesPerPage}) with ${polls} review ` +
    `checks (reviewWait ${s.reviewWaitDays} days, reviewPoll ${s.reviewPollMinutes} minutes) may write ${events} of ` +
    `the ${EXECUTION_HISTORY_LIMIT} execution history events: lower maxImagesPerRun, raise imagesPerPage, or raise ` +
    'reviewPoll'
  );
}
