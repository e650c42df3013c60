import fc from 'fast-check';
import {
  classify,
  classifyRequestSchema,
  explicitFeedback,
  feedbackRequestSchema,
  implicitFeedback,
  rankAnswer,
} from '../../../../lambdas/active-learning/core/classify';
import { createEndpointResolver } from '../../../../lambdas/active-learning/core/endpoints';
import { ENDPOINT_PLACEHOLDER } from '../../../../lambdas/active-learning/contract';
import { encodeRecord, parseFeedbackRecord } from '../../../../lambdas/active-learning/core/records';

const ARN = 'arn:aws:comprehend:us-east-1:123456789012:document-classifier-endpoint/intents';

describe('classification', () => {
  it('ranks multi-class Classes and multi-label Labels without assuming order', () => {
    expect(
      classify(
        'c',
        {
          Classes: [
            { Name: 'B', Score: 0.2 },
            { Name: 'A', Score: 0.7 },
            { Name: 'C', Score: 0.1 },
          ],
        },
        0.5,
      ),
    ).toEqual({
      classifier: 'c',
      label: 'A',
      score: 0.7,
      classes: [
        { name: 'A', score: 0.7 },
        { name: 'B', score: 0.2 },
        { name: 'C', score: 0.1 },
      ],
      multiLabel: false,
      lowConfidence: false,
    });
    const labels = classify(
      'c',
      {
        Labels: [
          { Name: 'X', Score: 0.3 },
          { Name: 'Y', Score: 0.45 },
        ],
      },
      0.5,
    );
    expect(labels).toMatchObject({ label: 'Y', multiLabel: true, lowConfidence: true });
    expect(() => rankAnswer({ Classes: [] })).toThrow('no classes');
  });

  it('property: any order of the same classes gives the same answer', () => {
    const cls = fc.uniqueArray(
      fc.record({ Name: fc.string({ minLength: 1 }), Score: fc.double({ min: 0, max: 1, noNaN: true }) }),
      { minLength: 1, selector: (c) => c.Name },
    );
    fc.assert(
      fc.property(cls, fc.integer(), (classes, seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray(classes, { minLength: classes.length }), {
          seed,
          numRuns: 1,
        })[0]!;
        expect(classify('c', { Classes: shuffled }, 0.5)).toEqual(classify('c', { Classes: classes }, 0.5));
        const top = Math.max(...classes.map((c) => c.Score));
        expect(classify('c', { Classes: classes }, 0.5).score).toBe(top);
      }),
    );
  });

  it('validates requests with reasons', () => {
    expect(classifyRequestSchema.safeParse({ classifier: 'intents', sentence: 'hi' }).success).toBe(true);
    expect(classifyRequestSchema.safeParse({ classifier: 'intents', sentence: '   ' }).success).toBe(false);
    expect(classifyRequestSchema.safeParse({ classifier: '../x', sentence: 'hi' }).success).toBe(false);
    expect(classifyRequestSchema.safeParse({ classifier: 'c', sentence: 'x'.repeat(100 * 1024 + 1) }).success).toBe(
      false,
    );
    expect(classifyRequestSchema.safeParse({ classifier: 'c', sentence: 'hi', extra: 1 }).success).toBe(false);
    expect(feedbackRequestSchema.safeParse({ classifier: 'c', sentence: 'hi', expectedLabel: 'A' }).success).toBe(true);
  });

  it('builds implicit and explicit feedback records in the standard shape', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const result = classify('intents', { Classes: [{ Name: 'A', Score: 0.4 }] }, 0.5);
    expect(implicitFeedback({ classifier: 'intents', sentence: 's' }, result, 'r1', now)).toEqual({
      utterance: 's',
      prediction: 'A',
      confidence: 0.4,
      classifier: 'intents',
      source: 'implicit',
      requestId: 'r1',
      timestamp: '2026-11-23T10:00:00.000Z',
    });
    expect(
      explicitFeedback({ classifier: 'intents', sentence: 's', expectedLabel: 'A' }, ['A', 'B'], now),
    ).toMatchObject({ prediction: 'CLASSIFY', confidence: 'NONE', source: 'api', expectedLabel: 'A' });
    expect(() =>
      explicitFeedback({ classifier: 'intents', sentence: 's', expectedLabel: 'Z' }, ['A', 'B'], now),
    ).toThrow('Request body is invalid');
  });

  it('reads records tolerantly: the original solution shape, and ours with extra fields', () => {
    expect(
      parseFeedbackRecord({ utterance: 'u', prediction: 'CLASSIFY', confidence: 'NONE', classifier: 'c' }),
    ).toEqual({ ok: true, record: { utterance: 'u', prediction: 'CLASSIFY', confidence: 'NONE', classifier: 'c' } });
    expect(parseFeedbackRecord({ utterance: 'u', classifier: 'c', source: 'weird', unknown: 1 })).toMatchObject({
      ok: true,
      record: { prediction: 'CLASSIFY' },
    });
    expect(parseFeedbackRecord({ utterance: '', classifier: 'c' })).toMatchObject({ ok: false });
    expect(encodeRecord({ utterance: 'a\nb', prediction: 'p', confidence: 1, classifier: 'c' })).toBe(
      '{"utterance":"a\\nb","prediction":"p","confidence":1,"classifier":"c"}\n',
    );
  });
});

describe('endpoint resolution', () => {
  it('serves fixed endpoints and names unknown classifiers', async () => {
    const resolve = createEndpointResolver({ mode: 'endpoint-arn', endpoints: { intents: ARN } });
    await expect(resolve('intents')).resolves.toBe(ARN);
    await expect(resolve('other')).rejects.toThrow('Unknown classifier "other" (known: intents)');
    await expect(resolve('constructor')).rejects.toThrow('Unknown classifier');
  });

  it('reads SSM values through the fetcher and names a missing, placeholder or invalid value', async () => {
    let value: string | undefined = ENDPOINT_PLACEHOLDER;
    const fetches: string[] = [];
    const resolve = createEndpointResolver({
      mode: 'ssm-parameter',
      parameterPrefix: '/s/eps/',
      fetchParameter: async (name) => {
        fetches.push(name);
        return value;
      },
    });
    await expect(resolve('intents')).rejects.toThrow(
      'not configured yet: put its endpoint ARN in SSM parameter /s/eps/intents',
    );
    value = ` ${ARN} `;
    await expect(resolve('intents')).resolves.toBe(ARN);
    expect(fetches).toEqual(['/s/eps/intents', '/s/eps/intents']);
    value = undefined;
    await expect(resolve('intents')).rejects.toThrow('SSM parameter /s/eps/intents does not exist');
    value = 'garbage';
    await expect(resolve('intents')).rejects.toThrow('is not a Comprehend endpoint ARN');
  });
});
