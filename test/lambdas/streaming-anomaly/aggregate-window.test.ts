import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { TumblingWindowResponse } from '../../../lambdas/streaming-anomaly/aggregate-window';
import type { AggregatedRow } from '../../../lambdas/streaming-anomaly/contract';
import { type DeadLetterLine, parseDeadLetters } from '../../../lambdas/shared/dead-letter';
import { kinesisRecord, kplRecord, windowEvent } from '../../helpers/kinesis-events';

const T0 = Date.UTC(2026, 10, 23, 8, 15, 0);
const kinesis = mockClient(KinesisClient);
const s3 = mockClient(S3Client);
const FIELD_CASE = join(__dirname, '../../fixtures/field-cases/kinesis-tumbling-kpl-aggregated.event.json');
let handler: (event: unknown) => Promise<TumblingWindowResponse>;
let emf: string[] = [];

beforeAll(async () => {
  process.env.TRAFFIC_PROCESSED_STREAM = 'traffic-processed';
  process.env.TRAFFIC_WINDOW_SECONDS = '300';
  process.env.TRAFFIC_PUBLISH_COUNT_METRICS = 'true';
  process.env.TRAFFIC_MAX_STATE_BYTES = '10000';
  process.env.TRAFFIC_DEAD_LETTER_BUCKET = 'traffic-bucket';
  process.env.TRAFFIC_MAX_EVENT_AGE_SECONDS = '86400';
  process.env.TRAFFIC_MAX_CLOCK_SKEW_SECONDS = '300';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  ({ handler } = await import('../../../lambdas/streaming-anomaly/aggregate-window'));
});

afterAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

