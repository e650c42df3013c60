import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import type { TumblingWindowResponse } from '../../../lambdas/streaming-anomaly/aggregate-window';
import type { AggregatedRow } from '../../../lambdas/streaming-anomaly/contract';
import { kinesisRecord, windowEvent } from './events';

const T0 = Date.UTC(2026, 10, 23, 8, 15, 0);
const kinesis = mockClient(KinesisClient);
let handler: (event: unknown) => Promise<TumblingWindowResponse>;
let emf: string[] = [];

beforeAll(async () => {
  process.env.TRAFFIC_PROCESSED_STREAM = 'traffic-processed';
  process.env.TRAFFIC_WINDOW_SECONDS = '300';
  process.env.TRAFFIC_PUBLISH_COUNT_METRICS = 'true';
  process.env.TRAFFIC_MAX_STATE_BYTES = '10000';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  ({ handler } = await import('../../../lambdas/streaming-anomaly/aggregate-window'));
});

afterAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

let write: jest.SpyInstance;
beforeEach(() => {
  kinesis.reset();
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })),
  }));
  emf = [];
  write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) emf.push(...text.trim().split('\n'));
    return true;
  });
});
afterEach(() => write.mockRestore());

const event = (person: number | string | undefined, car: number | undefined, second: number, camera = 'cam-1') =>
  kinesisRecord({ person, car, camera_id: camera, event_time: T0 + second * 1000 });

