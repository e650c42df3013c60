import { type StreamEntry, putAllRecords } from '../../../../lambdas/streaming-anomaly/core/put-records';

const entry = (i: number, bytes = 10): StreamEntry => ({ Data: Buffer.alloc(bytes, i % 256), PartitionKey: `k${i}` });

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
    await expect(putAllRecords([entry(0)], async () => [])).rejects.toThrow('answered 0 results for 1 entries');
  });

  it('never sends a record over 1 MiB (data plus partition key): it is returned as RecordTooLarge, the rest are stored', async () => {
    const sent: number[] = [];
    const result = await putAllRecords([entry(0), entry(1, 1024 * 1024), entry(2)], async (entries) => {
      sent.push(entries.length);
      return entries.map(() => undefined);
    });
    expect(sent).toEqual([2]);
    expect(result.stored).toBe(2);
    expect(result.failed).toEqual([{ entry: entry(1, 1024 * 1024), errorCode: 'RecordTooLarge' }]);
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
