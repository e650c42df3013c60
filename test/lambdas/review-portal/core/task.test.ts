import fc from 'fast-check';
import { buildOutput, completionDetail, outputKey } from '../../../../lambdas/review-portal/core/output';
import { queueStats } from '../../../../lambdas/review-portal/core/stats';
import {
  type PortalSettings,
  type TaskRecord,
  activeLeases,
  decideClaim,
  decideRelease,
  decideSubmission,
  newTaskRecord,
  normalizeAnswers,
  taskView,
  validateBatch,
} from '../../../../lambdas/review-portal/core/task';
import { ValidationError } from '../../../../lambdas/shared/errors';
import { reviewBatch } from '../../../helpers/review-portal';

const settings: PortalSettings = { reviewersPerItem: 1, leaseMs: 60_000, retentionDays: 90 };
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const reviewer = (workerId: string) => ({ workerId, issuer: 'https://cognito-idp.us-east-1.amazonaws.com/pool' });

describe('validateBatch', () => {
  it('accepts a well-formed batch', () => {
    expect(() => validateBatch(reviewBatch('abc-1', 3))).not.toThrow();
  });

  it.each([
    ['an id with capitals', { ...reviewBatch('x'), id: 'Abc' }, 'id: "Abc"'],
    ['an id of 64 characters', { ...reviewBatch('x'), id: 'a'.repeat(64) }, 'id:'],
    [
      'no categories',
      { id: 'a', input: { ...reviewBatch('a').input, categories: [] } },
      'input.categories: at least one',
    ],
    ['duplicate categories', { id: 'a', input: { ...reviewBatch('a').input, categories: ['A', 'A'] } }, 'unique'],
    ['a category with |', { id: 'a', input: { ...reviewBatch('a').input, categories: ['A|B'] } }, 'may not contain'],
    ['no items', { id: 'a', input: { categories: ['A'], items: [] } }, 'input.items: at least one'],
    [
      'gapped indexes',
      { id: 'a', input: { categories: ['A'], items: [{ index: 1, utterance: 'x', classifier: 'c' }] } },
      'indexes must be 0..0',
    ],
    [
      'an empty utterance',
      { id: 'a', input: { categories: ['A'], items: [{ index: 0, utterance: '', classifier: 'c' }] } },
      'utterance: required',
    ],
    [
      'an input too large for one item',
      { id: 'a', input: { categories: ['A'], items: [{ index: 0, utterance: 'x'.repeat(310_000), classifier: 'c' }] } },
      'split the batch',
    ],
  ])('rejects %s', (_name, batch, message) => {
    const details = (): string => {
      try {
        validateBatch(batch);
        return '(accepted)';
      } catch (error) {
        return error instanceof ValidationError ? error.details.join('\n') : String(error);
      }
    };
    expect(details()).toContain(message);
  });
});

