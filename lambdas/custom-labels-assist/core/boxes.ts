import { type ProposedBox } from '../../review/contract';
import { MAX_BOXES_PER_IMAGE } from '../contract';

/** `Geometry.BoundingBox` of a `DetectCustomLabels` label: ratios of the image width and height (may reach outside). */
export interface RatioBox {
  readonly Width?: number;
  readonly Height?: number;
  readonly Left?: number;
  readonly Top?: number;
}

/** One `CustomLabels` entry of a `DetectCustomLabels` answer (the fields this workflow reads). */
export interface CustomLabel {
  readonly Name?: string;
  /** 0–100. */
  readonly Confidence?: number;
  readonly Geometry?: { readonly BoundingBox?: RatioBox };
}

const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));

/**
 * A ratio box in whole pixels of a `width` × `height` image: each edge rounded to the nearest pixel and clamped to the
 * image (Rekognition's ratios may be below 0 or above 1 when a box reaches past the edge), or undefined when nothing of
 * at least 1 × 1 pixel is left inside the image.
 */
export function ratioToPixels(
  box: RatioBox,
  width: number,
  height: number,
): { left: number; top: number; width: number; height: number } | undefined {
  const { Left, Top, Width, Height } = box;
  if (![Left, Top, Width, Height].every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  const left = clamp(Math.round(Left! * width), width);
  const top = clamp(Math.round(Top! * height), height);
  const right = clamp(Math.round((Left! + Width!) * width), width);
  const bottom = clamp(Math.round((Top! + Height!) * height), height);
  if (right - left < 1 || bottom - top < 1) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** The proposals of one image and what was left out. */
export interface Proposals {
  readonly boxes: ProposedBox[];
  /** Labels without a bounding box (an image-level label: the model is not an object-detection model). */
  readonly withoutBox: number;
  /** Boxes with nothing of 1 × 1 pixel inside the image. */
  readonly outside: number;
  /** Labels beyond the 50 boxes an image may carry (the lowest confidences). */
  readonly overLimit: number;
}

/**
 * The boxes the model proposed for an image in whole pixels of its real size, with the model's own confidences
 * (0–100, unchanged), highest confidence first, at most {@link MAX_BOXES_PER_IMAGE}. Nothing is dropped silently: the
 * counts say what was left out and why.
 */
export function proposalsFrom(labels: readonly CustomLabel[], width: number, height: number): Proposals {
  const boxes: ProposedBox[] = [];
  let withoutBox = 0;
  let outside = 0;
  for (const label of labels) {
    const ratio = label.Geometry?.BoundingBox;
    if (!ratio || typeof label.Name !== 'string' || typeof label.Confidence !== 'number') {
      withoutBox += 1;
      continue;
    }
    const pixels = ratioToPixels(ratio, width, height);
    if (!pixels) {
      outside += 1;
      continue;
    }
    boxes.push({ label: label.Name, confidence: label.Confidence, ...pixels });
  }
  boxes.sort((a, b) => b.confidence - a.confidence);
  const overLimit = Math.max(0, boxes.length - MAX_BOXES_PER_IMAGE);
  return { boxes: boxes.slice(0, MAX_BOXES_PER_IMAGE), withoutBox, outside, overLimit };
}
