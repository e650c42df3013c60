import fc from 'fast-check';
import { type AggregatedRow, DEFAULT_CAMERA_ID } from '../../../../lambdas/streaming-anomaly/contract';
import {
  type Observation,
  WindowAggregator,
  WindowStateError,
  countPoints,
  formatWindowTime,
  hashTrackId,
  parseCameraEvent,
  parseWindowTime,
  sumRows,
  windowStartOf,
} from '../../../../lambdas/streaming-anomaly/core/window';

const T0 = Date.UTC(2026, 10, 23, 8, 15, 0); // 2026-11-23 08:15:00, a 5-minute boundary
const options = { windowSeconds: 300, shardId: 'shardId-000000000000' };
const obs = (
  cameraId: string,
  measure: 'person' | 'car',
  trackId: string | number,
  offsetSeconds: number,
): Observation => ({
  cameraId,
  measure,
  trackId: String(trackId),
  eventTime: T0 + offsetSeconds * 1000,
});

describe('parseCameraEvent', () => {
  it('reads person and car track ids (string or number), event_time and camera_id', () => {
    expect(parseCameraEvent(JSON.stringify({ person: 17, event_time: T0, camera_id: 'cam-1' }), 0)).toEqual({
      ok: true,
      observations: [{ cameraId: 'cam-1', measure: 'person', trackId: '17', eventTime: T0 }],
    });
    expect(parseCameraEvent(JSON.stringify({ car: 'c-9', person: ' p-1 ', event_time: T0 + 0.7 }), 0)).toEqual({
      ok: true,
      observations: [
        { cameraId: DEFAULT_CAMERA_ID, measure: 'person', trackId: 'p-1', eventTime: T0 },
        { cameraId: DEFAULT_CAMERA_ID, measure: 'car', trackId: 'c-9', eventTime: T0 },
      ],
    });
  });

  it('uses the arrival time when event_time is missing', () => {
    expect(parseCameraEvent('{"car":1}', T0 + 5)).toMatchObject({ ok: true, observations: [{ eventTime: T0 + 5 }] });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['{"camera_id":"a","event_time":1}', 'event_time 1 is not epoch milliseconds'],
    [`{"event_time":${T0}}`, 'neither person nor car'],
    [`{"person":{"id":1},"event_time":${T0}}`, 'person {"id":1} is not a track id'],
    [`{"car":"","event_time":${T0}}`, 'car "" is not a track id'],
    [`{"car":1,"camera_id":5,"event_time":${T0}}`, 'camera_id 5 is not a non-empty string'],
    [`{"car":1,"event_time":${T0 / 1000}}`, `event_time ${T0 / 1000} is not epoch milliseconds`],
  ])('rejects %s', (data, reason) => {
    expect(parseCameraEvent(data, T0)).toEqual({ ok: false, reason });
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (data) => {
        const result = parseCameraEvent(data, T0);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});

describe('window times', () => {
  it('aligns windows to the epoch and formats them as yyyy-MM-dd HH:mm:ss UTC', () => {
    expect(windowStartOf(T0 + 299_999, 300)).toBe(T0);
    expect(windowStartOf(T0 + 300_000, 300)).toBe(T0 + 300_000);
    expect(formatWindowTime(T0)).toBe('2026-11-23 08:15:00');
    expect(parseWindowTime('2026-11-23 08:15:00')).toBe(T0);
    expect(() => parseWindowTime('2026-11-23T08:15:00Z')).toThrow('not yyyy-MM-dd HH:mm:ss');
  });

  it('round-trips any time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800, max: 4_102_444_799 }), (seconds) => {
        expect(parseWindowTime(formatWindowTime(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});

describe('WindowAggregator', () => {
  it('counts distinct track ids per camera per window; duplicates and re-delivered records count once', () => {
    const agg = new WindowAggregator(options);
    const events = [
      obs('cam-1', 'person', 1, 0),
      obs('cam-1', 'person', 1, 10), // same person again
      obs('cam-1', 'person', 2, 20),
      obs('cam-1', 'car', 1, 30), // a car with the same number is another object
      obs('cam-2', 'car', 'x', 40),
    ];
    for (const e of events) agg.add(e);
    for (const e of events) agg.add(e); // Kinesis re-delivers the whole batch
    expect(agg.rows()).toEqual([
      {
        camera_id: 'cam-1',
        person: 2,
        car: 1,
        window_start: '2026-11-23 08:15:00',
        window_end: '2026-11-23 08:20:00',
        shard_id: options.shardId,
      },
      {
        camera_id: 'cam-2',
        person: 0,
        car: 1,
        window_start: '2026-11-23 08:15:00',
        window_end: '2026-11-23 08:20:00',
        shard_id: options.shardId,
      },
    ]);
  });

  it('cuts windows on event time: a late event counts in its own window', () => {
    const agg = new WindowAggregator(options);
    agg.add(obs('cam-1', 'person', 1, -1)); // 08:14:59, previous window
    agg.add(obs('cam-1', 'person', 2, 0));
    agg.add(obs('cam-1', 'person', 3, 600)); // 08:25:00
    expect(agg.rows().map((r) => [r.window_start, r.person])).toEqual([
      ['2026-11-23 08:10:00', 1],
      ['2026-11-23 08:15:00', 1],
      ['2026-11-23 08:25:00', 1],
    ]);
  });

  it('has no rows for an empty window, and an empty state round-trips', () => {
    const agg = new WindowAggregator(options);
    expect(agg.rows()).toEqual([]);
    expect(WindowAggregator.fromState({}, options).rows()).toEqual([]);
    expect(WindowAggregator.fromState(undefined, options).rows()).toEqual([]);
    expect(WindowAggregator.fromState(agg.toState(), options).rows()).toEqual([]);
  });

  it('carries its sets through the state between invocations', () => {
    const first = new WindowAggregator(options);
    first.add(obs('cam-1', 'person', 1, 0));
    first.add(obs('cam-1', 'car', 7, 1));
    const state = JSON.parse(JSON.stringify(first.toState())) as unknown; // Lambda hands back JSON
    const second = WindowAggregator.fromState(state, options);
    expect(second.add(obs('cam-1', 'person', 1, 2))).toBe(false);
    expect(second.add(obs('cam-1', 'person', 3, 3))).toBe(true);
    expect(second.rows()).toMatchObject([{ camera_id: 'cam-1', person: 2, car: 1 }]);
  });

  it('rejects a state it did not write', () => {
    expect(() => WindowAggregator.fromState({ v: 2, w: {} }, options)).toThrow(WindowStateError);
    expect(() => WindowAggregator.fromState({ v: 1, w: { x: {} } }, options)).toThrow('bad window key x');
    expect(() => WindowAggregator.fromState({ v: 1, w: { '1': { cam: { p: 1 } } } }, options)).toThrow(
      'bad sets for cam',
    );
    expect(() => WindowAggregator.fromState([], options)).toThrow('state is not an object');
  });

  it('serves many cameras: counts equal a reference count of distinct ids', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            camera: fc.integer({ min: 0, max: 49 }),
            measure: fc.constantFrom('person' as const, 'car' as const),
            id: fc.integer({ min: 0, max: 200 }),
            second: fc.integer({ min: 0, max: 899 }),
          }),
          { maxLength: 400 },
        ),
        (events) => {
          const agg = new WindowAggregator(options);
          const reference = new Map<string, Set<string>>();
          for (const e of events) {
            agg.add(obs(`cam-${e.camera}`, e.measure, e.id, e.second));
            const key = `${formatWindowTime(windowStartOf(T0 + e.second * 1000, 300))}|cam-${e.camera}|${e.measure}`;
            reference.set(key, (reference.get(key) ?? new Set()).add(String(e.id)));
          }
          for (const row of agg.rows()) {
            expect(row.person).toBe(reference.get(`${row.window_start}|${row.camera_id}|person`)?.size ?? 0);
            expect(row.car).toBe(reference.get(`${row.window_start}|${row.camera_id}|car`)?.size ?? 0);
          }
          expect(agg.rows()).toHaveLength(
            new Set([...reference.keys()].map((k) => k.split('|').slice(0, 2).join('|'))).size,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('costs a few bytes per distinct id, whatever the id length', () => {
    const agg = new WindowAggregator(options);
    for (let i = 0; i < 10_000; i += 1)
      agg.add(obs('cam-1', 'person', `a-very-long-track-identifier-${i}-${'x'.repeat(40)}`, 1));
    const bytes = agg.stateBytes();
    expect(bytes).toBeLessThan(10_000 * 8 + 200);
    expect(bytes).toBeGreaterThan(10_000 * 2);
  });

  it('beyond its bound spills the largest cells as partial rows, and their sum is the total', () => {
    const agg = new WindowAggregator(options);
    for (let i = 0; i < 3000; i += 1) agg.add(obs('busy', 'car', i, 1));
    for (let i = 0; i < 10; i += 1) agg.add(obs('quiet', 'car', i, 1));
    expect(agg.spill(1_000_000)).toEqual([]); // under the bound: nothing to do
    const bound = 10_000;
    const spilled = agg.spill(bound);
    expect(spilled).toEqual([expect.objectContaining({ camera_id: 'busy', car: 3000 })]);
    expect(agg.stateBytes()).toBeLessThanOrEqual(bound);
    for (let i = 3000; i < 3100; i += 1) agg.add(obs('busy', 'car', i, 2));
    const rest = agg.rows();
    const total = sumRows([...spilled, ...rest]);
    expect(total.get('2026-11-23 08:15:00|busy')).toEqual({ person: 0, car: 3100 });
    expect(total.get('2026-11-23 08:15:00|quiet')).toEqual({ person: 0, car: 10 });
  });

  it('hashes ids to at most 7 base-36 characters', () => {
    fc.assert(fc.property(fc.string(), (id) => expect(hashTrackId(id)).toMatch(/^[0-9a-z]{1,7}$/)));
    expect(hashTrackId('17')).toBe(hashTrackId('17'));
    expect(hashTrackId('17')).not.toBe(hashTrackId('71'));
  });
});

describe('rows of several shards', () => {
  it('are summed by the detector: per-shard partial rows add up to the total', () => {
    // Two shards, each with its own cameras' events split between them (random partition keys).
    const shards = [
      new WindowAggregator({ ...options, shardId: 'shard-0' }),
      new WindowAggregator({ ...options, shardId: 'shard-1' }),
    ];
    for (let i = 0; i < 100; i += 1) shards[i % 2]!.add(obs('cam-1', i % 3 === 0 ? 'car' : 'person', i, i));
    const rows: AggregatedRow[] = shards.flatMap((s) => s.rows());
    expect(rows).toHaveLength(2);
    expect(sumRows(rows).get('2026-11-23 08:15:00|cam-1')).toEqual({ person: 66, car: 34 });
    const points = countPoints(rows);
    expect(points.filter((p) => p.cameraId === 'cam-1')).toHaveLength(2);
    expect(points.filter((p) => p.cameraId === undefined)).toEqual([{ timestamp: T0, person: 66, car: 34 }]);
  });
});
