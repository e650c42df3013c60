import fc from 'fast-check';
import { FirehoseFanOut } from '../../../../lambdas/active-learning/core/fan-out';

const noDelay = async () => undefined;

describe('Firehose fan-out', () => {
  it('packs at most 500 records per call', async () => {
    const calls: number[] = [];
    const fanOut = new FirehoseFanOut(async (records) => (calls.push(records.length), records.map(() => undefined)), {
      delay: noDelay,
    });
    for (let i = 0; i < 1201; i += 1) await fanOut.add(`{"n":${i}}\n`);
    await fanOut.flush();
    expect(calls).toEqual([500, 500, 201]);
    expect(fanOut.stats).toMatchObject({ records: 1201, calls: 3, retriedEntries: 0 });
  });

  it('keeps every call under 4 MiB', async () => {
    const sizes: number[] = [];
    const fanOut = new FirehoseFanOut(
      async (records) => (sizes.push(records.reduce((n, r) => n + r.length, 0)), records.map(() => undefined)),
      {
        delay: noDelay,
      },
    );
    const record = 'x'.repeat(900 * 1024);
    for (let i = 0; i < 10; i += 1) await fanOut.add(record);
    await fanOut.flush();
    expect(sizes.every((s) => s <= 4 * 1024 * 1024)).toBe(true);
    expect(sizes).toHaveLength(3);
    await expect(fanOut.add('y'.repeat(1000 * 1024 + 1))).rejects.toThrow('exceeds the Firehose record limit');
  });

  it('retries only the entries that failed, with back-off, and gives up after the last attempt', async () => {
    const sent: string[][] = [];
    const delays: number[] = [];
    let round = 0;
    const fanOut = new FirehoseFanOut(
      async (records) => {
        sent.push(records.map((r) => Buffer.from(r).toString()));
        round += 1;
        return records.map((_, i) =>
          round === 1 && i === 1
            ? 'ServiceUnavailableException'
            : round === 1 && i === 3
              ? 'InternalFailure'
              : undefined,
        );
      },
      { delay: async (ms) => void delays.push(ms) },
    );
    for (const r of ['a', 'b', 'c', 'd']) await fanOut.add(r);
    await fanOut.flush();
    expect(sent).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'd'],
    ]);
    expect(delays).toEqual([100]);
    expect(fanOut.stats.retriedEntries).toBe(2);

    const stubborn = new FirehoseFanOut(async (records) => records.map(() => 'ServiceUnavailableException'), {
      delay: noDelay,
      maxAttempts: 3,
    });
    await stubborn.add('x');
    await expect(stubborn.flush()).rejects.toThrow(
      '1 records were still rejected by Firehose after 3 attempts (ServiceUnavailableException)',
    );
    expect(stubborn.stats.calls).toBe(3);
  });

  it('reports the ids of the records each call accepted, before the next call is made', async () => {
    const events: string[] = [];
    let call = 0;
    const fanOut = new FirehoseFanOut(
      async (records) => {
        call += 1;
        events.push(`call ${call}: ${records.length}`);
        return records.map((_, i) => (call === 1 && i === 0 ? 'ServiceUnavailableException' : undefined));
      },
      {
        delay: noDelay,
        maxRecords: 2,
        onAccepted: async (ids) => void events.push(`accepted ${ids.join(',')}`),
      },
    );
    for (const [id, r] of [
      [10, 'a'],
      [11, 'b'],
      [12, 'c'],
    ] as const)
      await fanOut.add(r, id);
    await fanOut.flush();
    expect(events).toEqual(['call 1: 2', 'accepted 11', 'call 2: 1', 'accepted 10', 'call 3: 1', 'accepted 12']);
    expect(fanOut.stats).toMatchObject({ records: 3, accepted: 3, calls: 3, retriedEntries: 1 });
  });

  it('property: whatever entries fail (while retries remain), every record is delivered exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1300 }),
        fc.array(fc.array(fc.nat(), { maxLength: 50 }), { maxLength: 3 }),
        async (count, failures) => {
          const delivered: string[] = [];
          let call = 0;
          const fanOut = new FirehoseFanOut(
            async (records) => {
              const failing = new Set((failures[call] ?? []).map((f) => f % Math.max(records.length, 1)));
              call += 1;
              return records.map((r, index) => {
                if (failing.has(index)) return 'X';
                delivered.push(Buffer.from(r).toString());
                return undefined;
              });
            },
            { delay: noDelay, maxAttempts: 5 },
          );
          const expected = Array.from({ length: count }, (_, i) => `r${i}`);
          for (const r of expected) await fanOut.add(r);
          await fanOut.flush();
          expect(delivered.sort()).toEqual([...expected].sort());
        },
      ),
      { numRuns: 100 },
    );
  });
});
