import {
  type BoundingBoxTaskInput,
  type BoxAnswer,
  type BoxDecision,
  type DrawnBox,
  type ImageReviewItem,
  MAX_BOXES_PER_IMAGE,
  type PixelBox,
  type ProposedBox,
  boxFieldFor,
} from '../../review/contract';
import { ValidationError } from '../../shared/errors';
import { type S3Location, parseS3Uri } from '../../shared/s3-keys';

/**
 * The image task kind (`bounding-box-verification`) of the portal's task model: what a valid image batch is, and how a
 * reviewer's decisions become the stored answer. Pure: no AWS, plain values in and out. Boxes are in whole pixels of
 * the image as displayed (Ground Truth's bounding-box convention).
 */

/** Largest image side the portal accepts (Rekognition Custom Labels images are at most 4096 pixels a side). */
export const MAX_IMAGE_SIDE = 4096;
/** The bucket and key of an item's `s3://` image, or undefined when it is not an S3 URI (see {@link parseS3Uri}). */
export function imageLocation(image: string): S3Location | undefined {
  try {
    return parseS3Uri(image);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}

const isWhole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);
const isFiniteNumber = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** Problems of a box in an image of `width` × `height` pixels (empty when it lies inside and is at least 1 × 1). */
export function boxProblems(box: Partial<PixelBox>, width: number, height: number): string[] {
  const { left, top, width: w, height: h } = box;
  if (![left, top, w, h].every(isFiniteNumber)) return ['left, top, width and height must be numbers (pixels)'];
  const problems: string[] = [];
  if (w! < 1 || h! < 1) problems.push(`is ${w} × ${h} pixels; a box is at least 1 × 1`);
  if (left! < 0 || top! < 0 || left! + w! > width || top! + h! > height) {
    problems.push(`(left ${left}, top ${top}, width ${w}, height ${h}) is not inside the ${width} × ${height} image`);
  }
  return problems;
}

/** Problems of the items of an image batch (every one, each naming the item). */
export function imageItemProblems(input: BoundingBoxTaskInput): string[] {
  const problems: string[] = [];
  const items: readonly ImageReviewItem[] = Array.isArray(input.items) ? input.items : [];
  const categories = new Set(input.categories);
  items.forEach((item, i) => {
    const at = `input.items[${i}]`;
    if (typeof item.image !== 'string' || !imageLocation(item.image)) {
      problems.push(`${at}.image: ${JSON.stringify(item.image)} must be s3://bucket/key`);
    }
    if (!isWhole(item.width) || !isWhole(item.height) || item.width < 1 || item.height < 1) {
      problems.push(`${at}: width and height must be whole numbers of pixels (from the image header)`);
      return;
    }
    if (item.width > MAX_IMAGE_SIDE || item.height > MAX_IMAGE_SIDE) {
      problems.push(`${at}: ${item.width} × ${item.height} is larger than ${MAX_IMAGE_SIDE} pixels a side`);
    }
    if (!Array.isArray(item.proposals)) {
      problems.push(`${at}.proposals: a list of boxes is required (empty when the model found nothing)`);
      return;
    }
    const proposals: readonly ProposedBox[] = item.proposals;
    if (proposals.length > MAX_BOXES_PER_IMAGE) {
      problems.push(`${at}.proposals: ${proposals.length} boxes; at most ${MAX_BOXES_PER_IMAGE} per image`);
    }
    proposals.forEach((box, b) => {
      const where = `${at}.proposals[${b}]`;
      if (!categories.has(box.label)) problems.push(`${where}.label: ${JSON.stringify(box.label)} is not a category`);
      if (!isFiniteNumber(box.confidence) || box.confidence < 0 || box.confidence > 100) {
        problems.push(`${where}.confidence: the model's confidence (0-100) is required`);
      }
      for (const p of boxProblems(box, item.width, item.height)) problems.push(`${where} ${p}`);
    });
  });
  return problems;
}

