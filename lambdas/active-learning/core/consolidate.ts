import { z } from 'zod';
import { ValidationError } from '../../shared/errors';
import {
  type HumanAnswer,
  type HumanReviewOutput,
  type ReviewItem,
  itemIndexOfAnswerField,
} from '../../review/contract';
import { CLASSIFIER_NAME_PATTERN, DATA_PREFIX } from '../contract';
import { LABEL_DELIMITER, trainingRow } from './csv';

const itemSchema = z.looseObject({
  index: z.number().int().nonnegative(),
  utterance: z.string(),
  classifier: z.string(),
});

const outputSchema = z.looseObject({
  flowDefinitionArn: z.string(),
  humanLoopName: z.string().min(1),
  inputContent: z.looseObject({
    categories: z.array(z.string()),
    multiLabel: z.boolean().optional(),
    items: z.array(itemSchema),
  }),
  humanAnswers: z.array(
    z.looseObject({
      answerContent: z.record(z.string(), z.unknown()),
      submissionTime: z.string().optional().default(''),
      workerId: z.string().optional().default(''),
    }),
  ),
});

/**
 * `inputContent` of the original active-learning sample (the A2I custom task it shipped): the items in
 * `comprehendPredictions[]` (`utterance`, `prediction`, `confidence`, `classifier`), the categories in `labels`, and
 * worker answers in `textCategory<N>` numbered from 1.
 */
const originalInputSchema = z.looseObject({
  comprehendPredictions: z.array(
    z.looseObject({
      utterance: z.string(),
      prediction: z.string().optional(),
      confidence: z.union([z.number(), z.string()]).optional(),
      classifier: z.string(),
    }),
  ),
  labels: z.array(z.string()),
});

/**
 * An output of the original sample in our shape: items indexed from 0 and answers renamed from `textCategory<N>`
 * (1-based) to `textCategory<N-1>`, so the same majority vote and CSV apply. Other answer fields are kept as they are.
 */
function fromOriginalShape(output: Record<string, unknown>, input: z.infer<typeof originalInputSchema>): unknown {
  const answers: unknown = output.humanAnswers;
  return {
    ...output,
    inputContent: {
      categories: input.labels,
      multiLabel: false,
      items: input.comprehendPredictions.map((p, index) => ({
        index,
        utterance: p.utterance,
        ...(p.prediction === undefined ? {} : { prediction: p.prediction }),
        ...(p.confidence === undefined ? {} : { confidence: p.confidence }),
        classifier: p.classifier,
      })),
    },
    humanAnswers: Array.isArray(answers)
      ? (answers as unknown[]).map((answer: unknown): unknown => {
          const content = (answer as { answerContent?: unknown }).answerContent;
          if (typeof content !== 'object' || content === null) return answer;
          const renamed = Object.entries(content as Record<string, unknown>).map(([field, v]): [string, unknown] => {
            const n = itemIndexOfAnswerField(field);
            // textCategory0 is no item of the original numbering (1-based): renamed out of the answer fields, so it is not
            // paired with item 0; it stays in output.json.
            return [n === undefined ? field : n === 0 ? `${field}-unnumbered` : `textCategory${n - 1}`, v];
          });
          return { ...(answer as object), answerContent: Object.fromEntries(renamed) };
        })
      : answers,
  };
}

/**
 * Parse an A2I-shaped `output.json` (from A2I or from the review portal), or one of the original active-learning
 * sample (`inputContent.comprehendPredictions[]` and `labels`, answers numbered from 1: see {@link
 * originalInputSchema}). `inputContent` may arrive as the object or as the JSON string that was sent.
 * @throws ValidationError naming what is wrong.
 */
export function parseReviewOutput(value: unknown): HumanReviewOutput {
  let candidate = value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { inputContent?: unknown }).inputContent === 'string'
  ) {
    try {
      candidate = { ...value, inputContent: JSON.parse((value as { inputContent: string }).inputContent) as unknown };
    } catch {
      throw new ValidationError('Review output is invalid', ['inputContent: not valid JSON']);
    }
  }
  const original =
    typeof candidate === 'object' && candidate !== null
      ? originalInputSchema.safeParse((candidate as { inputContent?: unknown }).inputContent)
      : undefined;
  if (original?.success) candidate = fromOriginalShape(candidate as Record<string, unknown>, original.data);
  const result = outputSchema.safeParse(candidate);
  if (!result.success) {
    throw new ValidationError(
      'Review output is invalid',
      result.error.issues.map((i) => `${i.path.map(String).join('.') || '(output)'}: ${i.message}`),
    );
  }
  return result.data;
}

/** How an item's answers were consolidated. */
export type ItemStatus =
  /** A winner (multi-class) or at least one label chosen by a strict majority (multi-label). */
  | 'resolved'
  /** Answers, but no winner: a tie for the most votes (multi-class) or no label with a strict majority (multi-label). */
  | 'no-majority'
  /** No valid answer for this item. */
  | 'unanswered';

/** One reviewed item after consolidation. */
export interface ConsolidatedItem {
  readonly index: number;
  readonly utterance: string;
  readonly classifier: string;
  readonly status: ItemStatus;
  /** The consolidated labels (empty unless resolved), in category order. */
  readonly labels: readonly string[];
  /** Votes per label. */
  readonly votes: Readonly<Record<string, number>>;
  /** Workers with a valid answer for this item. */
  readonly voters: number;
  /** Answers that were not valid (unknown label, several labels in multi-class mode, wrong type). */
  readonly invalidAnswers: number;
  readonly item: ReviewItem;
}

/** The consolidation of one review. */
export interface Consolidation {
  readonly humanLoopName: string;
  readonly flowDefinitionArn: string;
  readonly multiLabel: boolean;
  readonly workers: number;
  readonly items: readonly ConsolidatedItem[];
  /** Answer fields whose index matches no item (ignored). */
  readonly orphanAnswers: number;
}

