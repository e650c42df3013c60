/**
 * The human-review contract shared by every workflow that asks people to label items (the active-learning loop
 * today) and by the two review back ends: Amazon A2I (`a2i`) and our own review portal (`portal`).
 *
 * A requester groups items into a {@link ReviewBatch} with a deterministic id and hands it to a
 * {@link ReviewBackend}. Whichever back end runs it, the result is an A2I-shaped `output.json`
 * ({@link HumanReviewOutput}) announced by a completion event ({@link ReviewCompletedDetail}), so one consolidation
 * code path reads both.
 *
 * The review module is a peer of the workflows (`lambdas/review/`): the contract here, the back ends (A2I, the
 * portal) in `adapters/`. Zero imports: the CDK app may import this file for names.
 */

/** One item to review. `index` is its 0-based position in the batch; answers are paired by it, never by key order. */
export interface ReviewItem {
  readonly index: number;
  /** The text shown to reviewers. */
  readonly utterance: string;
  /** The model's prediction, if any (`CLASSIFY` for explicit feedback without one). */
  readonly prediction?: string;
  /** The model's confidence, if any (a number 0–1; explicit feedback may carry `"NONE"`). */
  readonly confidence?: number | string;
  /** Classifier (or model) the item belongs to. */
  readonly classifier: string;
  /** Where the item came from: `implicit`, `api` or `batch`. */
  readonly source?: string;
  /** A label the user suggested (explicit feedback). */
  readonly expectedLabel?: string;
  /** Request id of the original classification, if known. */
  readonly requestId?: string;
}

/** The kinds of review task: text items to classify, or images whose proposed boxes people verify. */
export const REVIEW_TASK_KINDS = ['text-classification', 'bounding-box-verification'] as const;
/** One of {@link REVIEW_TASK_KINDS}. */
export type ReviewTaskKind = (typeof REVIEW_TASK_KINDS)[number];

/** The input content of a text review task: what A2I receives as `InputContent` and the portal stores. */
export interface ReviewTaskInput {
  /** `text-classification` (the default when absent). */
  readonly kind?: 'text-classification';
  /** The categories reviewers choose from, rendered as buttons / radio options. Never hard-coded in a UI. */
  readonly categories: readonly string[];
  /** Allow several categories per item (multi-label); the answer is then the labels joined by `|`. */
  readonly multiLabel?: boolean;
  readonly items: readonly ReviewItem[];
  /** The feedback object the batch came from, for tracing. */
  readonly source?: {
    readonly bucket: string;
    readonly key: string;
    readonly version?: string;
    readonly batch: number;
  };
}

/**
 * A box in image pixels: `left`/`top` of its upper-left corner from the image's upper-left corner, `width` and `height`
 * — the Ground Truth bounding-box (and `crowd-bounding-box`) convention, in the image as displayed (EXIF orientation
 * applied).
 */
export interface PixelBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A box a model proposed: its label and the model's own confidence (0–100, as Rekognition reports it). */
export interface ProposedBox extends PixelBox {
  readonly label: string;
  readonly confidence: number;
}

/** One image to verify. `index` is its 0-based position in the batch; answers are paired by it. */
export interface ImageReviewItem {
  readonly index: number;
  /** The image, `s3://bucket/key` (shown through a short-lived presigned URL, never a public object). */
  readonly image: string;
  /** Width and height in pixels, read from the image header (EXIF orientation applied). */
  readonly width: number;
  readonly height: number;
  /** The boxes proposed for the image (at most {@link MAX_BOXES_PER_IMAGE}); each needs an explicit decision. */
  readonly proposals: readonly ProposedBox[];
}

/**
 * The input content of an image task (`bounding-box-verification`): reviewers accept, reject or relabel every proposed
 * box, draw missing boxes, or reject the whole image.
 */
