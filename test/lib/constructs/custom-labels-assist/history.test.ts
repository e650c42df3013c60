import { estimateHistory, historyProblem } from '../../../../lib/constructs/custom-labels-assist/history';
import { realApp, stackOf } from '../../../helpers/app';

const OTHERS = ['example', 'streamingAnomaly', 'gitlabMlops', 'activeLearning', 'labelingChain', 'tripOutliers'];
const synth = (context: Record<string, string>) => () =>
  stackOf(
    realApp({ ...Object.fromEntries(OTHERS.map((s) => [`${s}.enabled`, 'false'])), ...context }),
    'Mlw-CustomLabelsAssist',
  );

describe('Custom Labels assist execution-history estimate', () => {
  it('counts pages and retries: 2,000 images of one per page need far more than 25,000 events', () => {
    const estimate = estimateHistory({
      maxImagesPerRun: 2000,
      imagesPerPage: 1,
      reviewWaitDays: 7,
      reviewPollMinutes: 30,
    });
    expect(estimate.pages).toBe(2000);
    // 2,000 × (9 + 3) + 2,000 × (16 + 6) + 336 polls × 9 + 3,000
    expect(estimate.events).toBe(24_000 + 44_000 + 3_024 + 3_000);
  });

  it('synth rejects a configuration that cannot fit, naming the keys to change', () => {
    expect(synth({ 'customLabelsAssist.maxImagesPerRun': '2000', 'customLabelsAssist.imagesPerPage': '1' })).toThrow(
      /maxImagesPerRun.*74024 of the 25000 execution history events: lower maxImagesPerRun, raise imagesPerPage, or raise reviewPoll/s,
    );
  });

  it('synth accepts one that fits (the defaults, and 500 images of one per page)', () => {
    expect(synth({})).not.toThrow();
    expect(
      synth({ 'customLabelsAssist.maxImagesPerRun': '500', 'customLabelsAssist.imagesPerPage': '1' }),
    ).not.toThrow();
    expect(
      historyProblem({ maxImagesPerRun: 500, imagesPerPage: 1, reviewWaitDays: 7, reviewPollMinutes: 30 }),
    ).toBeUndefined();
  });
});