const DECISIONS = new Set(['accept', 'reject', 'relabel']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Check one image's submission against its item and normalise it to the stored {@link BoxAnswer}: every proposed box
 * needs an explicit decision (nothing is pre-accepted), relabels and drawn boxes use the task's categories, drawn
 * boxes are rounded to whole pixels and must lie inside the image, and the verified boxes are at most 50. A rejected
 * image carries no decisions and no drawn boxes.
 *
 * @param problems receives one entry per problem, each naming the field
 */
export function normalizeBoxAnswer(
  item: ImageReviewItem,
  categories: ReadonlySet<string>,
  value: unknown,
  problems: string[],
): BoxAnswer | undefined {
  const field = boxFieldFor(item.index);
  const size = { width: item.width, height: item.height };
  if (!isRecord(value)) {
    problems.push(`${field}: expected {decisions, added, imageRejected}`);
    return undefined;
  }
  const before = problems.length;
  const rejected = value.imageRejected === true;
  if (value.imageRejected !== undefined && typeof value.imageRejected !== 'boolean') {
    problems.push(`${field}.imageRejected: expected true or false`);
  }
  const rawDecisions = value.decisions ?? [];
  const rawAdded = value.added ?? [];
  if (!Array.isArray(rawDecisions)) problems.push(`${field}.decisions: expected a list`);
  if (!Array.isArray(rawAdded)) problems.push(`${field}.added: expected a list`);
  if (problems.length > before) return undefined;
  const decisionList = rawDecisions as unknown[];
  const addedList = rawAdded as unknown[];
  if (rejected) {
    if (decisionList.length > 0 || addedList.length > 0) {
      problems.push(`${field}: a rejected image carries no box decisions and no drawn boxes`);
      return undefined;
    }
    return { boundingBoxes: [], inputImageProperties: size, decisions: [], added: [], imageRejected: true };
  }
  if (decisionList.length !== item.proposals.length) {
    problems.push(
      `${field}.decisions: ${decisionList.length} given for ${item.proposals.length} proposed box(es); every box needs accept, reject or relabel`,
    );
    return undefined;
  }
  const decisions: BoxDecision[] = [];
  const kept: DrawnBox[] = [];
  decisionList.forEach((raw, b) => {
    const at = `${field}.decisions[${b}]`;
    const proposal = item.proposals[b]!;
    const decision = isRecord(raw) ? raw.decision : undefined;
    if (typeof decision !== 'string' || !DECISIONS.has(decision)) {
      problems.push(`${at}: expected accept, reject or relabel`);
      return;
    }
    const { left, top, width, height } = proposal;
    if (decision === 'relabel') {
      const label = (raw as Record<string, unknown>).label;
      if (typeof label !== 'string' || !categories.has(label)) {
        problems.push(`${at}.label: ${JSON.stringify(label)} is not a category`);
        return;
      }
      decisions.push({ decision: 'relabel', label });
      kept.push({ label, left, top, width, height });
    } else if (decision === 'accept') {
      decisions.push({ decision: 'accept' });
      kept.push({ label: proposal.label, left, top, width, height });
    } else {
      decisions.push({ decision: 'reject' });
    }
  });
  const added: DrawnBox[] = [];
  addedList.forEach((raw, b) => {
    const at = `${field}.added[${b}]`;
    if (!isRecord(raw)) {
      problems.push(`${at}: expected {label, left, top, width, height}`);
      return;
    }
    if (typeof raw.label !== 'string' || !categories.has(raw.label)) {
      problems.push(`${at}.label: ${JSON.stringify(raw.label)} is not a category`);
      return;
    }
    const numbers = [raw.left, raw.top, raw.width, raw.height];
    if (!numbers.every(isFiniteNumber)) {
      problems.push(`${at}: left, top, width and height must be numbers (pixels)`);
      return;
    }
    const box = {
      label: raw.label,
      left: Math.round(raw.left as number),
      top: Math.round(raw.top as number),
      width: Math.round(raw.width as number),
      height: Math.round(raw.height as number),
    };
    const boxIssues = boxProblems(box, item.width, item.height);
    if (boxIssues.length > 0) {
      for (const p of boxIssues) problems.push(`${at} ${p}`);
      return;
    }
    added.push(box);
  });
  if (problems.length > before) return undefined;
  const boundingBoxes = [...kept, ...added];
  if (boundingBoxes.length > MAX_BOXES_PER_IMAGE) {
    problems.push(`${field}: ${boundingBoxes.length} boxes; at most ${MAX_BOXES_PER_IMAGE} per image`);
    return undefined;
  }
  return { boundingBoxes, inputImageProperties: size, decisions, added, imageRejected: false };
}

/** An image as a reviewer sees it: the item with a short-lived URL in place of its S3 location. */
export interface ImageItemView {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly proposals: readonly ImageReviewItem['proposals'][number][];
  /** Presigned GET URL (short-lived); absent when the portal may not show images of that bucket. */
  readonly imageUrl?: string;
  /** Why there is no `imageUrl`. */
  readonly imageError?: string;
}
