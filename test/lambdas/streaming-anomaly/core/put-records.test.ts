import { type StreamEntry, chunkEntries, putAllRecords } from '../../../../lambdas/streaming-anomaly/core/put-records';

const entry = (i: number, bytes = 10): StreamEntry => ({ Data: Buffer.alloc(bytes, i % 256), PartitionKey: `k${i}` });

describe('chunkEntries', () => {
  it('splits at 500 records and at 5 MiB per call', () => {
    expect(chunkEntries(Array.from({ length: 1201 }, (_, i) => entry(i))).map((c) => c.length)).toEqual([
      500, 500, 201,
    ]);
    const big = Array.from({ length: 12 }, (_, i) => entry(i, 1000 * 1000));
    expect(chunkEntries(big).map((c) => c.length)).toEqual([5, 5, 2]);
    expect(chunkEntries([])).toEqual([]);
  });

  it('rejects a record over 1 MiB', () => {
    expect(() => chunkEntries([entry(1, 1024 * 1024)])).toThrow('exceeds the Kinesis limit');
  });
});

describe('putAllRecords', () => {
  it('re-sends only the entries a call reports with an ErrorCode, until they are stored', async () => {
    const calls: string[][] = [];
    let failOnce = new Set(['k1', 'k3']);
    const result = await putAllRecords(
      [0, 1, 2, 3].map((i) => entry(i)),
      async (entries) => {
        calls.push(entries.map((e) => e.PartitionKey));
        const outcome = entries.map((e) =>
          failOnce.has(e.PartitionKey) ? 'ProvisionedThroughputExceededException' : undefined,
        );
        failOnce = new Set();
        return outcome;
      },
    );
    expect(calls).toEqual([
      ['k0', 'k1', 'k2', 'k3'],
      ['k1', 'k3'],
    ]);
    expect(result).toEqual({ stored: 4, calls: 2, retried: 2, failed: [] });
  });

  it('gives up after maxAttempts and returns what still fails with its error code', async () => {
    const rounds: number[] = [];
    const result = await putAllRecords(
      [entry(0), entry(1)],
      async (entries) => entries.map((e) => (e.PartitionKey === 'k1' ? 'InternalFailure' : undefined)),
      {
        maxAttempts: 3,
        beforeRetry: async (round) => {
          rounds.push(round);
        },
      },
    );
    expect(rounds).toEqual([1, 2]);
    expect(result.stored).toBe(1);
    expect(result.calls).toBe(3);
    expect(result.failed).toEqual([{ entry: entry(1), errorCode: 'InternalFailure' }]);
  });

  it('lets a failing call propagate, and rejects an answer of the wrong length', async () => {
    await expect(putAllRecords([entry(0)], () => Promise.reject(new Error('AccessDenied')))).rejects.toThrow(
      'AccessDenied',
    );
    await expect(putAllRecords([entry(0)], async () => [])).rejects.toThrow('answered 0 results for 1 records');
  });

  it('reports progress per call', async () => {
    const stored: number[] = [];
    await putAllRecords(
      Array.from({ length: 600 }, (_, i) => entry(i)),
      async (entries) => entries.map(() => undefined),
      { onStored: (n) => stored.push(n) },
    );
    expect(stored).toEqual([500, 100]);
  });
});