/** The labels of one answer value: `"A"`, `"A|B"`, `{"label": "A"}` (crowd-classifier) or `["A", "B"]`. */
function labelsOf(value: unknown): string[] | undefined {
  if (typeof value === 'string')
    return value
      .split(LABEL_DELIMITER)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return value.map((s) => s.trim()).filter((s) => s !== '');
  if (typeof value === 'object' && value !== null && typeof (value as { label?: unknown }).label === 'string') {
    const label = (value as { label: string }).label.trim();
    return label === '' ? [] : [label];
  }
  return undefined;
}

/** One answer per worker: a worker who submitted twice counts once, with the latest submission. */
function latestPerWorker(answers: readonly HumanAnswer[]): HumanAnswer[] {
  const byWorker = new Map<string, HumanAnswer>();
  answers.forEach((answer, position) => {
    const worker = answer.workerId || `anonymous-${position}`;
    const previous = byWorker.get(worker);
    if (previous === undefined || answer.submissionTime >= previous.submissionTime) byWorker.set(worker, answer);
  });
  return [...byWorker.values()];
}

/**
 * Consolidate the answers of a review by majority vote. Answers are paired with items by the index in the field
 * name (`textCategory<index>` = the item whose `index` is that number), never by key order.
 *
 * Rules: each worker votes once per item; a vote for a label outside the review's categories (or, in multi-class
 * mode, for several labels) is invalid and ignored.
 * - multi-class: the label with the most votes wins; a **tie for the most votes resolves nothing** (`no-majority`),
 *   so no training row is written for it — an ambiguous label would teach the model noise;
 * - multi-label: a label is kept when a strict majority of the item's voters chose it (`votes * 2 > voters`); no
 *   label with a strict majority → `no-majority`.
 */
export function consolidate(output: HumanReviewOutput): Consolidation {
  const { categories, items } = output.inputContent;
  const multiLabel = output.inputContent.multiLabel === true;
  const categorySet = new Set(categories);
  const tallies = new Map<number, { votes: Map<string, number>; voters: number; invalid: number }>();
  for (const item of items) tallies.set(item.index, { votes: new Map(), voters: 0, invalid: 0 });
  const workers = latestPerWorker(output.humanAnswers);
  let orphanAnswers = 0;
  for (const answer of workers) {
    for (const [field, value] of Object.entries(answer.answerContent)) {
      const index = itemIndexOfAnswerField(field);
      if (index === undefined) continue;
      const tally = tallies.get(index);
      if (tally === undefined) {
        orphanAnswers += 1;
        continue;
      }
      const labels = labelsOf(value);
      const unique = labels === undefined ? undefined : [...new Set(labels)];
      if (unique === undefined || unique.length === 0) {
        if (unique === undefined) tally.invalid += 1;
        continue;
      }
      if (unique.some((l) => !categorySet.has(l)) || (!multiLabel && unique.length > 1)) {
        tally.invalid += 1;
        continue;
      }
      tally.voters += 1;
      for (const label of unique) tally.votes.set(label, (tally.votes.get(label) ?? 0) + 1);
    }
  }
  const consolidated = items.map((item): ConsolidatedItem => {
    const tally = tallies.get(item.index)!;
    const votes = Object.fromEntries(categories.filter((c) => tally.votes.has(c)).map((c) => [c, tally.votes.get(c)!]));
    let labels: string[] = [];
    let status: ItemStatus;
    if (tally.voters === 0) status = 'unanswered';
    else if (multiLabel) {
      labels = categories.filter((c) => (tally.votes.get(c) ?? 0) * 2 > tally.voters);
      status = labels.length > 0 ? 'resolved' : 'no-majority';
    } else {
      const best = Math.max(...tally.votes.values());
      const winners = categories.filter((c) => tally.votes.get(c) === best);
      status = winners.length === 1 ? 'resolved' : 'no-majority';
      labels = winners.length === 1 ? winners : [];
    }
    return {
      index: item.index,
      utterance: item.utterance,
      classifier: item.classifier,
      status,
      labels,
      votes,
      voters: tally.voters,
      invalidAnswers: tally.invalid,
      item,
    };
  });
  return {
    humanLoopName: output.humanLoopName,
    flowDefinitionArn: output.flowDefinitionArn,
    multiLabel,
    workers: workers.length,
    items: consolidated,
    orphanAnswers,
  };
}

/** Training CSV of the resolved items, one text per classifier, rows in item-index order. */
export function trainingCsvByClassifier(consolidation: Consolidation): Map<string, string> {
  const out = new Map<string, string>();
  const resolved = [...consolidation.items].filter((i) => i.status === 'resolved').sort((a, b) => a.index - b.index);
  for (const item of resolved)
    out.set(item.classifier, (out.get(item.classifier) ?? '') + trainingRow(item.labels, item.utterance));
  return out;
}

/** A classifier name safe for an S3 key segment (names outside the house pattern are URI-encoded). */
export function classifierKeySegment(classifier: string): string {
  return CLASSIFIER_NAME_PATTERN.test(classifier) ? classifier : encodeURIComponent(classifier);
}

/**
 * Key of the training data written for one review and one classifier:
 * `training-data/<classifier>/<yyyy>/<mm>/<dd>/<review id>.csv` (UTC date of the completion event). Deterministic, so a
 * re-delivered event overwrites the same object instead of appending twice.
 */
export function trainingDataKey(classifier: string, humanLoopName: string, time: Date): string {
  const iso = time.toISOString();
  return `${DATA_PREFIX.TRAINING_DATA}${classifierKeySegment(classifier)}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${humanLoopName}.csv`;
}
