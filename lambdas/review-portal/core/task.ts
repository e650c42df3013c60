/**
 * The review task rules of the portal, pure: task validation, claims and leases, answers, submissions and releases, for
 * both task kinds (text classification and bounding-box verification). Longer than 400 lines because the two kinds
 * share every rule but their answer shape; splitting by kind would copy the lease and submission rules.
 */
import { ValidationError } from '../../shared/errors';
import {
  type AnyReviewTaskInput,
  type BoundingBoxTaskInput,
  type HumanAnswer,
  type ReviewBatch,
  type ReviewItem,
  type ReviewTaskInput,
  boxFieldFor,
  isBoundingBoxTask,
} from '../../review/contract';
import {
  MAX_ANSWERS_PER_SUBMISSION,
  MAX_LABEL_LENGTH,
  MAX_LABELS_PER_ANSWER,
  OPEN_QUEUE,
  REVIEW_ERROR_CODES,
  TASK_ID_MAX_LENGTH,
  TASK_ID_PATTERN,
} from '../contract';
import { InvalidAnswerError, ReviewConflictError } from './errors';
import { type ImageItemView, imageItemProblems, normalizeBoxAnswer } from './image-task';

/**
 * The review portal's task model: one DynamoDB item per review batch, keyed by the batch's deterministic id (the
 * same id A2I would use as the human loop name). Everything here is pure: the store in `../adapters/task-store.ts` reads and writes
 * these records with optimistic concurrency (`version`), and the decisions below say what a claim, a submission or
 * a release changes.
 */

/** Task status: open until it has all its answers. */
export type TaskStatus = 'OPEN' | 'COMPLETED';

/** A reviewer's reservation of a task. */
export interface Lease {
  /** When the lease was taken (ISO 8601): the answer's `acceptanceTime`. */
  readonly acquiredAt: string;
  /** When it runs out (epoch milliseconds). After that the reviewer's slot is free again. */
  readonly expiresAt: number;
}

/** The task as stored (one DynamoDB item). */
export interface TaskRecord {
  readonly taskId: string;
  readonly status: TaskStatus;
  /** `open` while the task is open (puts it in the sparse queue index); absent once completed. */
  readonly queue?: typeof OPEN_QUEUE;
  /** ISO 8601 with milliseconds: the queue index sort key (oldest first). */
  readonly createdAt: string;
  /** The batch input exactly as received, as JSON: written back verbatim as `inputContent`. */
  readonly input: string;
  /** Number of items (for listings without parsing `input`). */
  readonly itemCount: number;
  /** Answers this task needs; absent → the portal's `reviewersPerItem`. */
  readonly requiredAnswers?: number;
  /** Optimistic-concurrency counter: every write requires the version it read and increments it. */
  readonly version: number;
  /** Current leases by worker id (expired ones are pruned on the next write). */
  readonly leases: Readonly<Record<string, Lease>>;
  /** Workers who answered, in order. */
  readonly answeredBy: readonly string[];
  /** Workers who skipped the task: it is not offered to them again. */
  readonly skippedBy?: readonly string[];
  /** Answers by worker id, each a JSON-encoded {@link HumanAnswer} (kept verbatim). */
  readonly answers: Readonly<Record<string, string>>;
  readonly completedAt?: string;
  /** DynamoDB TTL (epoch seconds), set on completion. */
  readonly expiresAt?: number;
  /** Where the request came from (the feedback object), for tracing. */
  readonly origin?: string;
}

/** The attributes of a task the queue index carries (enough to decide a claim). */
export type QueueEntry = Pick<
  TaskRecord,
  'taskId' | 'status' | 'createdAt' | 'version' | 'leases' | 'answeredBy' | 'requiredAnswers' | 'skippedBy'
>;

/** The portal's settings that decisions need. */
export interface PortalSettings {
  /** Answers a task needs by default. */
  readonly reviewersPerItem: number;
  /** Lease length in milliseconds. */
  readonly leaseMs: number;
  /** Days a completed task is kept. */
  readonly retentionDays: number;
}

