/*
 * The image task of the review page: drawing the image with its boxes at pixel positions, a decision per box, and a
 * drawn box saved in pixels. About 450 lines because drawing, hit-testing and the answer form act on the same box
 * state; the submission model it fills lives in the portal contract.
 */
import {
  type BoxAnswer,
  type BoxAnswerSubmission,
  type BoxDecision,
  type DrawnBox,
  boxFieldFor,
} from '../../../lambdas/review/contract';
import { type ImageTaskView } from '../../../lambdas/review-portal/core/task';

/**
 * The image task of the review page (`bounding-box-verification`): the image with its proposed boxes drawn at their
 * pixel positions, whatever the image's size (an SVG overlay whose `viewBox` is the image's own pixel grid, laid
 * exactly over the image), an explicit decision for every proposed box (accept, reject, relabel — nothing is
 * pre-accepted), boxes drawn by dragging, and the whole image rejected. Boxes are kept and submitted in whole pixels
 * of the image.
 */

/** The page elements this module draws into. */
export interface ImageElements {
  readonly section: HTMLElement;
  readonly stage: HTMLElement;
  readonly image: HTMLImageElement;
  readonly overlay: SVGSVGElement;
  readonly note: HTMLElement;
  readonly boxes: HTMLElement;
  readonly draw: HTMLButtonElement;
  readonly rejectImage: HTMLButtonElement;
  readonly labelHint: HTMLElement;
  readonly labels: HTMLElement;
}

/** What a reviewer has decided for one image so far. */
interface ItemState {
  decisions: (BoxDecision | undefined)[];
  added: DrawnBox[];
  imageRejected: boolean;
}

type Mode = { kind: 'select' } | { kind: 'relabel' } | { kind: 'draw' };

const SVG = 'http://www.w3.org/2000/svg';
/** Largest share of the window height an image may take. */
const MAX_STAGE_VH = 62;

const percent = (confidence: number) => `${confidence.toFixed(confidence >= 99.95 ? 0 : 1)}%`;

/** The image part of the review page; the page owns claiming, submitting, skipping and messages. */
export class ImageReview {
  private task?: ImageTaskView;
  private items: ItemState[] = [];
  private item = 0;
  /** Selected box: proposals first (0 … n-1), then drawn boxes. */
  private selected = 0;
  private mode: Mode = { kind: 'select' };
  /** Label of the next drawn box. */
  private drawLabel = 0;
  private dragStart?: { x: number; y: number };
  private dragRect?: SVGRectElement;

  constructor(
    private readonly el: ImageElements,
    /** Called after every change (the page re-renders progress and clears stale messages). */
    private readonly changed: () => void,
  ) {
    el.draw.addEventListener('click', () => this.toggleDraw());
    el.rejectImage.addEventListener('click', () => this.toggleRejectImage());
    el.overlay.addEventListener('pointerdown', (e) => this.pointerDown(e));
    el.overlay.addEventListener('pointermove', (e) => this.pointerMove(e));
    el.overlay.addEventListener('pointerup', (e) => this.pointerUp(e));
  }

  /** Start a task (restoring the reviewer's own answers when they answered before). */
  public load(task: ImageTaskView): void {
    this.task = task;
    this.items = task.items.map((item) => {
      const mine = task.yourAnswers?.[boxFieldFor(item.index)] as BoxAnswer | undefined;
      return {
        decisions: mine ? [...mine.decisions] : item.proposals.map(() => undefined),
        added: mine ? [...mine.added] : [],
        imageRejected: mine?.imageRejected ?? false,
      };
    });
    this.show(0);
  }

  /** Show item `index` of the task. */
  public show(index: number): void {
    this.item = index;
    this.selected = 0;
    this.mode = { kind: 'select' };
    this.render();
  }

  /** Items with every decision made. */
  public answeredCount(): number {
    return this.items.filter((_, i) => this.missing(i) === undefined).length;
  }

  /** Why item `index` cannot be submitted yet, or undefined when it can. */
  public missing(index: number): string | undefined {
    const state = this.items[index];
    if (!state || state.imageRejected) return undefined;
    const open = state.decisions.filter((d) => d === undefined).length;
    if (open > 0)
      return `${open} box${open === 1 ? '' : 'es'} still need${open === 1 ? 's' : ''} a decision: accept (A), reject (R) or relabel (L), or reject the whole image (X).`;
    return undefined;
  }

