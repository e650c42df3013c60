import { DEFAULT_CAMERA_ID, type Measure } from '../contract';
import { fnv1a, fnv1aOfInteger } from './id-set';

/** One observation taken from a camera event: a track id of a person or a car, at an event time. */
export interface Observation {
  readonly cameraId: string;
  readonly measure: Measure;
  readonly trackId: string;
  /** Epoch milliseconds. */
  readonly eventTime: number;
}

/** The result of reading one record: its observations, or why it is not a camera event. */
export type ParsedEvent = { ok: true; observations: Observation[] } | { ok: false; reason: string };

/**
 * Event times the aggregator accepts, relative to the record's arrival (epoch ms). An event older than the stream's
 * retention or too far ahead of its arrival creates a window folder and metrics no detector reads: it is set aside.
 */
export interface EventTimeRange {
  /** Oldest accepted event time, epoch ms (arrival minus the stream's retention). */
  readonly min: number;
  /** Newest accepted event time, epoch ms (arrival plus the allowed clock skew). */
  readonly max: number;
}

// Plausible epoch milliseconds (2000-01-01 .. 2100-01-01): rejects seconds, microseconds and zero.
const MIN_EVENT_TIME = 946_684_800_000;
const MAX_EVENT_TIME = 4_102_444_800_000;

/**
 * Longest `camera_id`: 1,024 characters, the CloudWatch limit on a dimension value (the per-camera count metrics use
 * `camera_id` as a dimension; Amazon CloudWatch API Reference, `Dimension`). A longer id is set aside, never
 * truncated (two cameras would merge).
 */
export const MAX_CAMERA_ID_CHARS = 1024;

function trackId(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

/** Why an event time is refused, or undefined when it is accepted. */
function eventTimeProblem(eventTime: unknown, given: unknown, range: EventTimeRange | undefined): string | undefined {
  if (
    typeof eventTime !== 'number' ||
    !Number.isFinite(eventTime) ||
    eventTime < MIN_EVENT_TIME ||
    eventTime > MAX_EVENT_TIME
  ) {
    return `event_time ${JSON.stringify(given)} is not epoch milliseconds`;
  }
  if (range !== undefined && eventTime < range.min)
    return `event_time ${eventTime} is older than the stream's retention (before ${new Date(range.min).toISOString()})`;
  if (range !== undefined && eventTime > range.max)
    return `event_time ${eventTime} is ahead of the record's arrival by more than the allowed clock skew (after ${new Date(range.max).toISOString()})`;
  return undefined;
}

/**
 * Read one camera event (the IoT rule's output): `person` and/or `car` track ids (string or number), `event_time` in
 * epoch milliseconds (missing: the record's arrival time), optional `camera_id` (at most
 * {@link MAX_CAMERA_ID_CHARS} characters). The reference reading: {@link CameraEventReader} gives the same answers
 * faster.
 */
export function parseCameraEvent(data: string, arrivalTime: number, range?: EventTimeRange): ParsedEvent {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'not a JSON object' };
  const event = value as Record<string, unknown>;
  const eventTime = event.event_time ?? arrivalTime;
  const timeProblem = eventTimeProblem(eventTime, event.event_time, range);
  if (timeProblem !== undefined) return { ok: false, reason: timeProblem };
  const camera = event.camera_id;
  if (camera !== undefined && camera !== null && (typeof camera !== 'string' || camera.trim() === '')) {
    return { ok: false, reason: `camera_id ${JSON.stringify(camera)} is not a non-empty string` };
  }
  const cameraId = typeof camera === 'string' ? camera.trim() : DEFAULT_CAMERA_ID;
  if (cameraId.length > MAX_CAMERA_ID_CHARS)
    return {
      ok: false,
      reason: `camera_id has ${cameraId.length} characters, over the ${MAX_CAMERA_ID_CHARS} a CloudWatch dimension value allows`,
    };
  const observations: Observation[] = [];
  for (const measure of ['person', 'car'] as const) {
    const id = trackId(event[measure]);
    if (id === null) return { ok: false, reason: `${measure} ${JSON.stringify(event[measure])} is not a track id` };
    if (id !== undefined)
      observations.push({ cameraId, measure, trackId: id, eventTime: Math.floor(eventTime as number) });
  }
  if (observations.length === 0) return { ok: false, reason: 'neither person nor car' };
  return { ok: true, observations };
}

/** Track-id hash of a JSON value: ≥ 0, -2 when absent (undefined or null), -1 when not a track id. */
function trackHash(value: unknown): number {
  if (value === undefined || value === null) return -2;
  if (typeof value === 'number') {
    // String(n) of a non-negative safe integer is its digits: hash them without building the string.
    if (Number.isSafeInteger(value) && value >= 0) return fnv1aOfInteger(value);
    return Number.isFinite(value) ? fnv1a(String(value)) : -1;
  }
  if (typeof value === 'string') {
    const id = value.trim();
    return id === '' ? -1 : fnv1a(id);
  }
  return -1;
}

/**
 * The camera-event reader of the aggregator's hot path. It parses with `JSON.parse` (native, faster than any
 * JavaScript scanner) and then allocates nothing of its own: no observation objects, no track-id strings (ids are
 * hashed where they lie, integer ids from their digits). Its answers are exactly {@link parseCameraEvent}'s: a record
 * it refuses is handed to the reference for the reason (a property test checks both paths agree).
 *
 * After {@link read} returns true: {@link cameraId}, {@link eventTime} (floored), and for each measure present its
 * {@link personHash} / {@link carHash} (`fnv1a` of the track id as {@link parseCameraEvent} would write it).
 */
export class CameraEventReader {
  public cameraId = DEFAULT_CAMERA_ID;
  public eventTime = 0;
  public hasPerson = false;
  public personHash = 0;
  public hasCar = false;
  public carHash = 0;
  /** Why the last {@link read} returned false. */
  public reason = '';

  /** Read one record's text; false (with {@link reason}) when it is not a camera event. */
  public read(data: string, arrivalTime: number, range?: EventTimeRange): boolean {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      this.reason = 'not JSON';
      return false;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const event = value as Record<string, unknown>;
      const time = event.event_time ?? arrivalTime;
      const camera = event.camera_id;
      const cameraId =
        camera === undefined || camera === null ? DEFAULT_CAMERA_ID : typeof camera === 'string' ? camera.trim() : '';
      const person = trackHash(event.person);
      const car = trackHash(event.car);
      if (
        typeof time === 'number' &&
        time >= MIN_EVENT_TIME &&
        time <= MAX_EVENT_TIME &&
        (range === undefined || (time >= range.min && time <= range.max)) &&
        cameraId !== '' &&
        cameraId.length <= MAX_CAMERA_ID_CHARS &&
        person !== -1 &&
        car !== -1 &&
        (person >= 0 || car >= 0)
      ) {
        this.cameraId = cameraId;
        this.eventTime = Math.floor(time);
        this.hasPerson = person >= 0;
        this.personHash = person >= 0 ? person : 0;
        this.hasCar = car >= 0;
        this.carHash = car >= 0 ? car : 0;
        return true;
      }
    }
    const reference = parseCameraEvent(data, arrivalTime, range);
    if (reference.ok) throw new Error(`CameraEventReader refused an event the reference reads: ${data.slice(0, 200)}`);
    this.reason = reference.reason;
    return false;
  }
}