/** Who is acting: the Cognito user (`sub`) and what the page may show about them. */
export interface Reviewer {
  readonly workerId: string;
  readonly email?: string;
  /** Token issuer (`https://cognito-idp.<region>.amazonaws.com/<pool id>`), for `workerMetadata`. */
  readonly issuer?: string;
}

const TASK_ID = new RegExp(TASK_ID_PATTERN);
/** DynamoDB items are limited to 400 KB; leave room for leases and answers. */
export const MAX_INPUT_BYTES = 300_000;

/**
 * Check a batch before it becomes a task: id pattern, categories, items, and that its answers could pass the API's
 * submission model (at most {@link MAX_ANSWERS_PER_SUBMISSION} items, categories of at most {@link MAX_LABEL_LENGTH}
 * characters, a multi-label task at most {@link MAX_LABELS_PER_ANSWER} categories): a task no reviewer could answer
 * is refused here, not stored.
 * @throws ValidationError naming every problem.
 */
export function validateBatch(batch: ReviewBatch<AnyReviewTaskInput>): void {
  const problems: string[] = [];
  if (typeof batch.id !== 'string' || batch.id.length > TASK_ID_MAX_LENGTH || !TASK_ID.test(batch.id)) {
    problems.push(
      `id: ${JSON.stringify(batch.id)} must be 1-${TASK_ID_MAX_LENGTH} lower-case letters, digits and single hyphens`,
    );
  }
  const { categories } = batch.input;
  const kind: unknown = batch.input.kind;
  if (kind !== undefined && kind !== 'text-classification' && kind !== 'bounding-box-verification') {
    problems.push(`input.kind: ${JSON.stringify(kind)} must be text-classification or bounding-box-verification`);
  }
  const items: readonly { index: number }[] = Array.isArray(batch.input.items) ? batch.input.items : [];
  if (!Array.isArray(categories) || categories.length === 0)
    problems.push('input.categories: at least one category is required');
  else {
    if (categories.some((c) => typeof c !== 'string' || c.trim() === ''))
      problems.push('input.categories: every category must be a non-empty string');
    if (new Set(categories).size !== categories.length) problems.push('input.categories: categories must be unique');
    if (categories.some((c) => typeof c === 'string' && c.includes('|')))
      problems.push('input.categories: a category may not contain "|"');
    const long = categories.filter((c) => typeof c === 'string' && c.length > MAX_LABEL_LENGTH).length;
    if (long > 0)
      problems.push(
        `input.categories: ${long} categor${long === 1 ? 'y is' : 'ies are'} longer than the ${MAX_LABEL_LENGTH} characters an answer may carry`,
      );
    if (!isBoundingBoxTask(batch.input) && batch.input.multiLabel === true && categories.length > MAX_LABELS_PER_ANSWER)
      problems.push(
        `input.categories: ${categories.length} categories in a multi-label task is more than the ${MAX_LABELS_PER_ANSWER} one answer may list`,
      );
  }
  if (items.length === 0) problems.push('input.items: at least one item is required');
  else if (items.length > MAX_ANSWERS_PER_SUBMISSION)
    problems.push(
      `input.items: ${items.length} items is more than the ${MAX_ANSWERS_PER_SUBMISSION} answers one submission may carry; split the batch`,
    );
  else {
    const indexes = items.map((item) => item.index);
    const expected = items.map((_, i) => i);
    if ([...indexes].sort((a, b) => a - b).some((index, i) => index !== expected[i])) {
      problems.push(`input.items: indexes must be 0..${items.length - 1}, each once`);
    }
    if (isBoundingBoxTask(batch.input)) problems.push(...imageItemProblems(batch.input));
    else {
      (items as readonly ReviewItem[]).forEach((item, i) => {
        if (typeof item.utterance !== 'string' || item.utterance === '')
          problems.push(`input.items[${i}].utterance: required`);
      });
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(batch.input), 'utf8');
  if (bytes > MAX_INPUT_BYTES)
    problems.push(`input: ${bytes} bytes is more than the ${MAX_INPUT_BYTES} a task can hold; split the batch`);
  if (problems.length > 0) throw new ValidationError(`Invalid review batch ${String(batch.id)}`, problems);
}

/** The record of a new task for a batch (validated first). */
export function newTaskRecord(
  batch: ReviewBatch<AnyReviewTaskInput>,
  now: Date,
  options: { requiredAnswers?: number } = {},
): TaskRecord {
  validateBatch(batch);
  const source = batch.input.source;
  return {
    taskId: batch.id,
    status: 'OPEN',
    queue: OPEN_QUEUE,
    createdAt: now.toISOString(),
    input: JSON.stringify(batch.input),
    itemCount: batch.input.items.length,
    ...(options.requiredAnswers === undefined ? {} : { requiredAnswers: options.requiredAnswers }),
    version: 0,
    leases: {},
    answeredBy: [],
    answers: {},
    ...(source
      ? {
          origin:
            'run' in source
              ? `run:${source.run}#${source.page}`
              : `s3://${source.bucket}/${source.key}#${source.batch}`,
        }
      : {}),
  };
}

/** The task's input, parsed. */
export function taskInput(task: Pick<TaskRecord, 'input'>): AnyReviewTaskInput {
  return JSON.parse(task.input) as AnyReviewTaskInput;
}

/** Answers the task needs. */
export function requiredAnswersOf(
  task: Pick<TaskRecord, 'requiredAnswers'>,
  settings: Pick<PortalSettings, 'reviewersPerItem'>,
): number {
  return task.requiredAnswers ?? settings.reviewersPerItem;
}

/** Leases that have not run out at `now`. */
export function activeLeases(task: Pick<TaskRecord, 'leases'>, now: number): Record<string, Lease> {
  return Object.fromEntries(Object.entries(task.leases).filter(([, lease]) => lease.expiresAt > now));
}

/** Reviewer slots still free: answers needed minus answers in minus leases held by others. */
export function freeSlots(
  task: QueueEntry,
  now: number,
  settings: Pick<PortalSettings, 'reviewersPerItem'>,
  workerId?: string,
): number {
  const held = Object.keys(activeLeases(task, now)).filter((w) => w !== workerId).length;
  return requiredAnswersOf(task, settings) - task.answeredBy.length - held;
}

/** What a claim of one task by one reviewer would do. */
export type ClaimDecision =
  | { readonly ok: true; readonly leases: Record<string, Lease>; readonly lease: Lease; readonly renewed: boolean }
  | { readonly ok: false; readonly reason: 'completed' | 'answered' | 'skipped' | 'full' };

/**
 * Decide whether `workerId` may take a lease on the task at `now`. Expired leases are pruned (their tasks are back in
 * the queue); a reviewer who already holds a lease gets it renewed; a reviewer never answers a task twice and is not
 * offered a task they skipped.
 */
export function decideClaim(task: QueueEntry, workerId: string, now: number, settings: PortalSettings): ClaimDecision {
  if (task.status !== 'OPEN') return { ok: false, reason: 'completed' };
  if (task.answeredBy.includes(workerId)) return { ok: false, reason: 'answered' };
  if (task.skippedBy?.includes(workerId)) return { ok: false, reason: 'skipped' };
  const active = activeLeases(task, now);
  const renewed = active[workerId] !== undefined;
  if (!renewed && freeSlots(task, now, settings, workerId) <= 0) return { ok: false, reason: 'full' };
  const lease: Lease = {
    acquiredAt: active[workerId]?.acquiredAt ?? new Date(now).toISOString(),
    expiresAt: now + settings.leaseMs,
  };
  return { ok: true, leases: { ...active, [workerId]: lease }, lease, renewed };
}

/**
 * The tasks of a queue page the reviewer may claim, in the order to try them: one they already hold first, then
 * oldest first.
 */
export function claimOrder(
  entries: readonly QueueEntry[],
  workerId: string,
  now: number,
  settings: PortalSettings,
): QueueEntry[] {
  const claimable = entries.filter((entry) => decideClaim(entry, workerId, now, settings).ok);
  const held = claimable.filter((entry) => activeLeases(entry, now)[workerId] !== undefined);
  return [...held, ...claimable.filter((entry) => !held.includes(entry))];
}

/** The changes a recorded answer makes to a task. */
export interface SubmissionUpdate {
  readonly leases: Record<string, Lease>;
  readonly answeredBy: string[];
  readonly answer: HumanAnswer;
  readonly completed: boolean;
  readonly completedAt?: string;
  readonly expiresAt?: number;
}

/** What a submission does: record a new answer, or recognise a resubmission of the same answer. */
export type SubmissionDecision =
  | ({ readonly kind: 'recorded' } & SubmissionUpdate)
  | { readonly kind: 'duplicate'; readonly answer: HumanAnswer; readonly completed: boolean };

/**
 * Check a reviewer's answers against the task and normalise them to the A2I form, one field per item: for text tasks
 * `textCategory<index>` → the label (multi-label: the labels in category order joined by `|`; a label string, or
 * (multi-label) a list of labels or an `A|B` string is accepted); for image tasks `annotatedResult<index>` → the
 * verified boxes and every decision (see `image-task.ts`).
 * @throws InvalidAnswerError naming every bad or missing field (the first ten, then a count).
 */
export function normalizeAnswers(
  input: ReviewTaskInput,
  answers: Readonly<Record<string, unknown>>,
): Record<string, string>;
export function normalizeAnswers(
  input: AnyReviewTaskInput,
  answers: Readonly<Record<string, unknown>>,
): Record<string, unknown>;
export function normalizeAnswers(
  input: AnyReviewTaskInput,
  answers: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return isBoundingBoxTask(input) ? normalizeImageAnswers(input, answers) : normalizeTextAnswers(input, answers);
}

function throwAnswerProblems(problems: readonly string[]): never {
  throw new InvalidAnswerError(
    problems.length > MAX_LISTED_ANSWER_PROBLEMS
      ? `The answers do not fit this task (${problems.length} problems, the first ${MAX_LISTED_ANSWER_PROBLEMS} listed)`
      : 'The answers do not fit this task',
    capProblems(problems),
  );
}

function normalizeImageAnswers(
  input: BoundingBoxTaskInput,
  answers: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const problems: string[] = [];
  const fields = new Set(input.items.map((item) => boxFieldFor(item.index)));
  for (const key of Object.keys(answers)) {
    if (!fields.has(key)) problems.push(`${key}: not an image of this task (expected ${[...fields].join(', ')})`);
  }
  const categories = new Set(input.categories);
  const out: Record<string, unknown> = {};
  for (const item of [...input.items].sort((a, b) => a.index - b.index)) {
    const field = boxFieldFor(item.index);
    if (answers[field] === undefined || answers[field] === null) {
      problems.push(`${field}: missing (image ${item.index + 1} needs a decision)`);
      continue;
    }
    const answer = normalizeBoxAnswer(item, categories, answers[field], problems);
    if (answer) out[field] = answer;
  }
  if (problems.length > 0) throwAnswerProblems(problems);
  return out;
}

function normalizeTextAnswers(
  input: ReviewTaskInput,
  answers: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const problems: string[] = [];
  const categories = new Set(input.categories);
  const fields = new Set(input.items.map((item) => `textCategory${item.index}`));
  const expected = describeFields(input.items.length);
  const out: Record<string, string> = {};
  for (const key of Object.keys(answers)) {
    if (!fields.has(key)) problems.push(`${key}: not an item of this task (expected ${expected})`);
  }
  for (const item of [...input.items].sort((a, b) => a.index - b.index)) {
    const field = `textCategory${item.index}`;
    const value = answers[field];
    if (value === undefined || value === null || value === '') {
      problems.push(`${field}: missing (item ${item.index + 1} needs an answer)`);
      continue;
    }
    const labels = Array.isArray(value)
      ? value
      : typeof value === 'string'
        ? input.multiLabel
          ? value.split('|')
          : [value]
        : undefined;
    if (!labels || labels.length === 0 || labels.some((l) => typeof l !== 'string')) {
      problems.push(`${field}: expected ${input.multiLabel ? 'a list of categories' : 'a category'}`);
      continue;
    }
    if (!input.multiLabel && labels.length !== 1) {
      problems.push(`${field}: pick exactly one category`);
      continue;
    }
    const unknown = (labels as string[]).filter((l) => !categories.has(l));
    if (unknown.length > 0) {
      problems.push(
        `${field}: ${unknown.map((u) => JSON.stringify(u)).join(', ')} is not one of ${input.categories.join(', ')}`,
      );
      continue;
    }
    const chosen = new Set(labels as string[]);
    out[field] = input.categories.filter((c) => chosen.has(c)).join('|');
  }
  if (problems.length > 0) throwAnswerProblems(problems);
  return out;
}

/** Answer problems listed one by one in a 400; beyond them only a count (an answer never outgrows its request). */
export const MAX_LISTED_ANSWER_PROBLEMS = 10;

/** The first {@link MAX_LISTED_ANSWER_PROBLEMS} problems, then `… and N more problems`. */
export function capProblems(problems: readonly string[]): string[] {
  if (problems.length <= MAX_LISTED_ANSWER_PROBLEMS) return [...problems];
  const more = problems.length - MAX_LISTED_ANSWER_PROBLEMS;
  return [...problems.slice(0, MAX_LISTED_ANSWER_PROBLEMS), `… and ${more} more problem${more === 1 ? '' : 's'}`];
}

/** The answer fields of a task with `count` items, compactly: `textCategory0, textCategory1` or `textCategory0 … textCategory9`. */
function describeFields(count: number): string {
  if (count <= 3) return Array.from({ length: count }, (_, i) => `textCategory${i}`).join(', ');
  return `textCategory0 … textCategory${count - 1}`;
}

function sameContent(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(a).sort();
  const other = Object.keys(b).sort();
  // Normalised answers have a fixed key order, so their JSON text compares nested values too (image answers).
  return (
    keys.length === other.length &&
    keys.every((k, i) => k === other[i] && JSON.stringify(a[k]) === JSON.stringify(b[k]))
  );
}

/**
 * Decide what a reviewer's submission does at `now`:
 * - the same answers again (a retried request) → `duplicate`, nothing changes;
 * - different answers from a reviewer who already answered → 409 `ALREADY_ANSWERED`;
 * - a completed task → 409 `TASK_COMPLETED`;
 * - no lease, or a lease that ran out → 409 `NOT_LEASED` / `LEASE_EXPIRED` (the task went back to the queue);
 * - otherwise the answer is recorded, the lease released, and the task completes when it has all its answers.
 * @throws InvalidAnswerError when the answers do not fit the task's categories.
 */
export function decideSubmission(
  task: TaskRecord,
  reviewer: Reviewer,
  rawAnswers: Readonly<Record<string, unknown>>,
  now: number,
  settings: PortalSettings,
): SubmissionDecision {
  const answerContent = normalizeAnswers(taskInput(task), rawAnswers);
  const previous = task.answers[reviewer.workerId];
  if (previous !== undefined) {
    const recorded = JSON.parse(previous) as HumanAnswer;
    if (sameContent(recorded.answerContent, answerContent)) {
      return { kind: 'duplicate', answer: recorded, completed: task.status === 'COMPLETED' };
    }
    throw new ReviewConflictError(
      REVIEW_ERROR_CODES.ALREADY_ANSWERED,
      `You already answered task ${task.taskId} differently; answers cannot be changed`,
    );
  }
  if (task.status !== 'OPEN') {
    throw new ReviewConflictError(REVIEW_ERROR_CODES.TASK_COMPLETED, `Task ${task.taskId} already has all its answers`);
  }
  const lease = task.leases[reviewer.workerId];
  if (lease === undefined) {
    throw new ReviewConflictError(
      REVIEW_ERROR_CODES.NOT_LEASED,
      `You do not hold task ${task.taskId}: claim it first (your lease may have run out)`,
    );
  }
  if (lease.expiresAt <= now) {
    throw new ReviewConflictError(
      REVIEW_ERROR_CODES.LEASE_EXPIRED,
      `Your lease on task ${task.taskId} ran out at ${new Date(lease.expiresAt).toISOString()}; the task went back to the queue`,
    );
  }
  const submissionTime = new Date(now).toISOString();
  const answer: HumanAnswer = {
    answerContent,
    submissionTime,
    acceptanceTime: lease.acquiredAt,
    timeSpentInSeconds: Math.max(0, Math.round((now - Date.parse(lease.acquiredAt)) / 100) / 10),
    workerId: reviewer.workerId,
    workerMetadata: {
      identityData: {
        identityProviderType: 'Cognito',
        sub: reviewer.workerId,
        ...(reviewer.issuer ? { issuer: reviewer.issuer } : {}),
      },
    },
  };
  const { [reviewer.workerId]: _released, ...others } = activeLeases(task, now);
  const answeredBy = [...task.answeredBy, reviewer.workerId];
  const completed = answeredBy.length >= requiredAnswersOf(task, settings);
  return {
    kind: 'recorded',
    leases: others,
    answeredBy,
    answer,
    completed,
    ...(completed
      ? { completedAt: submissionTime, expiresAt: Math.floor(now / 1000) + settings.retentionDays * 86_400 }
      : {}),
  };
}

/**
 * A skip: the reviewer's lease is dropped (expired leases pruned) and the task is not offered to them again.
 * `changed` is false when there is nothing to write (a repeated skip).
 */
export function decideRelease(
  task: Pick<TaskRecord, 'leases' | 'skippedBy'>,
  workerId: string,
  now: number,
): { leases: Record<string, Lease>; skippedBy: string[]; released: boolean; changed: boolean } {
  const { [workerId]: mine, ...others } = activeLeases(task, now);
  const skipped = task.skippedBy ?? [];
  const alreadySkipped = skipped.includes(workerId);
  return {
    leases: others,
    skippedBy: alreadySkipped ? [...skipped] : [...skipped, workerId],
    released: mine !== undefined,
    changed: mine !== undefined || !alreadySkipped,
  };
}

/** What a reviewer sees of any task: its id, status, categories, their lease and progress — never others' answers. */
interface TaskViewBase {
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly categories: readonly string[];
  readonly createdAt: string;
  readonly requiredAnswers: number;
  readonly answersReceived: number;
  /** The caller's lease expiry (ISO 8601), if they hold one. */
  readonly leaseExpiresAt?: string;
  /** The caller's own answers, if they answered. */
  readonly yourAnswers?: Readonly<Record<string, unknown>>;
}

/** A text task as a reviewer sees it. */
export interface TextTaskView extends TaskViewBase {
  readonly kind: 'text-classification';
  readonly multiLabel: boolean;
  readonly items: readonly Omit<ReviewItem, 'requestId'>[];
}

/**
 * An image task as a reviewer sees it: each image's size and proposed boxes; `imageUrl` is added by the API adapter
 * (a short-lived presigned URL), never stored.
 */
export interface ImageTaskView extends TaskViewBase {
  readonly kind: 'bounding-box-verification';
  readonly items: readonly ImageItemView[];
}

/** What a reviewer sees of a task. */
export type TaskView = TextTaskView | ImageTaskView;

/** The reviewer's view of a task. */
export function taskView(
  task: TaskRecord,
  workerId: string,
  now: number,
  settings: Pick<PortalSettings, 'reviewersPerItem'>,
): TaskView {
  const input = taskInput(task);
  const lease = activeLeases(task, now)[workerId];
  const mine = task.answers[workerId];
  const common = {
    taskId: task.taskId,
    status: task.status,
    categories: input.categories,
    createdAt: task.createdAt,
    requiredAnswers: requiredAnswersOf(task, settings),
    answersReceived: task.answeredBy.length,
    ...(lease ? { leaseExpiresAt: new Date(lease.expiresAt).toISOString() } : {}),
    ...(mine ? { yourAnswers: (JSON.parse(mine) as HumanAnswer).answerContent } : {}),
  };
  if (isBoundingBoxTask(input)) {
    return {
      ...common,
      kind: 'bounding-box-verification',
      items: [...input.items]
        .sort((a, b) => a.index - b.index)
        .map(({ index, width, height, proposals }) => ({ index, width, height, proposals })),
    };
  }
  return {
    ...common,
    kind: 'text-classification',
    multiLabel: input.multiLabel === true,
    items: [...input.items]
      .sort((a, b) => a.index - b.index)
      .map(({ index, utterance, prediction, confidence, classifier, source, expectedLabel }) => ({
        index,
        utterance,
        prediction,
        confidence,
        classifier,
        source,
        expectedLabel,
      })),
  };
}
