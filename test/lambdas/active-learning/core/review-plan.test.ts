import fc from 'fast-check';
import { REVIEW_ID_PATTERN, planReviews, reviewBatchId } from '../../../../lambdas/active-learning/core/review-plan';
import { type FeedbackRecord } from '../../../../lambdas/active-learning/core/records';

const OBJECT = { bucket: 'data-bucket', key: 'feedback/2026/11/23/10/x.jsonl', version: 'v1' };
const OPTIONS = { categories: ['A', 'B'], multiLabel: false, maxItems: 3 };
const rec = (utterance: string, classifier = 'c'): FeedbackRecord => ({
  utterance,
  prediction: 'A',
  confidence: 0.3,
  classifier,
});

describe('review planning', () => {
  it('drops exact duplicates per classifier, groups by classifier and cuts batches of at most N items', () => {
    const records = [rec('a'), rec('b'), rec('a'), rec('a', 'other'), rec('c'), rec('d'), rec('A')];
    const plan = planReviews(records, OBJECT, OPTIONS);
    expect(plan.duplicates).toBe(1);
    expect(plan.batches.map((b) => b.input.items.map((i) => `${i.classifier}:${i.utterance}:${i.index}`))).toEqual([
      ['c:a:0', 'c:b:1', 'c:c:2'],
      ['c:d:0', 'c:A:1'],
      ['other:a:0'],
    ]);
    expect(plan.batches.map((b) => b.id)).toEqual([0, 1, 2].map((i) => reviewBatchId(OBJECT, i)));
    expect(plan.batches[2]!.input).toMatchObject({
      categories: ['A', 'B'],
      multiLabel: false,
      source: { ...OBJECT, batch: 2 },
    });
  });

  it('drops a record whose recordId came earlier in the same object (a re-sent batch record), before the utterance check', () => {
    const withId = (utterance: string, recordId: string): FeedbackRecord => ({ ...rec(utterance), recordId });
    const plan = planReviews(
      [withId('a', 'f-0'), withId('b', 'f-1'), withId('a', 'f-0'), withId('b again', 'f-1'), withId('a', 'f-9')],
      OBJECT,
      OPTIONS,
    );
    expect(plan.redelivered).toBe(2);
    expect(plan.duplicates).toBe(1);
    expect(plan.batches.flatMap((b) => b.input.items.map((i) => i.utterance))).toEqual(['a', 'b']);
  });

  it('counts the input in UTF-8 bytes (multi-byte text splits earlier than its character count)', () => {
    const wide = '日本語'.repeat(100);
    const plan = planReviews([rec(wide), rec(`${wide}!`)], OBJECT, { ...OPTIONS, maxInputBytes: 1200 });
    expect(plan.batches).toHaveLength(2);
    for (const b of plan.batches) expect(Buffer.byteLength(JSON.stringify(b.input))).toBeLessThanOrEqual(1200);
  });

  it('derives valid, deterministic ids from bucket, key, version and batch index', () => {
    const id = reviewBatchId(OBJECT, 12);
    expect(id).toMatch(REVIEW_ID_PATTERN);
    expect(id.length).toBeLessThanOrEqual(63);
    expect(reviewBatchId(OBJECT, 12)).toBe(id);
    expect(reviewBatchId({ ...OBJECT, version: 'v2' }, 12)).not.toBe(id);
    expect(reviewBatchId({ ...OBJECT, key: 'feedback/other' }, 12)).not.toBe(id);
  });

  it('keeps the serialized input under the limit, splitting early and skipping what cannot fit alone', () => {
    const big = 'x'.repeat(400);
    const plan = planReviews([rec(big), rec(`${big}y`), rec('z'.repeat(2000))], OBJECT, {
      ...OPTIONS,
      maxInputBytes: 1200,
    });
    expect(plan.oversized.map((r) => r.utterance.length)).toEqual([2000]);
    for (const b of plan.batches) expect(Buffer.byteLength(JSON.stringify(b.input))).toBeLessThanOrEqual(1200);
    expect(plan.batches.flatMap((b) => b.input.items.map((i) => i.utterance))).toEqual([big, `${big}y`]);
  });

  it('property: every unique record lands in exactly one batch, within both limits, with valid ids and 0-based indexes', () => {
    const record = fc.record({
      utterance: fc.string({ minLength: 1, maxLength: 80 }),
      classifier: fc.constantFrom('a', 'b', 'c'),
    });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 600, max: 3000 }),
        (rs, maxItems, maxInputBytes) => {
          const records = rs.map((r) => rec(r.utterance, r.classifier));
          const plan = planReviews(records, OBJECT, { ...OPTIONS, maxItems, maxInputBytes });
          const unique = new Set(records.map((r) => `${r.classifier}\u0000${r.utterance}`));
          const planned = plan.batches.flatMap((b) => b.input.items.map((i) => `${i.classifier}\u0000${i.utterance}`));
          expect(planned.length + plan.oversized.length).toBe(unique.size);
          expect(new Set([...planned, ...plan.oversized.map((r) => `${r.classifier}\u0000${r.utterance}`)])).toEqual(
            unique,
          );
          for (const b of plan.batches) {
            expect(b.id).toMatch(REVIEW_ID_PATTERN);
            expect(b.input.items.length).toBeLessThanOrEqual(maxItems);
            expect(Buffer.byteLength(JSON.stringify(b.input))).toBeLessThanOrEqual(maxInputBytes);
            expect(b.input.items.map((i) => i.index)).toEqual(b.input.items.map((_, n) => n));
            expect(new Set(b.input.items.map((i) => i.classifier)).size).toBe(1);
          }
          expect(new Set(plan.batches.map((b) => b.id)).size).toBe(plan.batches.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