function sentRows(): AggregatedRow[] {
  return kinesis
    .commandCalls(PutRecordsCommand)
    .flatMap((call) => call.args[0].input.Records ?? [])
    .map((r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')) as AggregatedRow);
}

describe('aggregate-window handler', () => {
  it('mid-window: adds the batch to the state and writes nothing', async () => {
    const answer = await handler(
      windowEvent({ records: [event(1, undefined, 0), event(2, undefined, 1), event(undefined, 5, 2)] }),
    );
    expect(answer.batchItemFailures).toEqual([]);
    const state = answer.state as { v: number; w: Record<string, Record<string, unknown>> };
    expect(state.v).toBe(1);
    expect(Object.keys(state.w)).toEqual([String(T0)]);
    expect(Object.keys(state.w[String(T0)]!)).toEqual(['cam-1']);
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('across invocations: duplicates and re-delivered records count once; the final invocation without records emits the rows', async () => {
    const batch1 = [event(1, undefined, 0), event(2, 7, 10), event(undefined, 7, 20, 'cam-2')];
    const first = await handler(windowEvent({ records: batch1 }));
    // Kinesis re-delivers batch 1 along with new records.
    const second = await handler(
      windowEvent({
        records: [...batch1, event(3, undefined, 30), event(1, undefined, 40)],
        state: JSON.parse(JSON.stringify(first.state)),
      }),
    );
    const final = await handler(windowEvent({ records: [], state: second.state, final: true }));

    expect(final).toEqual({ state: {}, batchItemFailures: [] });
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 1);
    const input = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input;
    expect(input.StreamName).toBe('traffic-processed');
    expect(input.Records!.map((r) => r.PartitionKey)).toEqual([
      'cam-1|2026-11-23 08:15:00',
      'cam-2|2026-11-23 08:15:00',
    ]);
    expect(sentRows()).toEqual([
      {
        camera_id: 'cam-1',
        person: 3,
        car: 1,
        window_start: '2026-11-23 08:15:00',
        window_end: '2026-11-23 08:20:00',
        shard_id: 'shardId-000000000000',
      },
      {
        camera_id: 'cam-2',
        person: 0,
        car: 1,
        window_start: '2026-11-23 08:15:00',
        window_end: '2026-11-23 08:20:00',
        shard_id: 'shardId-000000000000',
      },
    ]);
  });

  it('final invocation with records: counts them too', async () => {
    await handler(windowEvent({ records: [event(1, undefined, 0), event(9, undefined, 1)], final: true }));
    expect(sentRows()).toMatchObject([{ camera_id: 'cam-1', person: 2, car: 0 }]);
  });

  it('an empty window emits nothing', async () => {
    expect(await handler(windowEvent({ records: [], final: true }))).toEqual({ state: {}, batchItemFailures: [] });
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  it('publishes per-camera and all-cameras counts as EMF, timestamped at the window start', async () => {
    await handler(windowEvent({ records: [event(1, 2, 0, 'cam-1'), event(3, undefined, 0, 'cam-2')], final: true }));
    const counts = emf
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: { Timestamp: number; CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
          },
      )
      .filter((m) => 'TrafficPersons' in m);
    expect(counts).toHaveLength(3);
    expect(counts.map((m) => [m.camera_id, m.TrafficPersons, m.TrafficCars, m._aws.Timestamp])).toEqual([
      ['cam-1', 1, 1, T0],
      ['cam-2', 1, 0, T0],
      [undefined, 2, 1, T0],
    ]);
    expect(counts[0]!._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(
      expect.arrayContaining(['service', 'camera_id']),
    );
    expect(counts[0]!.service).toBe('test');
    expect(counts[2]!._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(['service']);
  });

  it('skips records that are not camera events (logged, not retried)', async () => {
    const answer = await handler(
      windowEvent({
        records: [kinesisRecord('not json'), kinesisRecord({ hello: 1 }), event(1, undefined, 0)],
        final: true,
      }),
    );
    expect(answer.batchItemFailures).toEqual([]);
    expect(sentRows()).toMatchObject([{ person: 1 }]);
  });

  it('re-sends rows the stream rejected, and fails the invocation when they keep failing', async () => {
    let calls = 0;
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => {
      calls += 1;
      return {
        FailedPutCount: calls === 1 ? 1 : 0,
        Records: input.Records.map((_, i) =>
          calls === 1 && i === 0
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
            : { SequenceNumber: '1', ShardId: 's' },
        ),
      };
    });
    await handler(windowEvent({ records: [event(1, undefined, 0, 'a'), event(1, undefined, 0, 'b')], final: true }));
    expect(kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records!.length)).toEqual([2, 1]);

    kinesis
      .on(PutRecordsCommand)
      .callsFake(() => ({ FailedPutCount: 1, Records: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] }));
    await expect(handler(windowEvent({ records: [event(1, undefined, 0)], final: true }))).rejects.toThrow(
      '1 of 1 rows were not accepted by the processed stream (InternalFailure)',
    );
  });

  it('keeps the state under its bound by writing the largest cells early as partial rows', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => event(i, undefined, 5, 'busy'));
    const answer = await handler(windowEvent({ records }));
    expect(Buffer.byteLength(JSON.stringify(answer.state))).toBeLessThanOrEqual(10_000);
    expect(sentRows()).toMatchObject([{ camera_id: 'busy', person: 2000 }]);
    const final = await handler(
      windowEvent({ records: [event(5000, undefined, 6, 'busy')], state: answer.state, final: true }),
    );
    expect(final.state).toEqual({});
    expect(sentRows().reduce((sum, row) => sum + row.person, 0)).toBe(2001);
  });

  it('reports the first record that fails unexpectedly as a batch item failure; the state covers the records before it', async () => {
    const { WindowAggregator } = await import('../../../lambdas/streaming-anomaly/core/window');
    const real = WindowAggregator.prototype.add;
    const add = jest.spyOn(WindowAggregator.prototype, 'add').mockImplementation(function (
      this: InstanceType<typeof WindowAggregator>,
      o,
    ) {
      if (o.trackId === 'boom') throw new Error('unexpected');
      return real.call(this, o);
    });
    try {
      const records = [event(1, undefined, 0), event('boom', undefined, 1), event(3, undefined, 2)];
      const answer = await handler(windowEvent({ records, final: true }));
      expect(answer.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.kinesis.sequenceNumber }]);
      // Not closed: the window's rows wait for the retry, which resumes from the failed record with this state.
      expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
      expect(WindowAggregator.fromState(answer.state, { windowSeconds: 300, shardId: 's' }).rows()).toMatchObject([
        { person: 1 },
      ]);
    } finally {
      add.mockRestore();
    }
  });

  it('rejects an event that is not a tumbling-window Kinesis event', async () => {
    await expect(handler({ Records: [] })).rejects.toThrow();
    await expect(handler({ ...windowEvent({ records: [] }), state: { v: 9 } })).rejects.toThrow(
      'unknown state version 9',
    );
  });
});