describe('claims and leases', () => {
  const open = (): TaskRecord => newTaskRecord(reviewBatch('t-1'), new Date(T0));

  it('leases a free task, renews the holder, refuses others while the slot is taken, frees it when the lease runs out', () => {
    const task = open();
    const first = decideClaim(task, 'a', T0, settings);
    expect(first).toMatchObject({
      ok: true,
      renewed: false,
      lease: { acquiredAt: new Date(T0).toISOString(), expiresAt: T0 + 60_000 },
    });
    const held = { ...task, leases: first.ok ? first.leases : {} };
    expect(decideClaim(held, 'b', T0 + 1000, settings)).toEqual({ ok: false, reason: 'full' });
    expect(decideClaim(held, 'a', T0 + 1000, settings)).toMatchObject({
      ok: true,
      renewed: true,
      lease: { acquiredAt: new Date(T0).toISOString(), expiresAt: T0 + 61_000 },
    });
    const later = decideClaim(held, 'b', T0 + 60_000, settings);
    expect(later.ok && Object.keys(later.leases)).toEqual(['b']); // a's expired lease is pruned
  });

  it('never gives a task to someone who answered it, nor a completed task', () => {
    expect(decideClaim({ ...open(), answeredBy: ['a'] }, 'a', T0, { ...settings, reviewersPerItem: 3 })).toEqual({
      ok: false,
      reason: 'answered',
    });
    expect(decideClaim({ ...open(), status: 'COMPLETED' }, 'b', T0, settings)).toEqual({
      ok: false,
      reason: 'completed',
    });
  });

  it('property: whatever the order and timing of claims, submissions and releases, leases + answers never exceed the answers needed', () => {
    const action = fc.record({
      kind: fc.constantFrom('claim', 'submit', 'release'),
      worker: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      dt: fc.integer({ min: 0, max: 90_000 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(action, { maxLength: 40 }), (required, actions) => {
        const s = { ...settings, reviewersPerItem: required };
        let task: TaskRecord = newTaskRecord(reviewBatch('p', 1, ['A', 'B']), new Date(T0));
        let now = T0;
        for (const { kind, worker, dt } of actions) {
          now += dt;
          if (kind === 'claim') {
            const d = decideClaim(task, worker, now, s);
            if (d.ok) task = { ...task, leases: d.leases };
          } else if (kind === 'release') {
            const r = decideRelease(task, worker, now);
            task = { ...task, leases: r.leases, skippedBy: r.skippedBy };
          } else {
            try {
              const d = decideSubmission(task, reviewer(worker), { textCategory0: 'A' }, now, s);
              if (d.kind === 'recorded') {
                task = {
                  ...task,
                  leases: d.leases,
                  answeredBy: d.answeredBy,
                  answers: { ...task.answers, [worker]: JSON.stringify(d.answer) },
                  status: d.completed ? 'COMPLETED' : 'OPEN',
                };
              }
            } catch {
              // refused submissions change nothing
            }
          }
          const active = Object.keys(activeLeases(task, now)).length;
          if (active + task.answeredBy.length > required) return false;
          if (new Set(task.answeredBy).size !== task.answeredBy.length) return false;
          if (task.status === 'COMPLETED' && task.answeredBy.length !== required) return false;
          if (task.skippedBy?.some((w) => activeLeases(task, now)[w] !== undefined)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('answers', () => {
  const input = {
    categories: ['Spam', 'Billing', 'Bug'],
    multiLabel: true,
    items: [
      { index: 0, utterance: 'x', classifier: 'c' },
      { index: 1, utterance: 'y', classifier: 'c' },
    ],
  };

  it('normalises multi-label answers to category order joined by |, from lists or strings', () => {
    expect(normalizeAnswers(input, { textCategory0: ['Bug', 'Spam'], textCategory1: 'Bug|Billing' })).toEqual({
      textCategory0: 'Spam|Bug',
      textCategory1: 'Billing|Bug',
    });
  });

  it('refuses several labels for a single-label task', () => {
    expect(() =>
      normalizeAnswers({ ...input, multiLabel: false }, { textCategory0: ['Bug', 'Spam'], textCategory1: 'Bug' }),
    ).toThrow('do not fit');
  });

  it('property: any choice of known categories is accepted and round-trips', () => {
    fc.assert(
      fc.property(
        fc.subarray(input.categories, { minLength: 1 }),
        fc.subarray(input.categories, { minLength: 1 }),
        (a, b) => {
          const out = normalizeAnswers(input, { textCategory0: a, textCategory1: b });
          return (
            out.textCategory0!.split('|').sort().join() === [...a].sort().join() &&
            out.textCategory1!.split('|').length === b.length
          );
        },
      ),
    );
  });

  it('property: any label outside the categories is refused', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => s !== '' && !input.categories.includes(s) && !s.includes('|')),
        (label) => {
          expect(() =>
            normalizeAnswers({ ...input, multiLabel: false }, { textCategory0: label, textCategory1: 'Bug' }),
          ).toThrow(ValidationError);
        },
      ),
    );
  });
});

describe('results', () => {
  it('builds A2I keys from the completion time in UTC', () => {
    expect(outputKey('out/', 'review-portal', '2026-01-02T03:04:05.678Z', 'task-9')).toBe(
      'out/review-portal/2026/01/02/03/04/05/task-9/output.json',
    );
    expect(() => outputKey('', 'p', 'not a date', 't')).toThrow('Invalid completion time');
  });

  it('writes the answers in submission order and the input verbatim', () => {
    const batch = reviewBatch('r-1', 1);
    let task = newTaskRecord(batch, new Date(T0));
    for (const [i, w] of ['z', 'a'].entries()) {
      const leased = decideClaim(task, w, T0 + i, { ...settings, reviewersPerItem: 2 });
      task = { ...task, leases: leased.ok ? leased.leases : {} };
      const d = decideSubmission(task, reviewer(w), { textCategory0: 'Neutral' }, T0 + 10 + i, {
        ...settings,
        reviewersPerItem: 2,
      });
      if (d.kind !== 'recorded') throw new Error('expected recorded');
      task = {
        ...task,
        leases: d.leases,
        answeredBy: d.answeredBy,
        answers: { ...task.answers, [w]: JSON.stringify(d.answer) },
      };
    }
    const output = buildOutput(task, 'portal-id');
    expect(output.inputContent).toEqual(batch.input);
    expect(output.humanAnswers.map((a) => a.workerId)).toEqual(['z', 'a']);
    expect(completionDetail(task, 'portal-id', 's3://b/k')).toEqual({
      humanLoopName: 'r-1',
      flowDefinitionArn: 'portal-id',
      humanLoopStatus: 'Completed',
      humanLoopOutput: { outputS3Uri: 's3://b/k' },
      creationTime: new Date(T0).toISOString(),
    });
  });

  it("never shows a reviewer other reviewers' answers", () => {
    const task = {
      ...newTaskRecord(reviewBatch('v-1', 1), new Date(T0)),
      answeredBy: ['x'],
      answers: { x: JSON.stringify({ answerContent: { textCategory0: 'Positive' } }) },
    };
    expect(taskView(task, 'y', T0, settings)).not.toHaveProperty('yourAnswers');
    expect(taskView(task, 'x', T0, settings).yourAnswers).toEqual({ textCategory0: 'Positive' });
  });
});

describe('queueStats', () => {
  it('counts open, leased and available tasks, answers needed and the oldest age', async () => {
    const t = (id: string, createdAt: number, extra: Partial<TaskRecord> = {}) => ({
      ...newTaskRecord(reviewBatch(id), new Date(createdAt)),
      ...extra,
    });
    const stats = await queueStats(
      [
        t('a', T0 - 3 * 3600_000),
        t('b', T0 - 60_000, { leases: { w: { acquiredAt: '', expiresAt: T0 + 1 } } }),
        t('c', T0, { status: 'COMPLETED' }),
      ],
      T0,
      7200,
      settings,
    );
    expect(stats).toEqual({
      open: 2,
      leased: 1,
      available: 1,
      answersNeeded: 2,
      oldestTaskAgeSeconds: 10_800,
      oldestTaskCreatedAt: new Date(T0 - 3 * 3600_000).toISOString(),
      waitingTooLong: 1,
    });
    expect(await queueStats([], T0, 60, settings)).toEqual({
      open: 0,
      leased: 0,
      available: 0,
      answersNeeded: 0,
      oldestTaskAgeSeconds: 0,
      waitingTooLong: 0,
    });
  });
});
