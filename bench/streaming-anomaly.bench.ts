import { randomUUID } from 'node:crypto';
import { DEFAULT_MAX_STATE_BYTES } from '../lambdas/streaming-anomaly/contract';
import { simulateCameraEvents } from '../lambdas/streaming-anomaly/core/simulate';
import { CameraEventReader, WindowAggregator } from '../lambdas/streaming-anomaly/core/window';
import { type Reporter, median, timed } from './reporter';

const GROUP = 'streaming-anomaly';
const RUNS = 5;

/**
 * Aggregation core throughput (events/s, parse + distinct-id update through the handler's hot path,
 * `CameraEventReader` + `WindowAggregator.addEvent`, beside `JSON.parse` alone as the floor of any JSON reading)
 * and the window state's size per 10,000 distinct ids (the bound that decides how much traffic one shard can count
 * exactly before partial rows are spilled).
 */
export default async function streamingAnomalyBench(reporter: Reporter): Promise<void> {
  // Camera events as the Lambda sees them (decoded record data), event times over one hour.
  const events = 200_000;
  const data = [
    ...simulateCameraEvents({
      cameras: 50,
      events,
      ratePerSecond: events / 3600,
      startTime: Date.UTC(2026, 10, 23, 8),
      seed: 42,
    }),
  ].map((e) => JSON.stringify(e.message));
  const parseAndAdd = () => {
    const aggregator = new WindowAggregator({ windowSeconds: 300, shardId: 'shard-0' });
    const reader = new CameraEventReader();
    for (const text of data) if (reader.read(text, 0)) aggregator.addEvent(reader);
    return aggregator;
  };
  const parseOnly = () => {
    let n = 0;
    for (const text of data) if ((JSON.parse(text) as { event_time?: number }).event_time !== undefined) n += 1;
    return n;
  };
  for (let i = 0; i < 10; i += 1) parseAndAdd(); // warm up: let the JIT settle
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  const floorRuns: number[] = [];
  let aggregator = new WindowAggregator({ windowSeconds: 300, shardId: 'x' });
  for (let i = 0; i < RUNS * 2; i += 1) {
    const cpu = process.cpuUsage();
    const { ms, value } = await timed(() => Promise.resolve(parseAndAdd()));
    const used = process.cpuUsage(cpu);
    runs.push(ms);
    cpuRuns.push((used.user + used.system) / 1000);
    aggregator = value;
    floorRuns.push((await timed(() => Promise.resolve(parseOnly()))).ms);
  }
  reporter.figure(
    GROUP,
    'aggregation: parse + count (50 cameras, 12 windows)',
    Math.round(events / (median(runs) / 1000)),
    'events/s',
    `median of ${RUNS * 2} runs of ${events.toLocaleString('en-US')} events; per CPU-second ${Math.round(events / (median(cpuRuns) / 1000)).toLocaleString('en-US')}`,
  );
  reporter.figure(
    GROUP,
    'aggregation: JSON.parse alone on the same records (the floor)',
    Math.round(events / (median(floorRuns) / 1000)),
    'events/s',
    `runs alternate with the aggregation; ratio aggregation/JSON.parse ${(median(floorRuns) / median(runs)).toFixed(2)}`,
  );
  reporter.figure(GROUP, 'aggregation: rows from those events', aggregator.rows().length, 'rows');

  // State size per 10,000 distinct ids: short numeric ids, long UUIDs (hashed to the same size), and spread over cells.
  const stateFor = (ids: string[], cameras: number) => {
    const agg = new WindowAggregator({ windowSeconds: 300, shardId: 's' });
    ids.forEach((id, i) =>
      agg.add({
        cameraId: `camera-${i % cameras}`,
        measure: i % 2 === 0 ? 'person' : 'car',
        trackId: id,
        eventTime: Date.UTC(2026, 10, 23, 8),
      }),
    );
    return agg;
  };
  const numeric = Array.from({ length: 10_000 }, (_, i) => String(i + 1));
  const uuids = Array.from({ length: 10_000 }, () => randomUUID());
  const oneCamera = stateFor(numeric, 1).stateBytes();
  reporter.figure(GROUP, 'peak state per 10,000 distinct ids (1 camera, numeric ids)', oneCamera, 'bytes');
  reporter.figure(
    GROUP,
    'peak state per 10,000 distinct ids (1 camera, UUID ids)',
    stateFor(uuids, 1).stateBytes(),
    'bytes',
    'ids are stored as 32-bit hashes',
  );
  reporter.figure(
    GROUP,
    'peak state per 10,000 distinct ids (100 cameras)',
    stateFor(numeric, 100).stateBytes(),
    'bytes',
  );
  const perId = oneCamera / 10_000;
  reporter.figure(
    GROUP,
    'distinct ids per shard and window before spilling',
    Math.floor(DEFAULT_MAX_STATE_BYTES / perId),
    'ids',
    `state bound ${DEFAULT_MAX_STATE_BYTES.toLocaleString('en-US')} bytes`,
  );

  // Per-invocation overhead at the bound: rebuild the state from JSON and write it back.
  const ids = Math.floor((DEFAULT_MAX_STATE_BYTES * 0.95) / perId);
  const full = stateFor(
    Array.from({ length: ids }, (_, i) => String(i)),
    10,
  );
  const json = JSON.stringify(full.toState());
  const roundTrips: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const { ms } = await timed(() =>
      Promise.resolve(
        JSON.stringify(WindowAggregator.fromState(JSON.parse(json), { windowSeconds: 300, shardId: 's' }).toState())
          .length,
      ),
    );
    roundTrips.push(ms);
  }
  reporter.figure(
    GROUP,
    'state round trip per invocation at the bound',
    median(roundTrips),
    'ms',
    `${(json.length / 1024).toFixed(0)} KiB state, median of ${RUNS}`,
  );
}
