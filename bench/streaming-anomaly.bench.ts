import { randomUUID } from 'node:crypto';
import { DEFAULT_MAX_STATE_BYTES } from '../lambdas/streaming-anomaly/contract';
import { simulateCameraEvents } from '../lambdas/streaming-anomaly/core/simulate';
import { WindowAggregator, parseCameraEvent } from '../lambdas/streaming-anomaly/core/window';
import { type Reporter, median, timed } from './reporter';

const GROUP = 'streaming-anomaly';
const RUNS = 5;

/**
 * Aggregation core throughput (events/s, parse + distinct-id update, as the tumbling-window handler does per record)
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
    for (const text of data) {
      const parsed = parseCameraEvent(text, 0);
      if (parsed.ok) for (const o of parsed.observations) aggregator.add(o);
    }
    return aggregator;
  };
  parseAndAdd(); // warm up
  const runs: number[] = [];
  let aggregator = new WindowAggregator({ windowSeconds: 300, shardId: 'x' });
  for (let i = 0; i < RUNS; i += 1) {
    const { ms, value } = await timed(() => Promise.resolve(parseAndAdd()));
    runs.push(ms);
    aggregator = value;
  }
  reporter.figure(
    GROUP,
    'aggregation: parse + count (50 cameras, 12 windows)',
    Math.round(events / (median(runs) / 1000)),
    'events/s',
    `median of ${RUNS} runs of ${events.toLocaleString('en-US')} events`,
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
