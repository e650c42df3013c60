import fc from 'fast-check';
import {
  AcceptedRecords,
  parseProgress,
  progressDocument,
} from '../../../../lambdas/active-learning/core/upload-progress';

describe('AcceptedRecords', () => {
  it('keeps ranges and merges neighbours', () => {
    const accepted = new AcceptedRecords();
    accepted.add([0, 1, 2, 5, 3, 7, 6, 10]);
    expect(accepted.toString()).toBe('0-3,5-7,10');
    accepted.add([4, 8, 9]);
    expect(accepted.toString()).toBe('0-10');
    expect(accepted.size).toBe(11);
    expect(AcceptedRecords.parse('0-499,700,702-799').size).toBe(599);
  });

  it.each(['5-3', '3,3', '0-4,5', 'a', '1-2,0'])('refuses %j', (text) => {
    expect(() => AcceptedRecords.parse(text)).toThrow('Not sorted, disjoint ranges');
  });

  it('property: behaves like a set of integers, and round-trips through its text form', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: 2000 }), { maxLength: 60 }), { maxLength: 8 }), (batches) => {
        const accepted = new AcceptedRecords();
        const model = new Set<number>();
        for (const batch of batches) {
          accepted.add(batch);
          for (const id of batch) model.add(id);
        }
        expect(accepted.size).toBe(model.size);
        for (let id = 0; id <= 2001; id += 1) expect(accepted.has(id)).toBe(model.has(id));
        const again = parseProgress(
          JSON.parse(JSON.stringify(progressDocument(accepted, new Date('2026-11-30T00:00:00Z')))),
        );
        expect(again.toString()).toBe(accepted.toString());
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a progress object it did not write', () => {
    expect(() => parseProgress({ v: 2, accepted: '' })).toThrow('Not an upload progress object');
  });
});
