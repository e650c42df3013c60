import { groundTruthDate } from '../../labeling-chain/core/import-labels';
import {
  type BoundingBoxTaskInput,
  type BoxAnswer,
  type HumanAnswer,
  type HumanReviewOutput,
  type ImageReviewItem,
  boxFieldFor,
} from '../../review/contract';

/**
 * Verified images → a Rekognition Custom Labels manifest line each, in the Ground Truth object-detection format
 * (`source-ref`, `<attribute>: {image_size, annotations}` in pixels with integer `class_id`s, `<attribute>-metadata`
 * with `objects`, `class-map`, `type`, `human-annotated: yes`, the reviewer's real submission time as
 * `creation-date`, and `job-name`). Images rejected as a whole, or whose review failed, go to the needs-labeling list
 * instead — never dropped.
 *
 * Confidences: a proposed box a reviewer accepted keeps the model's own confidence (0–100 → 0–1); a box a person
 * relabeled or drew carries 1, as people's labels do in the documented examples. Nothing is invented.
 */

/** Options of {@link manifestEntries}. */
export interface ManifestOptions {
  /** The label attribute (e.g. `bounding-box`). */
  readonly labelAttribute: string;
  /** `job-name` of the metadata (`labeling-job/<name>`). */
  readonly jobName: string;
}

/** An image that needs labeling by other means, and why. */
export interface NeedsLabeling {
  readonly 'source-ref': string;
  readonly reason: string;
  readonly taskId?: string;
  readonly reviewedBy?: string;
  readonly reviewedAt?: string;
}

/** The lines one review output gives. */
export interface ManifestEntries {
  readonly lines: Record<string, unknown>[];
  readonly needsLabeling: NeedsLabeling[];
  /** Images with several answers, of which only the first is used (people disagreeing is not averaged). */
  readonly extraAnswers: number;
}

/**
 * The class map of a line: the labels used on the image, sorted, numbered from 0. A class map is per line in the
 * Ground Truth format, and Custom Labels reads each line's own map.
 */
export function classMapOf(labels: Iterable<string>): Map<string, number> {
  return new Map([...new Set(labels)].sort().map((label, i) => [label, i]));
}

/**
 * The object-detection label of one image in the Ground Truth format Custom Labels reads: the image's size and its
 * boxes in whole pixels with the integer class id of each box's label.
 */
export function objectDetectionLabel(
  image: { readonly width: number; readonly height: number },
  boxes: readonly { readonly label: string; left: number; top: number; width: number; height: number }[],
  classIds: ReadonlyMap<string, number>,
): { image_size: { width: number; height: number; depth: number }[]; annotations: Record<string, number>[] } {
  return {
    image_size: [{ width: image.width, height: image.height, depth: 3 }],
    annotations: boxes.map((box) => ({
      class_id: classIds.get(box.label)!,
      left: box.left,
      top: box.top,
      width: box.width,
      height: box.height,
    })),
  };
}

/** The metadata's `class-map` (class id as a string → label) of a class-id map. */
export function classMapObject(classIds: ReadonlyMap<string, number>): Record<string, string> {
  return Object.fromEntries([...classIds].map(([label, id]) => [String(id), label]));
}

/** One verified image as a manifest line. */
export function manifestLine(
  item: ImageReviewItem,
  answer: BoxAnswer,
  reviewer: Pick<HumanAnswer, 'submissionTime'>,
  options: ManifestOptions,
): Record<string, unknown> {
  const classIds = classMapOf(answer.boundingBoxes.map((b) => b.label));
  const confidences: number[] = [];
  answer.decisions.forEach((decision, i) => {
    if (decision.decision === 'accept') confidences.push((item.proposals[i]?.confidence ?? 100) / 100);
    else if (decision.decision === 'relabel') confidences.push(1);
  });
  for (let i = 0; i < answer.added.length; i += 1) confidences.push(1);
  return {
    'source-ref': item.image,
    [options.labelAttribute]: objectDetectionLabel(item, answer.boundingBoxes, classIds),
    [`${options.labelAttribute}-metadata`]: {
      objects: confidences.map((confidence) => ({ confidence: Math.round(confidence * 10_000) / 10_000 })),
      'class-map': classMapObject(classIds),
      type: 'groundtruth/object-detection',
      'human-annotated': 'yes',
      'creation-date': groundTruthDate(new Date(reviewer.submissionTime)),
      'job-name': options.jobName,
    },
  };
}

