import { decideRelease } from '../../../../lambdas/custom-labels-assist/core/release';

const ARN = 'arn:aws:rekognition:us-east-1:123456789012:project/roofs/version/v1/1';
const usage = (runId: string, startedByRun: boolean, executionRunning = true, modelVersionArn = ARN) => ({
  runId,
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:Assist:${runId}`,
  modelVersionArn,
  startedByRun,
  executionRunning,
});

describe('decideRelease (the one rule of a run that leaves the model)', () => {
  it('stops the model the run started when no other live run uses it (ended runs and other versions do not count)', () => {
    const mine = usage('a', true);
    const others = [mine, usage('b', false, false), usage('c', false, true, `${ARN}x`)];
    expect(decideRelease({ mine, usages: others })).toMatchObject({ stop: true });
  });

  it('leaves it running and hands the duty to a live run that still uses it', () => {
    const mine = usage('a', true);
    const decision = decideRelease({ mine, usages: [mine, usage('b', false)] });
    expect(decision.stop).toBe(false);
    expect(decision.handOver).toEqual({
      runId: 'b',
      executionArn: usage('b', false).executionArn,
      modelVersionArn: ARN,
      startedByRun: true,
    });
  });

  it('never stops a model the run did not start, and does nothing without a record', () => {
    expect(decideRelease({ mine: usage('b', false), usages: [] })).toMatchObject({ stop: false });
    expect(decideRelease({ mine: undefined, usages: [usage('b', true)] })).toMatchObject({ stop: false });
    expect(decideRelease({ mine: usage('b', false), usages: [] }).handOver).toBeUndefined();
  });
});
