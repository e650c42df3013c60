import { type AggregatedRow } from '../contract';
import { type CameraEventReader, type Observation } from './camera-event';
import { HashSet32, base36Length, fnv1a } from './id-set';

export {
  type EventTimeRange,
  type Observation,
  type ParsedEvent,
  CameraEventReader,
  MAX_CAMERA_ID_CHARS,
  parseCameraEvent,
} from './camera-event';
export { hashTrackId } from './id-set';

/** Start of the window (epoch ms, aligned to the epoch) that contains `time`. */
export function windowStartOf(time: number, windowSeconds: number): number {
  const size = windowSeconds * 1000;
  return Math.floor(time / size) * size;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `yyyy-MM-dd HH:mm:ss` in UTC. */
export function formatWindowTime(time: number): string {
  const d = new Date(time);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Parse `yyyy-MM-dd HH:mm:ss` (UTC) to epoch ms. */
export function parseWindowTime(text: string): number {
  const time = Date.parse(`${text.replace(' ', 'T')}Z`);
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text) || Number.isNaN(time))
    throw new Error(`not yyyy-MM-dd HH:mm:ss: ${text}`);
  return time;
}

/**
 * Serialized window state (Lambda tumbling-window `state`, JSON, at most 1 MB per shard):
 * `{ v: 1, w: { "<window start ms>": { "<camera>": { p: "<hash>,<hash>…", c: "…" } } } }`, each hash the base-36
 * form of a track id's 32-bit FNV-1a ({@link hashTrackId}). Hashes are joined into one string per set: about 8 bytes
 * per distinct id.
 */
export interface WindowState {
  v: 1;
  w: Record<string, Record<string, { p: string; c: string }>>;
}

/** Thrown when the state handed back by Lambda is not one this code wrote. */
export class WindowStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowStateError';
  }
}

/** The distinct ids of one (window, camera) cell. */
interface CameraSets {
  person: HashSet32;
  car: HashSet32;
}

/** Options of {@link WindowAggregator}. */
export interface WindowAggregatorOptions {
  /** Event-time window length in seconds. */
  readonly windowSeconds: number;
  /** Shard id written into each row. */
  readonly shardId: string;
}

/**
 * Distinct person and car track ids per camera per event-time window, for one shard's tumbling window.
 *
 * Windows are cut on each event's own `event_time` (aligned to the epoch), not on arrival: a late or replayed event is
 * counted in the window it belongs to, and its row lands in that window's folder. A record Kinesis delivers twice
 * adds the same ids again, which changes nothing.
 */
export class WindowAggregator {
  private readonly windows = new Map<number, Map<string, CameraSets>>();
  private observations = 0;

  constructor(private readonly options: WindowAggregatorOptions) {}

  /** Rebuild the aggregator from a state returned by an earlier invocation (`{}` or absent: empty). */
  public static fromState(state: unknown, options: WindowAggregatorOptions): WindowAggregator {
    const aggregator = new WindowAggregator(options);
    if (state === undefined || state === null) return aggregator;
    if (typeof state !== 'object' || Array.isArray(state)) throw new WindowStateError('state is not an object');
    const record = state as Partial<WindowState>;
    if (Object.keys(record).length === 0) return aggregator;
    if (record.v !== 1 || typeof record.w !== 'object' || record.w === null) {
      throw new WindowStateError(`unknown state version ${JSON.stringify(record.v)}`);
    }
    for (const [start, cameras] of Object.entries(record.w)) {
      const windowStart = Number(start);
      if (!Number.isSafeInteger(windowStart)) throw new WindowStateError(`bad window key ${start}`);
      const map = new Map<string, CameraSets>();
      for (const [camera, sets] of Object.entries(cameras)) {
        if (typeof sets?.p !== 'string' || typeof sets.c !== 'string')
          throw new WindowStateError(`bad sets for ${camera}`);
        map.set(camera, { person: splitHashes(sets.p), car: splitHashes(sets.c) });
      }
      aggregator.windows.set(windowStart, map);
    }
    return aggregator;
  }

  // The cell of the last event: consecutive events of one camera and window skip both map lookups.
  private lastStart = NaN;
  private lastCamera = '';
  private lastCell: CameraSets | undefined;

  /** The cell of a camera in the window that contains `eventTime`, created when new. */
  private cell(cameraId: string, eventTime: number): CameraSets {
    const start = windowStartOf(eventTime, this.options.windowSeconds);
    if (start === this.lastStart && cameraId === this.lastCamera && this.lastCell !== undefined) return this.lastCell;
    let cameras = this.windows.get(start);
    if (!cameras) {
      cameras = new Map();
      this.windows.set(start, cameras);
    }
    let sets = cameras.get(cameraId);
    if (!sets) {
      sets = { person: new HashSet32(), car: new HashSet32() };
      cameras.set(cameraId, sets);
    }
    this.lastStart = start;
    this.lastCamera = cameraId;
    this.lastCell = sets;
    return sets;
  }

  /** Add one observation; returns true when its id is new in its camera's window. */
  public add(observation: Observation): boolean {
    this.observations += 1;
    return this.cell(observation.cameraId, observation.eventTime)[observation.measure].add(fnv1a(observation.trackId));
  }

  /** Add the observations of the event a {@link CameraEventReader} just read (the hot path: allocates nothing). */
  public addEvent(event: CameraEventReader): void {
    const sets = this.cell(event.cameraId, event.eventTime);
    if (event.hasPerson) {
      sets.person.add(event.personHash);
      this.observations += 1;
    }
    if (event.hasCar) {
      sets.car.add(event.carHash);
      this.observations += 1;
    }
  }

