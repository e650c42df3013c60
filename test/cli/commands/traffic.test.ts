import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { addAwsOptions } from '../../../cli/aws';
import { type SimulationSummary, registerTrafficCommands, simulate } from '../../../cli/commands/traffic';
import { buildProgram } from '../../../cli/program';
import { type AggregatedRow, type CameraEventMessage } from '../../../lambdas/streaming-anomaly/contract';
import { parseAnomaly, simulateCameraEvents } from '../../../lambdas/streaming-anomaly/core/simulate';
import {
  WindowAggregator,
  formatWindowTime,
  parseCameraEvent,
  sumRows,
  windowStartOf,
} from '../../../lambdas/streaming-anomaly/core/window';
import { localKinesisClient, useLocalServices } from '../../helpers/local-services';

const services = useLocalServices('kinesis');

/** Run `mlw …` with only the traffic commands and the global AWS options; return stdout. */
async function mlw(args: string[]): Promise<string> {
  // Usage errors reach the test as exceptions (exitOverride); commander's own copy on stderr is not needed.
  const program = addAwsOptions(new Command('mlw').exitOverride().configureOutput({ writeErr: () => undefined }));
  registerTrafficCommands(program);
  let out = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'mlw', ...args]);
  } finally {
    write.mockRestore();
  }
  return out;
}

/** Every record of every shard, read back with GetRecords. */
async function readAll(client: KinesisClient, stream: string): Promise<{ shardId: string; record: _Record }[]> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  const out: { shardId: string; record: _Record }[] = [];
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    for (;;) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator!, Limit: 10000 }));
      for (const record of page.Records ?? []) out.push({ shardId: shard.ShardId!, record });
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

describe('mlw traffic simulate against kinesalite', () => {
  it('sends camera events through PutRecords and they read back intact; the aggregator sums per-shard rows to the true counts', async () => {
    const client = localKinesisClient(services.kinesis.endpoint);
    await client.send(new CreateStreamCommand({ StreamName: 'traffic-input', ShardCount: 2 }));
    const out = await mlw([
      '--endpoint-url',
      services.kinesis.endpoint,
      '--region',
      'us-east-1',
      'traffic',
      'simulate',
      '--stream',
      'traffic-input',
      '--cameras',
      '4',
      '--events',
      '1300',
      '--rate',
      '2',
      '--start-time',
      '2026-11-23T08:00:00Z',
      '--anomaly',
      'camera-2:5',
      '--seed',
      '7',
    ]);
    const summary = JSON.parse(out) as SimulationSummary;
    expect(summary).toMatchObject({
      stream: 'traffic-input',
      events: 1300,
      stored: 1300,
      failed: 0,
      putRecordsCalls: 3,
      retriedEntries: 0,
    });
    expect(summary.firstEventTime).toBe('2026-11-23T08:00:00.000Z');
    expect(summary.lastEventTime).toBe('2026-11-23T08:10:49.500Z');
    // The anomalous camera sees about five times the traffic of each other camera.
    const others = ['camera-1', 'camera-3', 'camera-4'].map((c) => summary.perCamera[c]!);
    expect(summary.perCamera['camera-2']! / (others.reduce((a, b) => a + b, 0) / 3)).toBeGreaterThan(3.5);

    const records = await readAll(client, 'traffic-input');
    expect(records).toHaveLength(1300);
    const messages = records.map(
      ({ record }) => JSON.parse(Buffer.from(record.Data!).toString('utf8')) as CameraEventMessage,
    );
    for (const [i, { record }] of records.entries()) {
      // The IoT rule's partition key template is camera-${camera_id}.
      expect(record.PartitionKey).toBe(`camera-${messages[i]!.camera_id}`);
      expect('person' in messages[i]! !== 'car' in messages[i]!).toBe(true);
    }
    // All events of one camera are on one shard (partition key per camera).
    const shardOf = new Map<string, Set<string>>();
    records.forEach(({ shardId }, i) =>
      shardOf.set(messages[i]!.camera_id!, (shardOf.get(messages[i]!.camera_id!) ?? new Set()).add(shardId)),
    );
    for (const shards of shardOf.values()) expect(shards.size).toBe(1);

    // Aggregate each shard as the Lambda would, sum the partial rows, compare with distinct ids counted directly.
    const rows: AggregatedRow[] = [];
    for (const shardId of new Set(records.map((r) => r.shardId))) {
      const aggregator = new WindowAggregator({ windowSeconds: 300, shardId });
      for (const { record } of records.filter((r) => r.shardId === shardId)) {
        const parsed = parseCameraEvent(Buffer.from(record.Data!).toString('utf8'), 0);
        if (!parsed.ok) throw new Error(parsed.reason);
        parsed.observations.forEach((o) => aggregator.add(o));
      }
      rows.push(...aggregator.rows());
    }
    const expected = new Map<string, Set<string>>();
    for (const m of messages) {
      const measure = m.person !== undefined ? 'person' : 'car';
      const key = `${formatWindowTime(windowStartOf(m.event_time!, 300))}|${m.camera_id}|${measure}`;
      expected.set(key, (expected.get(key) ?? new Set()).add(String(m[measure])));
    }
    const totals = sumRows(rows);
    expect(new Set([...totals.keys()].map((k) => k.split('|')[0]))).toEqual(
      new Set(['2026-11-23 08:00:00', '2026-11-23 08:05:00', '2026-11-23 08:10:00']),
    );
    for (const [key, total] of totals) {
      expect(total.person).toBe(expected.get(`${key}|person`)?.size ?? 0);
      expect(total.car).toBe(expected.get(`${key}|car`)?.size ?? 0);
    }
  });

  it('is registered in the mlw program', async () => {
    const traffic = (await buildProgram(['traffic'])).commands.find((c) => c.name() === 'traffic');
    expect(traffic?.commands.map((c) => c.name())).toContain('simulate');
  });

  it('rejects bad options with a message naming them', async () => {
    await expect(mlw(['traffic', 'simulate', '--stream', 's', '--anomaly', 'camera-2'])).rejects.toThrow(
      '--anomaly expects CAMERA:FACTOR',
    );
    await expect(mlw(['traffic', 'simulate', '--stream', 's', '--events', '10', '--duration', '5'])).rejects.toThrow(
      /cannot be used with option '--duration/,
    );
    await expect(mlw(['traffic', 'simulate', '--stream', 's', '--batch-size', '501'])).rejects.toThrow('at most 500');
  });
});