  /** The answers of every image, as the API takes them. */
  public answers(): Record<string, BoxAnswerSubmission> {
    const task = this.task;
    if (!task) return {};
    return Object.fromEntries(
      task.items.map((item, i) => {
        const state = this.items[i]!;
        const answer: BoxAnswerSubmission = state.imageRejected
          ? { decisions: [], added: [], imageRejected: true }
          : { decisions: state.decisions as BoxDecision[], added: state.added, imageRejected: false };
        return [boxFieldFor(item.index), answer];
      }),
    );
  }

  /**
   * Handle a key; true when it was one of the image keys. Digits pick a label (relabel, draw, or a drawn box's label),
   * ↑/↓ choose a box, A/R/L decide, D draws, X rejects the image.
   */
  public onKey(event: KeyboardEvent): boolean {
    if (!this.task) return false;
    const key = event.key;
    if (/^[1-9]$/.test(key)) {
      this.pickLabel(Number(key) - 1);
    } else if (key === 'ArrowDown' || key === 'j' || key === 'J') {
      this.select(this.selected + 1);
    } else if (key === 'ArrowUp' || key === 'k' || key === 'K') {
      this.select(this.selected - 1);
    } else if (key === 'a' || key === 'A') {
      this.decide({ decision: 'accept' });
    } else if (key === 'r' || key === 'R') {
      this.rejectSelected();
    } else if (key === 'l' || key === 'L') {
      this.startRelabel();
    } else if (key === 'd' || key === 'D') {
      this.toggleDraw();
    } else if (key === 'x' || key === 'X') {
      this.toggleRejectImage();
    } else if (key === 'Escape') {
      this.mode = { kind: 'select' };
      this.render();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  private get current(): ItemState | undefined {
    return this.items[this.item];
  }

  private boxCount(): number {
    const item = this.task?.items[this.item];
    return (item?.proposals.length ?? 0) + (this.current?.added.length ?? 0);
  }

  private select(index: number): void {
    const count = this.boxCount();
    if (count === 0) return;
    this.selected = (index + count) % count;
    if (this.mode.kind === 'relabel') this.mode = { kind: 'select' };
    this.render();
  }

  private decide(decision: BoxDecision, proposal = this.selected): void {
    const state = this.current;
    const item = this.task?.items[this.item];
    if (!state || !item || state.imageRejected || proposal >= item.proposals.length) return;
    state.decisions[proposal] = decision;
    this.mode = { kind: 'select' };
    // Go on to the next box still waiting for a decision.
    const next = state.decisions.findIndex((d, i) => d === undefined && i > proposal);
    const first = state.decisions.findIndex((d) => d === undefined);
    this.selected = next >= 0 ? next : first >= 0 ? first : proposal;
    this.render();
    this.changed();
  }

  private rejectSelected(): void {
    const state = this.current;
    const item = this.task?.items[this.item];
    if (!state || !item) return;
    if (this.selected < item.proposals.length) {
      this.decide({ decision: 'reject' });
      return;
    }
    // A drawn box is simply removed.
    state.added.splice(this.selected - item.proposals.length, 1);
    this.selected = Math.max(0, this.selected - 1);
    this.render();
    this.changed();
  }

  private startRelabel(): void {
    const item = this.task?.items[this.item];
    if (!item || this.current?.imageRejected || this.boxCount() === 0) return;
    this.mode = { kind: 'relabel' };
    this.render();
  }

  private pickLabel(index: number): void {
    const task = this.task;
    const item = task?.items[this.item];
    const label = task?.categories[index];
    const state = this.current;
    if (!task || !item || !state || label === undefined) return;
    if (this.mode.kind === 'draw') {
      this.drawLabel = index;
      this.render();
      return;
    }
    if (this.selected < item.proposals.length) {
      if (this.mode.kind !== 'relabel') return;
      const proposal = item.proposals[this.selected]!;
      this.decide(label === proposal.label ? { decision: 'accept' } : { decision: 'relabel', label });
      return;
    }
    const drawn = state.added[this.selected - item.proposals.length];
    if (drawn) {
      state.added[this.selected - item.proposals.length] = { ...drawn, label };
      this.mode = { kind: 'select' };
      this.render();
      this.changed();
    }
  }

  private toggleDraw(): void {
    if (!this.task || this.current?.imageRejected) return;
    this.mode = this.mode.kind === 'draw' ? { kind: 'select' } : { kind: 'draw' };
    this.render();
  }

  private toggleRejectImage(): void {
    const state = this.current;
    if (!state) return;
    state.imageRejected = !state.imageRejected;
    this.mode = { kind: 'select' };
    this.render();
    this.changed();
  }

  /** A pointer position in image pixels (clamped to the image). */
  private toImage(event: PointerEvent): { x: number; y: number } {
    const item = this.task!.items[this.item]!;
    const rect = this.el.overlay.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * item.width;
    const y = ((event.clientY - rect.top) / rect.height) * item.height;
    return { x: Math.min(item.width, Math.max(0, x)), y: Math.min(item.height, Math.max(0, y)) };
  }

  private pointerDown(event: PointerEvent): void {
    if (this.mode.kind !== 'draw' || !this.task) return;
    event.preventDefault();
    this.el.overlay.setPointerCapture?.(event.pointerId);
    this.dragStart = this.toImage(event);
    this.dragRect = document.createElementNS(SVG, 'rect');
    this.dragRect.setAttribute('class', 'box drawing');
    this.el.overlay.append(this.dragRect);
  }

  private pointerMove(event: PointerEvent): void {
    if (!this.dragStart || !this.dragRect) return;
    const box = this.dragBox(this.dragStart, this.toImage(event));
    setRect(this.dragRect, box);
  }

  private pointerUp(event: PointerEvent): void {
    if (!this.dragStart) return;
    const box = this.dragBox(this.dragStart, this.toImage(event));
    this.dragStart = undefined;
    this.dragRect?.remove();
    this.dragRect = undefined;
    const state = this.current;
    const item = this.task?.items[this.item];
    const label = this.task?.categories[this.drawLabel];
    if (!state || !item || label === undefined || box.width < 1 || box.height < 1) return;
    state.added.push({ label, ...box });
    this.selected = item.proposals.length + state.added.length - 1;
    this.mode = { kind: 'select' };
    this.render();
    this.changed();
  }

  /** The box between two corners, in whole pixels, inside the image. */
  private dragBox(a: { x: number; y: number }, b: { x: number; y: number }) {
    const item = this.task!.items[this.item]!;
    const left = Math.round(Math.min(a.x, b.x));
    const top = Math.round(Math.min(a.y, b.y));
    const right = Math.min(item.width, Math.round(Math.max(a.x, b.x)));
    const bottom = Math.min(item.height, Math.round(Math.max(a.y, b.y)));
    return { left, top, width: right - left, height: bottom - top };
  }

  /** Draw the current image, its boxes, the box list and the label buttons. */
  public render(): void {
    const task = this.task;
    const item = task?.items[this.item];
    const state = this.current;
    if (!task || !item || !state) return;
    const { el } = this;
    // The stage has the image's own aspect ratio; image and overlay fill it, so one image pixel is one viewBox unit.
    el.stage.style.aspectRatio = `${item.width} / ${item.height}`;
    el.stage.style.maxWidth = `min(100%, ${((MAX_STAGE_VH * item.width) / item.height).toFixed(3)}vh)`;
    el.overlay.setAttribute('viewBox', `0 0 ${item.width} ${item.height}`);
    el.overlay.setAttribute('preserveAspectRatio', 'none');
    el.overlay.dataset.mode = this.mode.kind;
    el.stage.dataset.rejected = String(state.imageRejected);
    if (item.imageUrl) {
      if (el.image.getAttribute('src') !== item.imageUrl) el.image.src = item.imageUrl;
      el.note.textContent = `${item.width} × ${item.height} pixels`;
    } else {
      el.image.removeAttribute('src');
      el.note.textContent = `The image cannot be shown: ${item.imageError ?? 'no address'}.`;
    }

    const rows: HTMLElement[] = [];
    const rects: SVGElement[] = [];
    item.proposals.forEach((box, b) => {
      const decision = state.decisions[b];
      const label = decision?.decision === 'relabel' ? decision.label : box.label;
      const status = decision?.decision ?? 'open';
      rects.push(this.rect(box, b, status, label));
      rows.push(
        this.row(b, status, `${label}${decision?.decision === 'relabel' ? ` (was ${box.label})` : ''}`, [
          `model ${percent(box.confidence)}`,
          status === 'open' ? 'needs a decision' : status,
        ]),
      );
    });
    state.added.forEach((box, a) => {
      const index = item.proposals.length + a;
      rects.push(this.rect(box, index, 'added', box.label));
      rows.push(this.row(index, 'added', box.label, ['drawn']));
    });
    el.overlay.replaceChildren(...rects);
    el.boxes.replaceChildren(...rows);
    if (rows.length === 0) {
      el.boxes.replaceChildren(
        Object.assign(document.createElement('li'), {
          className: 'empty-boxes',
          textContent: 'The model proposed no box. Draw any object it missed, or go on if there is none.',
        }),
      );
    }

    el.draw.setAttribute('aria-pressed', String(this.mode.kind === 'draw'));
    el.draw.disabled = state.imageRejected;
    el.rejectImage.setAttribute('aria-pressed', String(state.imageRejected));
    const picking = this.mode.kind === 'relabel' || this.mode.kind === 'draw' || this.selected >= item.proposals.length;
    el.labelHint.textContent =
      this.mode.kind === 'draw'
        ? `Drag on the image to draw a "${task.categories[this.drawLabel] ?? ''}" box; a digit picks another label.`
        : this.mode.kind === 'relabel'
          ? 'Pick the right label for the selected box.'
          : state.imageRejected
            ? 'The whole image is rejected: it goes to the needs-labeling list. Press X to undo.'
            : '';
    el.labels.hidden = !picking || state.imageRejected;
    el.labels.replaceChildren(
      ...task.categories.map((category, i) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.label = category;
        const pressed = this.mode.kind === 'draw' ? i === this.drawLabel : false;
        button.setAttribute('aria-pressed', String(pressed));
        button.append(
          Object.assign(document.createElement('span'), { className: 'key', textContent: i < 9 ? String(i + 1) : '' }),
          document.createTextNode(category),
        );
        button.addEventListener('click', () => this.pickLabel(i));
        return button;
      }),
    );
  }

  private rect(
    box: { left: number; top: number; width: number; height: number },
    index: number,
    status: string,
    label: string,
  ) {
    const group = document.createElementNS(SVG, 'g');
    const rect = document.createElementNS(SVG, 'rect');
    setRect(rect, box);
    rect.setAttribute('class', `box ${status}${index === this.selected ? ' selected' : ''}`);
    rect.dataset.box = String(index);
    rect.dataset.status = status;
    rect.addEventListener('click', () => {
      if (this.mode.kind !== 'draw') this.select(index);
    });
    const title = document.createElementNS(SVG, 'title');
    title.textContent = label;
    rect.append(title);
    group.append(rect);
    return group;
  }

  private row(index: number, status: string, label: string, facts: string[]): HTMLElement {
    const li = document.createElement('li');
    li.dataset.box = String(index);
    li.dataset.status = status;
    li.className = index === this.selected ? 'selected' : '';
    const name = Object.assign(document.createElement('span'), { className: 'box-label', textContent: label });
    const detail = Object.assign(document.createElement('span'), {
      className: 'box-facts',
      textContent: facts.join(' · '),
    });
    li.append(name, detail);
    const item = this.task!.items[this.item]!;
    const actions = document.createElement('span');
    actions.className = 'box-actions';
    const button = (text: string, action: string, run: () => void) => {
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text });
      b.dataset.action = action;
      b.addEventListener('click', (e) => {
        e.stopPropagation();
        this.selected = index;
        run();
      });
      return b;
    };
    if (index < item.proposals.length) {
      actions.append(
        button('Accept', 'accept', () => this.decide({ decision: 'accept' }, index)),
        button('Reject', 'reject', () => this.decide({ decision: 'reject' }, index)),
        button('Relabel', 'relabel', () => this.startRelabel()),
      );
    } else {
      actions.append(
        button('Label', 'relabel', () => this.startRelabel()),
        button('Remove', 'remove', () => this.rejectSelected()),
      );
    }
    li.append(actions);
    li.addEventListener('click', () => this.select(index));
    return li;
  }
}

function setRect(rect: SVGRectElement, box: { left: number; top: number; width: number; height: number }): void {
  rect.setAttribute('x', String(box.left));
  rect.setAttribute('y', String(box.top));
  rect.setAttribute('width', String(box.width));
  rect.setAttribute('height', String(box.height));
}
