import { REVIEW_ERROR_CODES, WEB_CONFIG_FILE, type WebConfig } from '../../../lambdas/review-portal/contract';
import { type TaskView, type TextTaskView } from '../../../lambdas/review-portal/core/task';
import { ApiError, NetworkError, ReviewApi } from './api';
import { claimsOf, completeSignIn, currentToken, signIn, signOut } from './auth';
import { ImageReview } from './image-task';

/**
 * The review page: one item at a time, categories rendered from the task, keyboard shortcuts (digits pick, Enter
 * goes on / submits, S skips, ← goes back), progress through the task and the queue, and plain messages for expired
 * leases and network errors. Text tasks are classified here; image tasks (`bounding-box-verification`) are drawn and
 * decided by `image-task.ts`. No framework: a few elements updated by hand.
 */

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

type MessageKind = 'info' | 'ok' | 'warning' | 'error';

interface State {
  task?: TaskView;
  item: number;
  /** Chosen categories per answer field. */
  answers: Record<string, string[]>;
  busy: boolean;
  leaseTimer?: number;
  waiting?: number;
}

const state: State = { item: 0, answers: {}, busy: false };
let api: ReviewApi;
let config: WebConfig;
let images: ImageReview | undefined;

/** The image part of the page (created on first use). */
function imageReview(): ImageReview {
  images ??= new ImageReview(
    {
      section: $('image-item'),
      stage: $('stage'),
      image: $<HTMLImageElement>('image'),
      overlay: document.getElementById('overlay') as unknown as SVGSVGElement,
      note: $('image-note'),
      boxes: $('boxes'),
      draw: $<HTMLButtonElement>('draw'),
      rejectImage: $<HTMLButtonElement>('reject-image'),
      labelHint: $('label-hint'),
      labels: $('labels'),
    },
    () => {
      clearMessage();
      renderProgress();
    },
  );
  return images;
}

const isTextTask = (task: TaskView | undefined): task is TextTaskView => task?.kind !== 'bounding-box-verification';

function show(id: string, visible: boolean): void {
  $(id).hidden = !visible;
}

function message(
  kind: MessageKind,
  text: string,
  options: { details?: readonly string[]; action?: { label: string; run: () => void } } = {},
): void {
  const box = $('message');
  box.dataset.kind = kind;
  $('message-text').textContent = text;
  const list = $('message-details');
  list.replaceChildren(
    ...(options.details ?? []).map((d) => Object.assign(document.createElement('li'), { textContent: d })),
  );
  const button = $<HTMLButtonElement>('message-action');
  button.hidden = !options.action;
  button.onclick = options.action ? () => options.action?.run() : null;
  button.textContent = options.action?.label ?? '';
  box.hidden = false;
}

function clearMessage(): void {
  $('message').hidden = true;
}

const fieldOf = (index: number) => `textCategory${index}`;

function formatConfidence(confidence: number | string | undefined): string {
  if (typeof confidence === 'number')
    return `(${(confidence * 100).toFixed(confidence >= 0.995 || confidence < 0.001 ? 1 : 0)}% confident)`;
  if (typeof confidence === 'string' && confidence !== '' && confidence !== 'NONE') return `(${confidence})`;
  return '';
}

