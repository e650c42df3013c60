import { type CameraEventMessage, cameraPartitionKey } from '../contract';

/** Options of {@link simulateCameraEvents}. */
export interface SimulationOptions {
  /** Number of cameras, named `camera-1` … `camera-N`. */
  readonly cameras: number;
  /** Events to generate. */
  readonly events: number;
  /** Event-time rate, events per second across all cameras (spacing of `event_time` when `startTime` is given). */
  readonly ratePerSecond: number;
  /**
   * Epoch ms of the first event: events are timestamped `startTime + i / rate` (replaying history). Without it the
   * caller stamps each event when it sends it (`eventTime` is undefined here), like the IoT rule's `timestamp()`.
   */
  readonly startTime?: number;
  /** Per-camera traffic multipliers, e.g. `{ 'camera-2': 5 }`: that camera sees five times the traffic. */
  readonly anomalies?: Readonly<Record<string, number>>;
  /** Seed of the pseudo-random generator (same seed, same events). */
  readonly seed?: number;
  /** Share of events that are persons (the rest are cars). */
  readonly personShare?: number;
  /** Probability that an event reports an object already seen (cameras report tracked objects repeatedly). */
  readonly repeatProbability?: number;
}

/** One generated event with its partition key (as the IoT rule would choose it). */
export interface SimulatedEvent {
  readonly cameraId: string;
  readonly partitionKey: string;
  readonly message: CameraEventMessage;
}

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `camera-2:5` → `['camera-2', 5]`. */
export function parseAnomaly(text: string): [string, number] {
  const match = /^(.+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  const factor = match ? Number(match[2]) : NaN;
  if (!match || !(factor > 0))
    throw new Error(`--anomaly expects CAMERA:FACTOR with a positive factor, e.g. camera-2:5 (got "${text}")`);
  return [match[1]!, factor];
}

/** Camera ids of a simulation. */
export function cameraIds(cameras: number): string[] {
  return Array.from({ length: cameras }, (_, i) => `camera-${i + 1}`);
}

/**
 * Generate camera events: each picks a camera (weighted by its anomaly factor), a measure, and either a new track id
 * or one recently seen by that camera. Memory stays flat: only the last few ids per camera are kept.
 */
export function* simulateCameraEvents(options: SimulationOptions): Generator<SimulatedEvent> {
  const ids = cameraIds(options.cameras);
  for (const camera of Object.keys(options.anomalies ?? {})) {
    if (!ids.includes(camera))
      throw new Error(`--anomaly names ${camera}, but the cameras are ${ids[0]} … ${ids[ids.length - 1]}`);
  }
  const weights = ids.map((id) => options.anomalies?.[id] ?? 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const next = random(options.seed ?? 1);
  const personShare = options.personShare ?? 0.6;
  const repeat = options.repeatProbability ?? 0.5;
  const counters = new Map<string, number>();
  const recent = new Map<string, number[]>();
  for (let i = 0; i < options.events; i += 1) {
    let pick = next() * totalWeight;
    let index = 0;
    while (index < ids.length - 1 && pick >= weights[index]!) {
      pick -= weights[index]!;
      index += 1;
    }
    const cameraId = ids[index]!;
    const measure = next() < personShare ? 'person' : 'car';
    const key = `${cameraId}|${measure}`;
    const seen = recent.get(key) ?? [];
    let trackId: number;
    if (seen.length > 0 && next() < repeat) {
      trackId = seen[Math.floor(next() * seen.length)]!;
    } else {
      trackId = (counters.get(key) ?? 0) + 1;
      counters.set(key, trackId);
      seen.push(trackId);
      if (seen.length > 20) seen.shift();
      recent.set(key, seen);
    }
    const message: CameraEventMessage = { [measure]: trackId, camera_id: cameraId };
    if (options.startTime !== undefined)
      message.event_time = Math.floor(options.startTime + (i * 1000) / options.ratePerSecond);
    yield { cameraId, partitionKey: cameraPartitionKey(cameraId), message };
  }
}