export interface BoundingBoxTaskInput {
  readonly kind: 'bounding-box-verification';
  /** The labels reviewers may give a box (relabel or draw). Never hard-coded in a UI. */
  readonly categories: readonly string[];
  readonly items: readonly ImageReviewItem[];
  /** Where the batch came from, for tracing (a run and a page). */
  readonly source?: { readonly run: string; readonly page: number };
}

/** The input of any review task. */
export type AnyReviewTaskInput = ReviewTaskInput | BoundingBoxTaskInput;

/** True when a task input is an image task. */
export function isBoundingBoxTask(input: AnyReviewTaskInput): input is BoundingBoxTaskInput {
  return input.kind === 'bounding-box-verification';
}

/** A batch of items handed to a review back end. */
export interface ReviewBatch<I extends AnyReviewTaskInput = ReviewTaskInput> {
  /** Deterministic id (1–63 chars, `^[a-z0-9](-*[a-z0-9])*$`): the A2I human loop name and the portal task id. */
  readonly id: string;
  readonly input: I;
}

/** What a back end reports for one batch: newly started, or already there (a re-delivered event: done, not an error). */
export type ReviewStartResult = 'started' | 'already-exists';

/** A review back end (A2I `StartHumanLoop`, or a conditional write to the portal's task table). */
export interface ReviewBackend {
  start(batch: ReviewBatch<AnyReviewTaskInput>): Promise<ReviewStartResult>;
}

/**
 * The answer field of the item with 0-based `index`: `textCategory<index>`. Parse it back with
 * {@link itemIndexOfAnswerField}; never rely on key order (`textCategory10` sorts before `textCategory2`).
 */
export function answerFieldFor(index: number): string {
  return `${ANSWER_FIELD_PREFIX}${index}`;
}

/** Prefix of answer fields. */
export const ANSWER_FIELD_PREFIX = 'textCategory';