let write: jest.SpyInstance;
beforeEach(() => {
  kinesis.reset();
  s3.reset();
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
  kinesisRecord({ person, car, camera_id: camera, event_time: T0 + second * 1000 }, { arrival: T0 + 60_000 });

/** Every dead letter written to S3, with its key. */
function deadLetters(): (DeadLetterLine & { key: string })[] {
  return s3.commandCalls(PutObjectCommand).flatMap((call) => {
    const input = call.args[0].input;
    expect(input.Bucket).toBe('traffic-bucket');
    expect(input.Key).toMatch(/^dead-letter\/aggregator\/\d{4}\/\d\d\/\d\d\/\d\d\/[0-9a-f]{32}\.jsonl$/);
    return parseDeadLetters(input.Body as string).map((l) => ({ ...l, key: input.Key! }));
  });
}

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

  it('keeps records that are not camera events under dead-letter/ (raw bytes, reason, shard and sequence number) and counts the rest', async () => {
    const bad = [kinesisRecord('not json'), kinesisRecord({ hello: 1 })];
    const answer = await handler(windowEvent({ records: [...bad, event(1, undefined, 0)], final: true }));
    expect(answer.batchItemFailures).toEqual([]);
    expect(sentRows()).toMatchObject([{ person: 1 }]);
    expect(deadLetters().map((l) => [Buffer.from(l.data, 'base64').toString(), l.reason, l.source])).toEqual([
      ['not json', 'not JSON', { shardId: 'shardId-000000000000', sequenceNumber: bad[0]!.kinesis.sequenceNumber }],
      [
        '{"hello":1}',
        'neither person nor car',
        { shardId: 'shardId-000000000000', sequenceNumber: bad[1]!.kinesis.sequenceNumber },
      ],
    ]);
    const counts = emf
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((m) => 'TrafficInvalidEvents' in m);
    expect(counts).toMatchObject({ TrafficInvalidEvents: 2, TrafficEventsAggregated: 1 });
  });

  it('fails the invocation (Lambda retries the batch) when a dead letter cannot be written, before any row is written', async () => {
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    await expect(
      handler(windowEvent({ records: [kinesisRecord('not json'), event(1, undefined, 0)], final: true })),
    ).rejects.toThrow('AccessDenied');
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });

  describe('KPL-aggregated records', () => {
    it('field case: de-aggregates the record (MD5 checked) into one row for cam-7 with 2 persons and 1 car', async () => {
      const fieldCase = JSON.parse(readFileSync(FIELD_CASE, 'utf8')) as unknown;
      expect(await handler(fieldCase)).toEqual({ state: {}, batchItemFailures: [] });
      expect(sentRows()).toEqual([
        {
          camera_id: 'cam-7',
          person: 2,
          car: 1,
          window_start: '2026-11-30 08:15:00',
          window_end: '2026-11-30 08:20:00',
          shard_id: 'shardId-000000000000',
        },
      ]);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });

    it('a KPL record with a bad MD5 is set aside whole, with its raw bytes; its neighbours are counted', async () => {
      const fieldCase = JSON.parse(readFileSync(FIELD_CASE, 'utf8')) as { Records: { kinesis: { data: string } }[] };
      const bytes = Buffer.from(fieldCase.Records[0]!.kinesis.data, 'base64');
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      fieldCase.Records[0]!.kinesis.data = bytes.toString('base64');
      const plain = kinesisRecord(
        { car: 'c-1', camera_id: 'cam-7', event_time: 1796026505000 },
        { arrival: 1796026506000 },
      );
      await handler({ ...fieldCase, Records: [...fieldCase.Records, plain] });
      expect(sentRows()).toMatchObject([{ camera_id: 'cam-7', person: 0, car: 1 }]);
      const [letter] = deadLetters();
      expect(letter).toMatchObject({ reason: 'KPL-aggregated record cannot be unpacked: invalid MD5 checksum' });
      expect(Buffer.from(letter!.data, 'base64')).toEqual(bytes);
    });

    it('a KPL record with one bad inner record: that user record is set aside (with its sub-sequence number), the others counted', async () => {
      const arrival = T0 + 60_000;
      const packed = await kplRecord(
        [
          JSON.stringify({ person: 'p-1', camera_id: 'cam-7', event_time: T0 }),
          '{"person": broken',
          JSON.stringify({ car: 'c-1', camera_id: 'cam-7', event_time: T0 + 1000 }),
        ],
        { arrival },
      );
      await handler(windowEvent({ records: [packed, event(2, undefined, 3, 'cam-7')], final: true }));
      expect(sentRows()).toMatchObject([{ camera_id: 'cam-7', person: 2, car: 1 }]);
      expect(deadLetters().map((l) => [Buffer.from(l.data, 'base64').toString(), l.reason, l.source])).toEqual([
        [
          '{"person": broken',
          'not JSON',
          { shardId: 'shardId-000000000000', sequenceNumber: packed.kinesis.sequenceNumber, subSequenceNumber: 1 },
        ],
      ]);
      const metricsLine = emf
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((m) => 'TrafficKplRecordsDeaggregated' in m);
      expect(metricsLine).toMatchObject({
        TrafficKplRecordsDeaggregated: 1,
        TrafficInvalidEvents: 1,
        TrafficEventsAggregated: 3,
      });
    });
  });

  describe('limits at the edge', () => {
    it('a 240-character camera id: the row goes out under a digest partition key (≤ 256 characters), the window is not lost', async () => {
      const camera = 'c'.repeat(240);
      const answer = await handler(
        windowEvent({ records: [event(1, undefined, 0, camera), event(1, undefined, 1, 'cam-2')], final: true }),
      );
      expect(answer).toEqual({ state: {}, batchItemFailures: [] });
      const keys = kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records!.map((r) => r.PartitionKey!);
      expect(keys).toEqual([
        'cam-2|2026-11-23 08:15:00',
        expect.stringMatching(/^sha256:[0-9a-f]{32}\|2026-11-23 08:15:00$/),
      ]);
      expect(keys.every((k) => k.length <= 256)).toBe(true);
      expect(sentRows().map((r) => r.camera_id)).toEqual(['cam-2', camera]);
    });

    it('a camera id over 1,024 characters (a CloudWatch dimension value) is set aside, not truncated', async () => {
      await handler(
        windowEvent({ records: [event(1, undefined, 0, 'x'.repeat(1025)), event(1, undefined, 0)], final: true }),
      );
      expect(sentRows().map((r) => r.camera_id)).toEqual(['cam-1']);
      expect(deadLetters()[0]!.reason).toContain('over the 1024 a CloudWatch dimension value allows');
    });

    it.each([
      ['older than the stream retention', -86_400_001, "older than the stream's retention"],
      [
        'more than the allowed skew ahead of arrival',
        300_001,
        "ahead of the record's arrival by more than the allowed clock skew",
      ],
    ])('an event time %s is set aside; one just inside the range is counted', async (_name, offset, reason) => {
      const arrival = T0 + 60_000;
      const at = (delta: number, id: number) =>
        kinesisRecord({ person: id, camera_id: 'cam-1', event_time: arrival + delta }, { arrival });
      const inside = offset < 0 ? offset + 1 : offset - 1;
      await handler(windowEvent({ records: [at(offset, 1), at(inside, 2)], final: true }));
      expect(sentRows().reduce((n, r) => n + r.person, 0)).toBe(1);
      expect(deadLetters().map((l) => l.reason)).toEqual([expect.stringContaining(reason)]);
    });
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
    const { fnv1a } = await import('../../../lambdas/streaming-anomaly/core/id-set');
    const real = WindowAggregator.prototype.addEvent;
    const add = jest.spyOn(WindowAggregator.prototype, 'addEvent').mockImplementation(function (
      this: InstanceType<typeof WindowAggregator>,
      e,
    ) {
      if (e.hasPerson && e.personHash === fnv1a('boom')) throw new Error('unexpected');
      return real.call(this, e);
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
