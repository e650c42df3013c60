import { type BoundingBoxTaskInput, type ReviewBatch } from '../../review/contract';
import { type PageImage, taskIdFor } from '../contract';
import { type CustomLabel, proposalsFrom } from './boxes';
import { type NeedsLabeling } from './manifest';
import { type Run } from './run';

/** One image of a page after detection: its labels, or the error Rekognition answered for it. */
export interface DetectedImage {
  readonly image: PageImage;
  readonly labels?: readonly CustomLabel[];
  /** Step Functions' error of a `DetectCustomLabels` call caught for this image alone. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** A page's proposals (`runs/<run id>/proposals/<page>.json`): the review tasks and what did not become one. */
export interface PageProposals {
  readonly page: number;
  readonly tasks: { readonly taskId: string; readonly images: number }[];
  /** Review batches (the task inputs), in task order. */
  readonly batches: ReviewBatch<BoundingBoxTaskInput>[];
  readonly needsLabeling: NeedsLabeling[];
  readonly counts: { images: number; boxes: number; withoutBox: number; outside: number; overLimit: number };
}

/**
 * Turn a page of detections into review batches of `imagesPerTask` images (`bounding-box-verification`): boxes in
 * whole pixels of each image's real size with the model's confidences; the labels reviewers may choose are the run's
 * labels and every label proposed in the task. An image Rekognition could not read, or one for which no label is known
 * at all, goes to the needs-labeling list with the reason.
 */
export function proposePage(
  run: Run,
  page: number,
  detected: readonly DetectedImage[],
  options: { imagesPerPage: number; imagesPerTask: number },
): PageProposals {
  const counts = { images: 0, boxes: 0, withoutBox: 0, outside: 0, overLimit: 0 };
  const needsLabeling: NeedsLabeling[] = [];
  const reviewable: { item: Omit<BoundingBoxTaskInput['items'][number], 'index'>; number: number }[] = [];
  detected.forEach((d, i) => {
    const number = page * options.imagesPerPage + i;
    const sourceRef = `s3://${run.bucket}/${d.image.key}`;
    if (d.error || !d.labels) {
      needsLabeling.push({
        'source-ref': sourceRef,
        reason: `DetectCustomLabels failed for this image: ${d.error?.Error ?? 'no answer'}${d.error?.Cause ? ` (${d.error.Cause})` : ''}`,
      });
      return;
    }
    const proposals = proposalsFrom(d.labels, d.image.width, d.image.height);
    counts.images += 1;
    counts.boxes += proposals.boxes.length;
    counts.withoutBox += proposals.withoutBox;
    counts.outside += proposals.outside;
    counts.overLimit += proposals.overLimit;
    reviewable.push({
      number,
      item: { image: sourceRef, width: d.image.width, height: d.image.height, proposals: proposals.boxes },
    });
  });
  const tasks: PageProposals['tasks'] = [];
  const batches: PageProposals['batches'] = [];
  const groups = new Map<number, typeof reviewable>();
  for (const r of reviewable) {
    const task = Math.floor(r.number / options.imagesPerTask);
    groups.set(task, [...(groups.get(task) ?? []), r]);
  }
  for (const [task, members] of [...groups].sort((a, b) => a[0] - b[0])) {
    const categories = [
      ...new Set([...run.labels, ...members.flatMap((m) => m.item.proposals.map((p) => p.label))]),
    ].sort();
    if (categories.length === 0) {
      for (const m of members) {
        needsLabeling.push({
          'source-ref': m.item.image,
          reason: 'the model proposed no box and the run names no label to draw (give --labels)',
        });
      }
      continue;
    }
    const taskId = taskIdFor(run.runId, task);
    tasks.push({ taskId, images: members.length });
    batches.push({
      id: taskId,
      input: {
        kind: 'bounding-box-verification',
        categories,
        items: members.map((m, index) => ({ index, ...m.item })),
        source: { run: run.runId, page },
      },
    });
  }
  return { page, tasks, batches, needsLabeling, counts };
}
