import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  consolidate,
  parseReviewOutput,
  trainingCsvByClassifier,
  trainingDataKey,
} from '../../../../lambdas/active-learning/core/consolidate';
import { csvField, parseCsv, trainingRow } from '../../../../lambdas/active-learning/core/csv';
import { type HumanReviewOutput } from '../../../../lambdas/review/contract';

const dir = join(__dirname, '../../../fixtures/active-learning');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;

describe('consolidation of reviewed answers', () => {
  const output = parseReviewOutput(load('a2i-output-11-items-3-workers.json'));

  it('pairs answers by the index in the field name (textCategory10 is item 10, not item 2) and votes by majority', () => {
    const result = consolidate(output);
    const byIndex = Object.fromEntries(result.items.map((i) => [i.index, i]));
    expect(result.workers).toBe(3);
    expect(byIndex[10]).toMatchObject({
      status: 'resolved',
      labels: ['BILLING'],
      voters: 3,
      utterance: 'Refund €20, please',
    });
    expect(byIndex[2]).toMatchObject({
      status: 'no-majority',
      labels: [],
      votes: { BILLING: 1, TECHNICAL_ISSUE: 1, ACCOUNT: 1 },
    });
    expect(byIndex[5]).toMatchObject({ status: 'resolved', labels: ['ACCOUNT'], votes: { BILLING: 1, ACCOUNT: 2 } });
    expect(byIndex[6]).toMatchObject({ status: 'resolved', labels: ['TECHNICAL_ISSUE'], voters: 2 });
    expect(byIndex[7]).toMatchObject({ status: 'no-majority', invalidAnswers: 1, voters: 2 });
    expect(byIndex[8]).toMatchObject({ status: 'resolved', labels: ['ACCOUNT'], voters: 2 });
  });

  it('writes exactly the expected Comprehend CSV (RFC 4180, one newline-terminated row per resolved item)', () => {
    const csv = trainingCsvByClassifier(consolidate(output));
    expect([...csv.keys()]).toEqual(['intents']);
    expect(csv.get('intents')).toBe(readFileSync(join(dir, 'a2i-output-11-items-3-workers.expected.csv'), 'utf8'));
    expect(parseCsv(csv.get('intents')!).every((row) => row.length === 2)).toBe(true);
  });

  it('consolidates multi-label answers: a label needs a strict majority; rows say A|B', () => {
    const result = consolidate(parseReviewOutput(load('a2i-output-multi-label.json')));
    expect(result.items.map((i) => [i.status, i.labels])).toEqual([
      ['resolved', ['COMEDY', 'DRAMA']],
      ['resolved', ['ACTION']],
      ['no-majority', []],
    ]);
    expect(trainingCsvByClassifier(result).get('genres')).toBe(
      'COMEDY|DRAMA,Funny and sad\nACTION,"Explosions, ""car chases"""\n',
    );
  });

  it('property: the order of answer keys and of workers changes nothing', () => {
    const shuffled = (seed: number): HumanReviewOutput => {
      const rng = fc.sample(fc.shuffledSubarray(output.humanAnswers.slice(), { minLength: 3, maxLength: 3 }), {
        seed,
        numRuns: 1,
      })[0]!;
      return {
        ...output,
        humanAnswers: rng.map((a) => ({
          ...a,
          answerContent: Object.fromEntries(
            fc.sample(
              fc.shuffledSubarray(Object.entries(a.answerContent), { minLength: Object.keys(a.answerContent).length }),
              { seed: seed + 1, numRuns: 1 },
            )[0]!,
          ),
        })),
      };
    };
    const expected = trainingCsvByClassifier(consolidate(output));
    fc.assert(
      fc.property(fc.integer(), (seed) =>
        expect(trainingCsvByClassifier(consolidate(shuffled(seed)))).toEqual(expected),
      ),
    );
  });

  it('counts a worker once (latest submission), ignores answers for unknown items, accepts crowd-classifier answers', () => {
    const base = parseReviewOutput(load('a2i-output-multi-label.json'));
    const single: HumanReviewOutput = {
      ...base,
      inputContent: { ...base.inputContent, multiLabel: false },
      humanAnswers: [
        {
          answerContent: { textCategory0: 'DRAMA', textCategory9: 'DRAMA' },
          submissionTime: '2026-01-01T00:00:00Z',
          workerId: 'w',
        },
        {
          answerContent: { textCategory0: { label: 'COMEDY' } },
          submissionTime: '2026-01-02T00:00:00Z',
          workerId: 'w',
        },
      ],
    };
    const result = consolidate(single);
    expect(result.workers).toBe(1);
    expect(result.orphanAnswers).toBe(0);
    expect(result.items[0]).toMatchObject({ status: 'resolved', labels: ['COMEDY'], voters: 1 });
    expect(result.items[1]).toMatchObject({ status: 'unanswered' });
    const orphan = consolidate({ ...single, humanAnswers: [single.humanAnswers[0]!] });
    expect(orphan.orphanAnswers).toBe(1);
  });

  it('accepts inputContent as the JSON string that was sent, and rejects outputs that are not A2I-shaped', () => {
    const raw = load('a2i-output-multi-label.json') as Record<string, unknown>;
    expect(
      parseReviewOutput({ ...raw, inputContent: JSON.stringify(raw.inputContent) }).inputContent.items,
    ).toHaveLength(3);
    expect(() => parseReviewOutput({ humanLoopName: 'x' })).toThrow('Review output is invalid');
    expect(() => parseReviewOutput({ ...raw, inputContent: '{broken' })).toThrow('Review output is invalid');
  });

  it('keys training data by classifier, date and review (deterministic)', () => {
    expect(trainingDataKey('intents', 'al-x-0', new Date('2026-11-23T10:00:00Z'))).toBe(
      'training-data/intents/2026/11/23/al-x-0.csv',
    );
    expect(trainingDataKey('a b/c', 'al-x-0', new Date('2026-11-23T10:00:00Z'))).toBe(
      'training-data/a%20b%2Fc/2026/11/23/al-x-0.csv',
    );
  });
});

