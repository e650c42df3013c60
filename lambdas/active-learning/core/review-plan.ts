import { createHash } from 'node:crypto';
import { type ReviewBatch, type ReviewItem, type ReviewTaskInput } from '../../review/contract';
import { LIMITS } from '../contract';
import { type FeedbackRecord, dropUndefined } from './records';

/** The feedback object a plan comes from (its identity makes batch ids deterministic). */
export interface FeedbackObject {
  readonly bucket: string;
  readonly key: string;
  /** Version id when the bucket is versioned, else the ETag. */
  readonly version: string;
}

/** Options of {@link planReviews}. */
export interface PlanOptions {
  readonly categories: readonly string[];
  readonly multiLabel: boolean;
  /** Items per review (human loop). */
  readonly maxItems: number;
  /** Maximum UTF-8 bytes of the serialized task input. @default {@link LIMITS.REVIEW_INPUT_BYTES} */
  readonly maxInputBytes?: number;
}

/** A planned set of reviews for one feedback object. */
export interface ReviewPlan {
  readonly batches: readonly ReviewBatch[];
  /** Exact duplicate utterances of the same classifier dropped. */
  readonly duplicates: number;
  /** Records dropped because a record with the same `recordId` came earlier in the object (re-sent by a producer). */
  readonly redelivered: number;
  /** Records too large to fit a review on their own (reported, not sent). */
  readonly oversized: readonly FeedbackRecord[];
}

/** Human loop names: lower-case letters, digits, single hyphens between them, at most 63 characters. */
export const REVIEW_ID_PATTERN = /^[a-z0-9](-*[a-z0-9])*$/;

/**
 * The deterministic id of batch `index` of a feedback object: `al-<40 hex of sha256(bucket, key, version)>-<index>`
 * (at most 63 characters, valid as an A2I human loop name). The same object, version and index always give the same
 * id, so a re-delivered event cannot start a review twice.
 */
export function reviewBatchId(object: FeedbackObject, index: number): string {
  const digest = createHash('sha256')
    .update(`${object.bucket}\n${object.key}\n${object.version}`)
    .digest('hex')
    .slice(0, 40);
  const id = `al-${digest}-${index}`;
  if (id.length > LIMITS.A2I_NAME_LENGTH)
    throw new Error(`Review id ${id} is longer than ${LIMITS.A2I_NAME_LENGTH} characters`);
  return id;
}

/** Size of a JSON text in UTF-8 bytes. */
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Plan the reviews of one feedback object: drop records whose deterministic `recordId` was already seen in the object
 * (a producer re-sent them), drop exact duplicate utterances of the same classifier, group the rest by
 * classifier (first appearance order; a review never mixes classifiers, so its answers become one classifier's
 * training data), and cut each group into reviews of at most `maxItems` items whose serialized input stays under
 * `maxInputBytes`. Pure and deterministic: the same records and options give the same batches and ids.
 */
export function planReviews(
  records: Iterable<FeedbackRecord>,
  object: FeedbackObject,
  options: PlanOptions,
): ReviewPlan {
  const maxInputBytes = options.maxInputBytes ?? LIMITS.REVIEW_INPUT_BYTES;
  const groups = new Map<string, FeedbackRecord[]>();
  const seen = new Set<string>();
  const seenRecordIds = new Set<string>();
  let duplicates = 0;
  let redelivered = 0;
  for (const record of records) {
    if (record.recordId !== undefined) {
      if (seenRecordIds.has(record.recordId)) {
        redelivered += 1;
        continue;
      }
      seenRecordIds.add(record.recordId);
    }
    const identity = `${record.classifier}\u0000${record.utterance}`;
    if (seen.has(identity)) {
      duplicates += 1;
      continue;
    }
    seen.add(identity);
    let group = groups.get(record.classifier);
    if (group === undefined) groups.set(record.classifier, (group = []));
    group.push(record);
  }

  const batches: ReviewBatch[] = [];
  const oversized: FeedbackRecord[] = [];
  for (const group of groups.values()) {
    let items: ReviewItem[] = [];
    let size = 0;
    const base = (batchIndex: number, items: ReviewItem[]): ReviewTaskInput => ({
      categories: options.categories,
      multiLabel: options.multiLabel,
      items,
      source: { bucket: object.bucket, key: object.key, version: object.version, batch: batchIndex },
    });
    const close = () => {
      if (items.length === 0) return;
      const index = batches.length;
      batches.push({ id: reviewBatchId(object, index), input: base(index, items) });
      items = [];
      size = 0;
    };
    // Size of the serialized input: the empty input (counted with the longest possible batch index, so it is an upper
    // bound) plus each item plus the commas between items.
    const emptySize = jsonBytes(base(Number.MAX_SAFE_INTEGER, []));
    for (const record of group) {
      const itemFor = (index: number): ReviewItem => toItem(record, index);
      const alone = jsonBytes(itemFor(0));
      if (emptySize + alone > maxInputBytes) {
        oversized.push(record);
        continue;
      }
      let item = itemFor(items.length);
      let itemSize = jsonBytes(item) + (items.length > 0 ? 1 : 0);
      if (items.length >= options.maxItems || emptySize + size + itemSize > maxInputBytes) {
        close();
        item = itemFor(0);
        itemSize = jsonBytes(item);
      }
      items.push(item);
      size += itemSize;
    }
    close();
  }
  return { batches, duplicates, redelivered, oversized };
}

function toItem(record: FeedbackRecord, index: number): ReviewItem {
  return dropUndefined({
    index,
    utterance: record.utterance,
    prediction: record.prediction,
    confidence: record.confidence,
    classifier: record.classifier,
    source: record.source,
    expectedLabel: record.expectedLabel,
    requestId: record.requestId,
  });
}