function renderLease(): void {
  const lease = $('lease');
  const expires = state.task?.leaseExpiresAt ? Date.parse(state.task.leaseExpiresAt) : undefined;
  if (expires === undefined) {
    lease.textContent = '';
    return;
  }
  const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
  lease.textContent =
    left > 0 ? `Reserved for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : 'Reservation ran out';
  lease.dataset.low = String(left < 60);
}

function renderQueue(): void {
  $('queue-progress').textContent =
    state.waiting === undefined ? '' : `${state.waiting} more task${state.waiting === 1 ? '' : 's'} waiting`;
}

function renderProgress(): void {
  const task = state.task;
  if (!task) return;
  const answered = isTextTask(task)
    ? Object.keys(state.answers).filter((k) => (state.answers[k] ?? []).length > 0).length
    : imageReview().answeredCount();
  $('item-progress').textContent = `${isTextTask(task) ? 'Item' : 'Image'} ${state.item + 1} of ${task.items.length}`;
  $('progress-fill').style.width = `${(answered / task.items.length) * 100}%`;
}

/** The parts every task kind shares: the buttons, progress, lease and queue. */
function renderCommon(task: TaskView): void {
  renderProgress();
  $<HTMLButtonElement>('back').disabled = state.item === 0 || state.busy;
  $<HTMLButtonElement>('skip').disabled = state.busy;
  const next = $<HTMLButtonElement>('next');
  next.disabled = state.busy;
  next.firstChild!.textContent = state.item === task.items.length - 1 ? 'Submit ' : 'Next ';
  renderLease();
  renderQueue();
}

function render(): void {
  const task = state.task;
  show('task', task !== undefined);
  show('empty', false);
  if (!task) return;
  const text = isTextTask(task);
  show('text-item', text);
  show('keys-text', text);
  show('image-item', !text);
  show('keys-image', !text);
  if (!isTextTask(task)) {
    imageReview().show(state.item);
    renderCommon(task);
    return;
  }
  const item = task.items[state.item];
  if (!item) return;
  const field = fieldOf(item.index);
  const chosen = new Set(state.answers[field] ?? []);
  $('utterance').textContent = item.utterance;
  $('prediction').textContent = item.prediction && item.prediction !== 'CLASSIFY' ? item.prediction : 'no prediction';
  $('confidence').textContent = formatConfidence(item.confidence);
  $('mode').textContent = task.multiLabel ? 'Pick every category that applies.' : 'Pick one category.';
  const buttons = task.categories.map((category, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-pressed', String(chosen.has(category)));
    button.dataset.category = category;
    const key = Object.assign(document.createElement('span'), {
      className: 'key',
      textContent: i < 9 ? String(i + 1) : '',
    });
    button.append(key, document.createTextNode(category));
    button.addEventListener('click', () => pick(i));
    return button;
  });
  $('categories').replaceChildren(...buttons);
  renderCommon(task);
}

function pick(index: number): void {
  const task = state.task;
  if (!isTextTask(task)) return;
  const item = task.items[state.item];
  const category = task.categories[index];
  if (!item || category === undefined || state.busy) return;
  const field = fieldOf(item.index);
  if (task.multiLabel) {
    const current = new Set(state.answers[field] ?? []);
    if (current.has(category)) current.delete(category);
    else current.add(category);
    state.answers[field] = task.categories.filter((c) => current.has(c));
  } else {
    state.answers[field] = [category];
  }
  clearMessage();
  render();
}

async function next(): Promise<void> {
  const task = state.task;
  const item = task?.items[state.item];
  if (!task || !item || state.busy) return;
  if (isTextTask(task) && (state.answers[fieldOf(item.index)] ?? []).length === 0) {
    message('info', 'Pick a category first (click it or press its number).');
    return;
  }
  const missing = isTextTask(task) ? undefined : imageReview().missing(state.item);
  if (missing !== undefined) {
    message('info', missing);
    return;
  }
  if (state.item < task.items.length - 1) {
    state.item += 1;
    clearMessage();
    render();
    return;
  }
  await submit();
}

function back(): void {
  if (state.item > 0 && !state.busy) {
    state.item -= 1;
    render();
  }
}

function leaseLost(text: string): void {
  state.task = undefined;
  show('task', false);
  message('warning', text, { action: { label: 'Claim next task', run: () => void claim() } });
}

function failure(error: unknown, retry: () => void): void {
  if (error instanceof NetworkError) {
    message('error', 'Could not reach the review service. Nothing was lost: check your connection and try again.', {
      action: { label: 'Try again', run: retry },
    });
  } else if (
    error instanceof ApiError &&
    (error.code === REVIEW_ERROR_CODES.LEASE_EXPIRED || error.code === REVIEW_ERROR_CODES.NOT_LEASED)
  ) {
    leaseLost('Your reservation of this task ran out, so it went back to the queue and your answers were not saved.');
  } else if (error instanceof ApiError && error.status === 401) {
    message('warning', 'Your sign-in has expired.', {
      action: { label: 'Sign in again', run: () => void signIn(config) },
    });
  } else if (error instanceof ApiError && error.status === 403) {
    message('error', error.message);
  } else if (error instanceof ApiError && error.status === 429) {
    message('warning', 'The review service is busy. Wait a moment and try again.', {
      action: { label: 'Try again', run: retry },
    });
  } else if (error instanceof ApiError && error.status < 500) {
    message('error', error.message, { details: error.details });
  } else {
    message('error', 'The review service had a problem. Try again in a moment.', {
      action: { label: 'Try again', run: retry },
    });
  }
}

async function refreshStats(): Promise<void> {
  try {
    const stats = await api.stats();
    state.waiting = stats.available;
    renderQueue();
  } catch {
    // Queue statistics are a nicety: a failure here must not disturb the review.
  }
}

async function claim(): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  try {
    const { task } = await api.claim();
    state.task = task ?? undefined;
    state.item = 0;
    state.answers = {};
    if (task && !isTextTask(task)) imageReview().load(task);
    else if (task?.yourAnswers) {
      for (const [k, v] of Object.entries(task.yourAnswers)) state.answers[k] = String(v).split('|');
    }
    state.busy = false;
    if (!task) {
      show('task', false);
      show('empty', true);
    } else {
      render();
    }
    void refreshStats();
  } catch (error) {
    state.busy = false;
    failure(error, () => void claim());
  }
}

async function submit(): Promise<void> {
  const task = state.task;
  if (!task) return;
  state.busy = true;
  render();
  const answers = isTextTask(task)
    ? Object.fromEntries(
        task.items.map((item) => {
          const chosen = state.answers[fieldOf(item.index)] ?? [];
          return [fieldOf(item.index), task.multiLabel ? chosen : (chosen[0] ?? '')];
        }),
      )
    : imageReview().answers();
  try {
    const result = await api.submit(task.taskId, answers);
    state.busy = false;
    message(
      'ok',
      result.status === 'duplicate' ? 'Those answers were already saved.' : 'Saved. Here is the next task.',
    );
    state.task = undefined;
    await claim();
  } catch (error) {
    state.busy = false;
    render();
    failure(error, () => void submit());
  }
}

async function skip(): Promise<void> {
  const task = state.task;
  if (!task || state.busy) return;
  state.busy = true;
  try {
    await api.release(task.taskId);
    state.busy = false;
    state.task = undefined;
    message('info', 'Skipped. The task went back to the queue for someone else.');
    await claim();
  } catch (error) {
    state.busy = false;
    failure(error, () => void skip());
  }
}

function onKey(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey || !state.task) return;
  if (event.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)) return;
  if (!isTextTask(state.task) && !state.busy && imageReview().onKey(event)) return;
  if (/^[1-9]$/.test(event.key)) {
    pick(Number(event.key) - 1);
    event.preventDefault();
  } else if (event.key === 'Enter') {
    event.preventDefault();
    void next();
  } else if (event.key === 's' || event.key === 'S') {
    event.preventDefault();
    void skip();
  } else if (event.key === 'ArrowLeft' || event.key === 'Backspace') {
    event.preventDefault();
    back();
  }
}

function tickLease(): void {
  const expires = state.task?.leaseExpiresAt ? Date.parse(state.task.leaseExpiresAt) : undefined;
  renderLease();
  if (expires !== undefined && expires <= Date.now() && !state.busy) {
    leaseLost('Your reservation of this task ran out, so it went back to the queue. Claim a new task to carry on.');
  }
}

async function start(): Promise<void> {
  try {
    const response = await fetch(WEB_CONFIG_FILE, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${WEB_CONFIG_FILE}: HTTP ${response.status}`);
    config = (await response.json()) as WebConfig;
  } catch (error) {
    message('error', `The page is not configured: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (!currentToken()) await completeSignIn(config).catch(() => false);
  const token = currentToken();
  if (!token) {
    if (config.cognitoDomain) {
      message('info', 'Signing you in…');
      await signIn(config);
    } else {
      message('error', 'You are not signed in and this page has no sign-in configured.');
    }
    return;
  }
  $('who').textContent = claimsOf(token)?.email ?? '';
  const signOutButton = $<HTMLButtonElement>('sign-out');
  signOutButton.hidden = false;
  signOutButton.addEventListener('click', () => signOut(config));
  api = new ReviewApi(config.apiUrl, () => currentToken());
  $('next').addEventListener('click', () => void next());
  $('back').addEventListener('click', back);
  $('skip').addEventListener('click', () => void skip());
  $('check-again').addEventListener('click', () => void claim());
  document.addEventListener('keydown', onKey);
  state.leaseTimer = window.setInterval(tickLease, 1000);
  await claim();
}

void start();
