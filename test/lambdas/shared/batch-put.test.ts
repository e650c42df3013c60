import fc from 'fast-check';
import {
  type BatchLimits,
  BatchPutter,
  RECORD_TOO_LARGE,
  chunkEntries,
  putInBatches,
} from '../../../lambdas/shared/batch-put';

const limits: BatchLimits = { maxEntries: 500, maxBytes: 5 * 1024 * 1024, maxEntryBytes: 1024 * 1024 };
const size = (s: string) => s.length;

describe('chunkEntries', () => {
  it('splits at the entry count and at the byte limit, in order', () => {
    const many = Array.from({ length: 1201 }, (_, i) => `e${i}`);
    expect(chunkEntries(many, size, limits).chunks.map((c) => c.length)).toEqual([500, 500, 201]);
    const big = Array.from({ length: 12 }, () => 'x'.repeat(1000 * 1000));
    expect(chunkEntries(big, size, limits).chunks.map((c) => c.length)).toEqual([5, 5, 2]);
    expect(chunkEntries([], size, limits)).toEqual({ chunks: [], oversized: [] });
  });

  it('leaves out an entry over the entry limit and keeps its neighbours', () => {
    const huge = 'y'.repeat(1024 * 1024 + 1);
    expect(chunkEntries(['a', huge, 'b'], size, limits)).toEqual({ chunks: [['a', 'b']], oversized: [huge] });
  });
});

describe('putInBatches', () => {
  it('re-sends only what a call rejected, reports what each call accepted, and returns what never got through', async () => {
    const calls: string[][] = [];
    const accepted: string[][] = [];
    const rounds: number[] = [];
    const result = await putInBatches(
      ['a', 'b', 'c', 'd', 'z'.repeat(2000)],
      async (entries) => {
        calls.push([...entries]);
        return entries.map((e) => (e === 'b' || (e === 'd' && calls.length === 1) ? 'InternalFailure' : undefined));
      },
      {
        limits: { ...limits, maxEntryBytes: 1000 },
        sizeOf: size,
        beforeRetry: async (round) => void rounds.push(round),
        onAccepted: (entries) => void accepted.push([...entries]),
      },
    );
    expect(calls).toEqual([['a', 'b', 'c', 'd'], ['b', 'd'], ['b']]);
    expect(accepted).toEqual([['a', 'c'], ['d']]);
    expect(rounds).toEqual([1, 2]);
    expect(result).toEqual({
      accepted: 3,
      calls: 3,
      retried: 3,
      failed: [
        { entry: 'z'.repeat(2000), errorCode: RECORD_TOO_LARGE },
        { entry: 'b', errorCode: 'InternalFailure' },
      ],
    });
  });

  it('stops at an error of a whole call or of onAccepted, and rejects an answer of the wrong length', async () => {
    const opts = { limits, sizeOf: size };
    await expect(putInBatches(['a'], () => Promise.reject(new Error('AccessDenied')), opts)).rejects.toThrow(
      'AccessDenied',
    );
    await expect(putInBatches(['a'], async () => [], opts)).rejects.toThrow('answered 0 results for 1 entries');
    const calls: number[] = [];
    await expect(
      putInBatches(['a', 'b'], async (e) => (calls.push(e.length), e.map(() => undefined)), {
        ...opts,
        limits: { ...limits, maxEntries: 1 },
        onAccepted: () => {
          throw new Error('progress not saved');
        },
      }),
    ).rejects.toThrow('progress not saved');
    expect(calls).toEqual([1]);
  });

  it('property: whatever entries fail while attempts remain, each is accepted exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1200 }),
        fc.array(fc.array(fc.nat(), { maxLength: 40 }), { maxLength: 2 }),
        async (count, failures) => {
          const delivered: string[] = [];
          const reported: string[] = [];
          let call = 0;
          const entries = Array.from({ length: count }, (_, i) => `r${i}`);
          const result = await putInBatches(
            entries,
            async (batch) => {
              const failing = new Set((failures[call] ?? []).map((f) => f % Math.max(batch.length, 1)));
              call += 1;
              return batch.map((e, i) => (failing.has(i) ? 'X' : (delivered.push(e), undefined)));
            },
            { limits, sizeOf: size, maxAttempts: 3, onAccepted: (a) => void reported.push(...a) },
          );
          expect(result.failed).toEqual([]);
          expect(delivered.sort()).toEqual([...entries].sort());
          expect(reported.sort()).toEqual([...entries].sort());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('BatchPutter', () => {
  it('sends a full call when the next entry would not fit, and hands what still fails to onFailed', async () => {
    const calls: number[] = [];
    const failedSeen: string[] = [];
    const putter = new BatchPutter<string>(
      async (entries) => (calls.push(entries.length), entries.map((e) => (e === 'bad' ? 'X' : undefined))),
      {
        limits: { maxEntries: 2, maxBytes: 100, maxEntryBytes: 100 },
        sizeOf: size,
        maxAttempts: 1,
        onFailed: (failed) => void failedSeen.push(...failed.map((f) => `${f.entry}:${f.errorCode}`)),
      },
    );
    for (const e of ['a', 'bad', 'c']) await putter.add(e);
    await putter.flush();
    expect(calls).toEqual([2, 1]);
    expect(failedSeen).toEqual(['bad:X']);
    expect(putter.stats).toEqual({ entries: 3, bytes: 5, accepted: 2, calls: 2, retried: 0 });
  });
});