/**
 * The manifest lines and needs-labeling entries of one completed image review (portal or A2I `output.json`). A review
 * that did not complete sends every image of its task to the needs-labeling list.
 */
export function manifestEntries(
  output: HumanReviewOutput<BoundingBoxTaskInput>,
  status: 'Completed' | 'Failed' | 'Stopped',
  options: ManifestOptions,
): ManifestEntries {
  const lines: Record<string, unknown>[] = [];
  const needsLabeling: NeedsLabeling[] = [];
  const taskId = output.humanLoopName;
  const items = [...output.inputContent.items].sort((a, b) => a.index - b.index);
  const answers = [...output.humanAnswers].sort((a, b) => a.submissionTime.localeCompare(b.submissionTime));
  const first = answers[0];
  if (status !== 'Completed' || !first) {
    for (const item of items) {
      needsLabeling.push({ 'source-ref': item.image, reason: `the review ended ${status} without answers`, taskId });
    }
    return { lines, needsLabeling, extraAnswers: 0 };
  }
  for (const item of items) {
    const answer = first.answerContent[boxFieldFor(item.index)] as BoxAnswer | undefined;
    if (!answer) {
      needsLabeling.push({ 'source-ref': item.image, reason: 'the review has no answer for this image', taskId });
    } else if (answer.imageRejected) {
      needsLabeling.push({
        'source-ref': item.image,
        reason: 'rejected as a whole by the reviewer',
        taskId,
        reviewedBy: first.workerId,
        reviewedAt: first.submissionTime,
      });
    } else {
      lines.push(manifestLine(item, answer, first, options));
    }
  }
  return { lines, needsLabeling, extraAnswers: (answers.length - 1) * items.length };
}

/**
 * Cut manifest lines into `UpdateDatasetEntries` chunks whose JSON Lines text (each line ending in `\n`) stays within
 * `maxBytes`.
 * @throws Error when one line alone is larger than `maxBytes` (a manifest line is a few KB; this would be a bug).
 */
export function chunkLines(lines: readonly string[], maxBytes: number): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.byteLength(line, 'utf8') + 1;
    if (bytes > maxBytes) throw new Error(`A manifest line of ${bytes} bytes is larger than a chunk (${maxBytes})`);
    if (size + bytes > maxBytes) {
      chunks.push(`${current.join('\n')}\n`);
      current = [];
      size = 0;
    }
    current.push(line);
    size += bytes;
  }
  if (current.length > 0) chunks.push(`${current.join('\n')}\n`);
  return chunks;
}

/**
 * One line of a Ground Truth bounding-box adjustment job's output manifest → the Custom Labels line (only
 * `source-ref` and the label attribute with its metadata are kept; the proposals the job started from are dropped),
 * or a needs-labeling entry when the object failed or expired in the job (`failure-reason`) or has no label.
 */
export function groundTruthEntry(
  line: Record<string, unknown>,
  labelAttribute: string,
): { line: Record<string, unknown> } | { needsLabeling: NeedsLabeling } {
  const sourceRef = typeof line['source-ref'] === 'string' ? line['source-ref'] : '(no source-ref)';
  const metadata = line[`${labelAttribute}-metadata`] as Record<string, unknown> | undefined;
  const failure = metadata?.['failure-reason'];
  if (typeof failure === 'string') {
    return { needsLabeling: { 'source-ref': sourceRef, reason: `Ground Truth: ${failure}` } };
  }
  if (line[labelAttribute] === undefined || metadata === undefined) {
    return { needsLabeling: { 'source-ref': sourceRef, reason: 'Ground Truth returned no label for this image' } };
  }
  return {
    line: {
      'source-ref': sourceRef,
      [labelAttribute]: line[labelAttribute],
      [`${labelAttribute}-metadata`]: metadata,
    },
  };
}