describe('simulate', () => {
  it('re-sends entries that PutRecords reports with an ErrorCode, and reports what still fails', async () => {
    const kinesis = mockClient(KinesisClient);
    try {
      let call = 0;
      kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => {
        call += 1;
        return {
          FailedPutCount: call === 1 ? 2 : 0,
          Records: input.Records.map((_, i) =>
            call === 1 && i < 2
              ? { ErrorCode: 'ProvisionedThroughputExceededException' }
              : { SequenceNumber: '1', ShardId: 's' },
          ),
        };
      });
      const summary = await simulate(
        new KinesisClient({ region: 'us-east-1' }),
        'arn:aws:kinesis:us-east-1:123456789012:stream/in',
        {
          stackName: 'x',
          cameras: 2,
          events: 10,
          rate: 50,
          anomaly: [],
          seed: 1,
          batchSize: 500,
        },
      );
      expect(summary).toMatchObject({ events: 10, stored: 10, failed: 0, putRecordsCalls: 2, retriedEntries: 2 });
      expect(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input).toMatchObject({
        StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/in',
      });
      // Live mode: events are stamped when they are sent.
      const data = JSON.parse(
        Buffer.from(kinesis.commandCalls(PutRecordsCommand)[0]!.args[0].input.Records![0]!.Data!).toString('utf8'),
      ) as CameraEventMessage;
      expect(Math.abs(data.event_time! - Date.now())).toBeLessThan(60_000);

      kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
        FailedPutCount: input.Records.length,
        Records: input.Records.map(() => ({ ErrorCode: 'InternalFailure' })),
      }));
      const failing = await simulate(new KinesisClient({ region: 'us-east-1' }), 'in', {
        stackName: 'x',
        cameras: 1,
        events: 3,
        rate: 50,
        anomaly: [],
        seed: 1,
        batchSize: 500,
      });
      expect(failing).toMatchObject({ stored: 0, failed: 3 });
    } finally {
      kinesis.restore();
    }
  });
});

describe('simulateCameraEvents', () => {
  it('is deterministic for a seed, spaces event times by the rate, and checks anomaly cameras', () => {
    const options = { cameras: 3, events: 20, ratePerSecond: 4, startTime: Date.UTC(2026, 0, 1), seed: 3 };
    const a = [...simulateCameraEvents(options)];
    expect([...simulateCameraEvents(options)]).toEqual(a);
    expect(a.map((e) => e.message.event_time)).toEqual(
      Array.from({ length: 20 }, (_, i) => Date.UTC(2026, 0, 1) + i * 250),
    );
    expect(() => [...simulateCameraEvents({ ...options, anomalies: { 'camera-9': 2 } })]).toThrow(
      '--anomaly names camera-9',
    );
    expect(parseAnomaly('camera-2:2.5')).toEqual(['camera-2', 2.5]);
    expect(() => parseAnomaly('camera-2:0')).toThrow('positive factor');
  });
});