describe('training CSV', () => {
  it('quotes per RFC 4180 only when needed, and puts a document on one line', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(' padded')).toBe('" padded"');
    expect(trainingRow(['A'], 'line\r\nbreak\nand\rmore')).toBe('A,line break and more\n');
    expect(() => trainingRow([], 'x')).toThrow('at least one label');
  });

  it('property: every row parses back to its labels and its one-line text, and ends with a newline', () => {
    const label = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[|,\r\n"]/.test(s));
    fc.assert(
      fc.property(
        fc.uniqueArray(label, { minLength: 1, maxLength: 3 }),
        fc.string({ unit: 'grapheme' }),
        (labels, text) => {
          const row = trainingRow(labels, text);
          expect(row.endsWith('\n')).toBe(true);
          const parsed = parseCsv(row);
          expect(parsed).toEqual([[labels.join('|'), text.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ')]]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('outputs of the original active-learning sample', () => {
  const ours = parseReviewOutput(load('a2i-output-11-items-3-workers.json'));
  const original = parseReviewOutput(load('original-sample-output.json'));

  it('reads comprehendPredictions, labels and answers numbered from 1 as items 0..n-1', () => {
    expect(original.inputContent.categories).toEqual(ours.inputContent.categories);
    expect(original.inputContent.items.map((i) => [i.index, i.utterance, i.classifier])).toEqual(
      ours.inputContent.items.map((i) => [i.index, i.utterance, i.classifier]),
    );
    expect(Object.keys(original.humanAnswers[0]!.answerContent)).toContain('textCategory0');
  });

  it('gives the same majority vote and the same training CSV as our shape', () => {
    const strip = (c: ReturnType<typeof consolidate>) => c.items.map(({ item: _item, ...rest }) => rest);
    expect(strip(consolidate(original))).toEqual(strip(consolidate(ours)));
    expect(trainingCsvByClassifier(consolidate(original))).toEqual(trainingCsvByClassifier(consolidate(ours)));
  });

  it('accepts the original shape with inputContent as the JSON string A2I returns', () => {
    const raw = load('original-sample-output.json') as { inputContent: unknown };
    const again = parseReviewOutput({ ...raw, inputContent: JSON.stringify(raw.inputContent) });
    expect(trainingCsvByClassifier(consolidate(again))).toEqual(trainingCsvByClassifier(consolidate(original)));
  });

  it('names what is wrong in an original-shape output it cannot read', () => {
    const raw = load('original-sample-output.json') as Record<string, unknown>;
    expect(() => parseReviewOutput({ ...raw, humanAnswers: 'none' })).toThrow('Review output is invalid');
  });
});
