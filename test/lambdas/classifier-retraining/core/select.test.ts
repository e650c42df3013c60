import fc from 'fast-check';
import { planCleanup } from '../../../../lambdas/classifier-retraining/core/cleanup';
import { type SelectionInput, selectModel } from '../../../../lambdas/classifier-retraining/core/select';

const base: SelectionInput = {
  multiLabel: false,
  candidate: { F1Score: 0.9, MicroF1Score: 0.5 },
  current: { F1Score: 0.85, MicroF1Score: 0.6 },
  minImprovement: 0,
  minF1: 0,
  approval: 'auto',
};

describe('selection core', () => {
  it('promotes a candidate whose F1 beats the current one', () => {
    expect(selectModel(base)).toEqual({
      decision: 'promote',
      metric: 'F1Score',
      candidateScore: 0.9,
      currentScore: 0.85,
      improvement: 0.05,
      reason: 'candidate F1Score 0.9000 beats the current 0.8500 by 0.0500',
    });
  });

  it('compares micro F1 for multi-label models and average F1 for flywheel iterations', () => {
    expect(selectModel({ ...base, multiLabel: true })).toMatchObject({ decision: 'keep', metric: 'MicroF1Score' });
    expect(
      selectModel({ ...base, candidate: { AverageF1Score: 0.7 }, current: { AverageF1Score: 0.6 } }),
    ).toMatchObject({ decision: 'promote', metric: 'AverageF1Score', improvement: 0.1 });
  });

  it('keeps the current model when the candidate is worse, equal, or better by less than minImprovement', () => {
    expect(selectModel({ ...base, candidate: { F1Score: 0.8 } }).decision).toBe('keep');
    expect(selectModel({ ...base, candidate: { F1Score: 0.85 } })).toMatchObject({
      decision: 'keep',
      reason: 'candidate F1Score 0.8500 does not beat the current 0.8500 by any margin',
    });
    expect(selectModel({ ...base, minImprovement: 0.1 })).toMatchObject({ decision: 'keep', improvement: 0.05 });
    // 0.3 - 0.2 is 0.09999999999999998 in floating point: rounded, it meets a minimum of 0.1.
    expect(
      selectModel({ ...base, candidate: { F1Score: 0.3 }, current: { F1Score: 0.2 }, minImprovement: 0.1 }).decision,
    ).toBe('promote');
  });

  it('first deployment: promotes on minF1 alone; a candidate below minF1 or without metrics is kept out', () => {
    expect(selectModel({ ...base, current: undefined, minF1: 0.8 })).toMatchObject({ decision: 'promote' });
    expect(selectModel({ ...base, current: undefined, minF1: 0.95 })).toMatchObject({ decision: 'keep' });
    expect(selectModel({ ...base, candidate: undefined })).toMatchObject({
      decision: 'keep',
      reason: 'the candidate has no valid F1Score (received undefined)',
    });
    expect(selectModel({ ...base, candidate: { F1Score: Number.NaN } }).decision).toBe('keep');
  });

  it('manual approval waits instead of promoting', () => {
    expect(selectModel({ ...base, approval: 'manual' })).toMatchObject({ decision: 'await-approval' });
    expect(selectModel({ ...base, approval: 'manual', candidate: { F1Score: 0.1 } }).decision).toBe('keep');
  });

  const unit = fc.double({ min: 0, max: 1, noNaN: true });
  const input = fc.record({
    multiLabel: fc.boolean(),
    candidate: fc.option(fc.record({ F1Score: unit, MicroF1Score: unit }), { nil: undefined }),
    current: fc.option(fc.record({ F1Score: unit, MicroF1Score: unit }), { nil: undefined }),
    minImprovement: unit,
    minF1: unit,
    approval: fc.constantFrom('auto' as const, 'manual' as const),
  });

  it('property: a model is never deployed below minF1, without beating the current score, or without approval in manual mode', () => {
    fc.assert(
      fc.property(input, (i) => {
        const s = selectModel(i);
        const key = i.multiLabel ? 'MicroF1Score' : 'F1Score';
        const cand = i.candidate?.[key];
        const curr = i.current?.[key];
        const deployable =
          cand !== undefined &&
          cand >= i.minF1 &&
          (curr === undefined ||
            (Math.round((cand - curr) * 1e9) / 1e9 > 0 && Math.round((cand - curr) * 1e9) / 1e9 >= i.minImprovement));
        const expected = !deployable ? 'keep' : i.approval === 'manual' ? 'await-approval' : 'promote';
        expect(s.decision).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: raising the candidate score never turns a promotion into keeping the current model', () => {
    fc.assert(
      fc.property(input, unit, (i, extra) => {
        const key = i.multiLabel ? 'MicroF1Score' : 'F1Score';
        if (!i.candidate) return;
        const better = { ...i, candidate: { ...i.candidate, [key]: Math.min(1, i.candidate[key] + extra) } };
        const before = selectModel(i).decision;
        expect([before === 'keep' ? selectModel(better).decision : before]).toContain(selectModel(better).decision);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('clean-up core', () => {
  const v = (n: number, status = 'TRAINED') => ({
    arn: `arn:v${n}`,
    versionName: `v${n}`,
    submitTime: n * 1000,
    status,
  });

  it('keeps the newest versions, those an endpoint uses, the protected and busy ones; deletes the rest oldest first', () => {
    const plan = planCleanup([v(1), v(2), v(3), v(4), v(5), v(6), v(7, 'TRAINING'), v(8), v(9)], {
      keepVersions: 3,
      inUse: new Set(['arn:v2']),
      protect: new Set(['arn:v5']),
    });
    expect(plan.delete.map((x) => x.versionName)).toEqual(['v1', 'v3', 'v4', 'v6']);
    expect(plan.keep.map((k) => [k.version.versionName, k.why])).toEqual([
      ['v9', 'one of the newest 3'],
      ['v8', 'one of the newest 3'],
      ['v7', 'one of the newest 3'],
      ['v5', 'promoted, or the rollback target'],
      ['v2', 'an endpoint uses it'],
    ]);
  });

  it('property: never deletes a version in use, protected, busy, or among the newest keepVersions', () => {
    const version = fc.record({
      arn: fc.string({ minLength: 1, maxLength: 4 }),
      submitTime: fc.integer({ min: 0, max: 100 }),
      status: fc.constantFrom('TRAINED', 'IN_ERROR', 'TRAINING', 'STOPPED', 'DELETING'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(version, { selector: (x) => x.arn, maxLength: 12 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.string({ minLength: 1, maxLength: 4 })),
        (versions, keepVersions, used) => {
          const inUse = new Set(used.slice(0, 2));
          const protect = new Set(used.slice(2, 4));
          const plan = planCleanup(versions, { keepVersions, inUse, protect });
          expect(plan.delete.length + plan.keep.length).toBe(versions.length);
          const newest = [...versions].sort((a, b) => b.submitTime - a.submitTime || b.arn.localeCompare(a.arn));
          const newestArns = new Set(newest.slice(0, keepVersions).map((x) => x.arn));
          for (const d of plan.delete) {
            expect(inUse.has(d.arn) || protect.has(d.arn) || newestArns.has(d.arn)).toBe(false);
            expect(['TRAINING', 'DELETING']).not.toContain(d.status);
          }
        },
      ),
    );
  });
});