  /** Observations added since construction (not counting those restored from state). */
  public get added(): number {
    return this.observations;
  }

  /** Number of (window, camera) cells held. */
  public get cells(): number {
    let n = 0;
    for (const cameras of this.windows.values()) n += cameras.size;
    return n;
  }

  /** The state to hand back to Lambda. */
  public toState(): WindowState {
    const w: WindowState['w'] = {};
    for (const [start, cameras] of this.windows) {
      const out: Record<string, { p: string; c: string }> = {};
      for (const [camera, sets] of cameras) out[camera] = { p: sets.person.joined(), c: sets.car.joined() };
      w[String(start)] = out;
    }
    return { v: 1, w };
  }

  /** Size of the serialized state in bytes (UTF-8). */
  public stateBytes(): number {
    return Buffer.byteLength(JSON.stringify(this.toState()), 'utf8');
  }

  /** Rows of every (window, camera) cell held, ordered by window then camera. */
  public rows(): AggregatedRow[] {
    const rows: AggregatedRow[] = [];
    for (const start of [...this.windows.keys()].sort((a, b) => a - b)) {
      const cameras = this.windows.get(start)!;
      for (const camera of [...cameras.keys()].sort()) rows.push(this.row(start, camera, cameras.get(camera)!));
    }
    return rows;
  }

  /**
   * Keep the state within `maxBytes`: when it is larger, remove the largest (window, camera) cells until the state is
   * at most `maxBytes × targetRatio` and return their rows, to be emitted now as partial rows. The detector sums
   * partial rows, so totals stay right; only an id seen both before and after the spill is counted twice.
   */
  public spill(maxBytes: number, targetRatio = 0.5): AggregatedRow[] {
    let bytes = this.stateBytes();
    if (bytes <= maxBytes) return [];
    const target = Math.floor(maxBytes * targetRatio);
    const cells = [...this.windows].flatMap(([start, cameras]) =>
      [...cameras].map(([camera, sets]) => ({ start, camera, sets, size: cellBytes(camera, sets) })),
    );
    cells.sort((a, b) => b.size - a.size || a.start - b.start || a.camera.localeCompare(b.camera));
    const spilled: AggregatedRow[] = [];
    for (const cell of cells) {
      if (bytes <= target) break;
      spilled.push(this.row(cell.start, cell.camera, cell.sets));
      const cameras = this.windows.get(cell.start)!;
      cameras.delete(cell.camera);
      if (cameras.size === 0) this.windows.delete(cell.start);
      if (this.lastCell === cell.sets) this.lastCell = undefined;
      bytes -= cell.size;
    }
    return spilled.sort(
      (a, b) => a.window_start.localeCompare(b.window_start) || a.camera_id.localeCompare(b.camera_id),
    );
  }

  private row(start: number, camera: string, sets: CameraSets): AggregatedRow {
    return {
      camera_id: camera,
      person: sets.person.size,
      car: sets.car.size,
      window_start: formatWindowTime(start),
      window_end: formatWindowTime(start + this.options.windowSeconds * 1000),
      shard_id: this.options.shardId,
    };
  }
}

function splitHashes(joined: string): HashSet32 {
  try {
    return HashSet32.fromJoined(joined);
  } catch (error) {
    throw new WindowStateError((error as Error).message);
  }
}

// Serialized size of one cell: "camera":{"p":"…","c":"…"}, plus a comma.
function cellBytes(camera: string, sets: CameraSets): number {
  let size = Buffer.byteLength(JSON.stringify(camera), 'utf8') + 20;
  for (const hash of sets.person.values()) size += base36Length(hash) + 1;
  for (const hash of sets.car.values()) size += base36Length(hash) + 1;
  return size;
}

/** Sum rows per (window, camera) across shards and partial rows: what the detector sees. */
export function sumRows(rows: Iterable<AggregatedRow>): Map<string, { person: number; car: number }> {
  const totals = new Map<string, { person: number; car: number }>();
  for (const row of rows) {
    const key = `${row.window_start}|${row.camera_id}`;
    const total = totals.get(key) ?? { person: 0, car: 0 };
    total.person += row.person;
    total.car += row.car;
    totals.set(key, total);
  }
  return totals;
}

/** A CloudWatch data point derived from rows: per camera, and per window for all cameras (no camera dimension). */
export interface CountPoint {
  /** Window start, epoch ms (the metric timestamp). */
  readonly timestamp: number;
  /** Camera, or undefined for the all-cameras total. */
  readonly cameraId?: string;
  readonly person: number;
  readonly car: number;
}

/** Per-camera points plus one all-cameras point per window; CloudWatch sums points of one period (statistic Sum). */
export function countPoints(rows: readonly AggregatedRow[]): CountPoint[] {
  const points: CountPoint[] = [];
  const totals = new Map<number, { person: number; car: number }>();
  for (const row of rows) {
    const timestamp = parseWindowTime(row.window_start);
    points.push({ timestamp, cameraId: row.camera_id, person: row.person, car: row.car });
    const total = totals.get(timestamp) ?? { person: 0, car: 0 };
    total.person += row.person;
    total.car += row.car;
    totals.set(timestamp, total);
  }
  for (const [timestamp, total] of [...totals].sort((a, b) => a[0] - b[0])) points.push({ timestamp, ...total });
  return points;
}

/** The message a row becomes on the processed stream (one JSON object, no newline: Firehose appends the delimiter). */
export function serializeRow(row: AggregatedRow): string {
  return JSON.stringify(row);
}