/** The item index encoded in an answer field name, or undefined when the field is not an item answer. */
export function itemIndexOfAnswerField(field: string): number | undefined {
  const match = /^textCategory(\d+)$/.exec(field);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * The answer field of the image with 0-based `index`: `annotatedResult<index>` (the name the `crowd-bounding-box`
 * element's output has in A2I and Ground Truth, with the item index). Parse it back with {@link itemIndexOfBoxField}.
 */
export function boxFieldFor(index: number): string {
  return `${BOX_FIELD_PREFIX}${index}`;
}

/** Prefix of image answer fields. */
export const BOX_FIELD_PREFIX = 'annotatedResult';

/** The item index encoded in an image answer field name, or undefined. */
export function itemIndexOfBoxField(field: string): number | undefined {
  const match = /^annotatedResult(\d+)$/.exec(field);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A reviewer's decision on one proposed box. */
export type BoxDecision =
  | { readonly decision: 'accept' }
  | { readonly decision: 'reject' }
  | { readonly decision: 'relabel'; readonly label: string };

/** A box a reviewer drew (pixels, see {@link PixelBox}). */
export interface DrawnBox extends PixelBox {
  readonly label: string;
}

/**
 * What the page submits for one image: a decision for every proposed box (in proposal order), the boxes drawn, or
 * `imageRejected` (the image cannot be labeled from these proposals: it goes to the needs-labeling list).
 */
export interface BoxAnswerSubmission {
  readonly decisions?: readonly BoxDecision[];
  readonly added?: readonly DrawnBox[];
  readonly imageRejected?: boolean;
}

/**
 * One image's answer as stored and published (`answerContent.annotatedResult<index>`): the `crowd-bounding-box` shape
 * (`boundingBoxes` = the verified boxes in whole pixels: kept proposals in proposal order, then drawn ones;
 * `inputImageProperties`), plus every decision, the drawn boxes and `imageRejected`.
 */
export interface BoxAnswer {
  readonly boundingBoxes: readonly DrawnBox[];
  readonly inputImageProperties: { readonly width: number; readonly height: number };
  readonly decisions: readonly BoxDecision[];
  readonly added: readonly DrawnBox[];
  readonly imageRejected: boolean;
}

/** Most boxes one image may carry (Rekognition Custom Labels: 50 bounding boxes per image). */
export const MAX_BOXES_PER_IMAGE = 50;

/** One reviewer's answers, in the A2I output shape. */
export interface HumanAnswer {
  /** Form fields: `textCategory<i>` → the chosen label (or `A|B` for multi-label), plus any other fields. */
  readonly answerContent: Record<string, unknown>;
  readonly submissionTime: string;
  readonly acceptanceTime?: string;
  readonly timeSpentInSeconds?: number;
  readonly workerId: string;
  readonly workerMetadata?: Record<string, unknown>;
}

/** The `output.json` of a finished review, in exactly the Amazon A2I shape. */
export interface HumanReviewOutput<I extends AnyReviewTaskInput = ReviewTaskInput> {
  readonly flowDefinitionArn: string;
  readonly humanLoopName: string;
  /** Exactly what was sent (A2I returns the `InputContent` object). */
  readonly inputContent: I;
  readonly humanAnswers: readonly HumanAnswer[];
}

/** Source of the portal's completion events (A2I's own events come from `aws.sagemaker`). */
export const REVIEW_PORTAL_EVENT_SOURCE = 'ml-workflows.review-portal';
/** Detail type of A2I status events. */
export const A2I_STATUS_DETAIL_TYPE = 'SageMaker A2I HumanLoop Status Change';
/** Detail type of the portal's completion events (same detail shape as A2I's). */
export const REVIEW_PORTAL_DETAIL_TYPE = 'Review Portal Task Status Change';

/** The detail of a review status event, A2I's or the portal's. */
export interface ReviewCompletedDetail {
  readonly humanLoopName: string;
  readonly humanLoopArn?: string;
  readonly flowDefinitionArn: string;
  readonly humanLoopStatus: 'Completed' | 'Failed' | 'Stopped';
  readonly failureCode?: string;
  readonly failureReason?: string;
  readonly humanLoopOutput?: { readonly outputS3Uri: string };
  readonly creationTime?: string;
}

/**
 * Environment variables through which a review back end is bound to the Lambda that starts reviews
 * (set by the back end's `bindStarter` on the CDK side).
 */
export const REVIEW_ENV = {
  /** `a2i` or `portal`: which {@link ReviewBackend} implementation the starter uses. */
  BACKEND: 'REVIEW_BACKEND',
  /** A2I: the flow definition ARN. */
  FLOW_DEFINITION_ARN: 'REVIEW_FLOW_DEFINITION_ARN',
  /** Portal: the DynamoDB task table name. */
  TASK_TABLE: 'REVIEW_TASK_TABLE',
  /** Portal: its identifier, written as `flowDefinitionArn` in outputs. */
  PORTAL_ID: 'REVIEW_PORTAL_ID',
  /** A2I: comma-separated `ContentClassifiers` declared on every human loop (may be empty). */
  A2I_CONTENT_CLASSIFIERS: 'REVIEW_A2I_CONTENT_CLASSIFIERS',
} as const;

/** The review back ends. */
export const REVIEW_BACKEND_KINDS = ['portal', 'a2i'] as const;
/** One of {@link REVIEW_BACKEND_KINDS}. */
export type ReviewBackendKind = (typeof REVIEW_BACKEND_KINDS)[number];

/** The `ContentClassifiers` values A2I accepts. */
export const A2I_CONTENT_CLASSIFIERS = ['FreeOfPersonallyIdentifiableInformation', 'FreeOfAdultContent'] as const;
/** One of {@link A2I_CONTENT_CLASSIFIERS}. */
export type A2iContentClassifier = (typeof A2I_CONTENT_CLASSIFIERS)[number];

/** A2I `InputContent` limit, in characters. */
export const A2I_MAX_INPUT_CONTENT_CHARS = 3_145_728;
