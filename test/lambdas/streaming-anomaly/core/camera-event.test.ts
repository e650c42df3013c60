import fc from 'fast-check';
import {
  CameraEventReader,
  type EventTimeRange,
  parseCameraEvent,
} from '../../../../lambdas/streaming-anomaly/core/camera-event';
import { HashSet32, fnv1a, fnv1aOfInteger, hashTrackId } from '../../../../lambdas/streaming-anomaly/core/id-set';

const T = Date.UTC(2026, 10, 23, 8, 15);

/** Values a camera event field may hold, good and bad. */
const field = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.nat({ max: 10_000 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, 1e21, 5.5, Number.MAX_SAFE_INTEGER + 2),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(' p-1 ', '\u00a0x', '', '  ', 'p-1', 'ünï', 'x\u2028'),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 1 }),
);

const event = fc.record(
  {
    person: field,
    car: field,
    camera_id: fc.oneof(field, fc.constantFrom('cam-1', ' cam-2', 'c'.repeat(1024), 'c'.repeat(1025))),
    event_time: fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: T - 90_000_000, max: T + 900_000 }),
      fc.constantFrom(T + 0.5, String(T), 0, 1e20),
    ),
  },
  { requiredKeys: [] },
);

describe('CameraEventReader (the hot path) against parseCameraEvent (the reference)', () => {
  it('property: same answer, same camera, time and track-id hashes, for any input', () => {
    const reader = new CameraEventReader();
    const range: EventTimeRange = { min: T - 86_400_000, max: T + 300_000 };
    fc.assert(
      fc.property(
        fc.oneof(
          event.map((e) => JSON.stringify(e)),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const reference = parseCameraEvent(text, T, range);
          const ok = reader.read(text, T, range);
          const observations = reference.ok ? reference.observations : [];
          const person = observations.find((o) => o.measure === 'person');
          const car = observations.find((o) => o.measure === 'car');
          expect({
            ok,
            reason: ok ? undefined : reader.reason,
            cameraId: ok ? reader.cameraId : undefined,
            eventTime: ok ? reader.eventTime : undefined,
            person: ok && reader.hasPerson ? reader.personHash : undefined,
            car: ok && reader.hasCar ? reader.carHash : undefined,
          }).toEqual({
            ok: reference.ok,
            reason: reference.ok ? undefined : reference.reason,
            cameraId: observations[0]?.cameraId,
            eventTime: observations[0]?.eventTime,
            person: person && fnv1a(person.trackId),
            car: car && fnv1a(car.trackId),
          });
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('track-id hashes', () => {
  it('property: the hash of an integer equals the hash of its decimal string', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(fnv1aOfInteger(n)).toBe(fnv1a(String(n)));
      }),
    );
    expect(hashTrackId('42')).toBe(fnv1a('42').toString(36));
  });

  it('property: HashSet32 is a set of 32-bit values (0 included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constant(0), fc.nat({ max: 50 }), fc.nat()).map((n) => n >>> 0),
          { maxLength: 300 },
        ),
        (values) => {
          const set = new HashSet32();
          const model = new Set<number>();
          for (const v of values) expect(set.add(v)).toBe(!model.has(v) && (model.add(v), true));
          expect(set.size).toBe(model.size);
          expect([...set.values()].sort((a, b) => a - b)).toEqual([...model].sort((a, b) => a - b));
          for (const v of values) expect(set.has(v)).toBe(true);
          expect(set.has(4294967295) === model.has(4294967295)).toBe(true);
        },
      ),
    );
  });
});
