import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  batchFeedbackRecords,
  checkBatchFile,
  errorReportLines,
  isMalformed,
} from '../../../../lambdas/active-learning/core/batch-file';
import { openLocalFile } from '../../../../lambdas/shared/jsonl';

const fixture = (name: string) => openLocalFile(join(__dirname, '../../../fixtures/active-learning', name));
const text = (value: string) => Readable.from([Buffer.from(value)]);

describe('batch-feedback files', () => {
  it('accepts quotes, commas, newlines and non-ASCII text, and keeps every sentence intact', async () => {
    const check = await checkBatchFile(fixture('batch-tricky.json'));
    expect(check).toMatchObject({ classifier: 'intents', sentences: 6, valid: 6, rejectedCount: 0, fileProblems: [] });
    const records = [];
    for await (const r of batchFeedbackRecords(fixture('batch-tricky.json'), {
      classifier: 'intents',
      idPrefix: 'p',
      timestamp: 't',
    }))
      records.push(r);
    expect(records.map((r) => r.utterance)).toEqual([
      'Plain sentence',
      'Has, commas, inside',
      'Has "quotes" inside',
      'Has a\nnewline',
      'Ünïcödé — 日本語 🚀',
      'Tab\there',
    ]);
    expect(records[0]).toEqual({
      utterance: 'Plain sentence',
      prediction: 'CLASSIFY',
      confidence: 'NONE',
      classifier: 'intents',
      source: 'batch',
      recordId: 'p-0',
      timestamp: 't',
    });
  });

  it('accepts the classifier after the sentences and ignores (and reports) unknown keys', async () => {
    const check = await checkBatchFile(fixture('batch-classifier-last.json'));
    expect(check).toMatchObject({ classifier: 'intents', valid: 2, fileProblems: [], ignoredKeys: ['note'] });
  });

  it('rejects bad sentences one by one and keeps the good ones', async () => {
    const check = await checkBatchFile(fixture('batch-partial.json'));
    expect(isMalformed(check)).toBe(false);
    expect(check).toMatchObject({ sentences: 7, valid: 2, rejectedCount: 5 });
    expect(check.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 6]);
    expect(check.rejected[1]!.reason).toBe('sentences[2]: expected a string');
    const lines = errorReportLines({ bucket: 'b', key: 'k.json' }, check, 2).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    expect(lines[0]).toMatchObject({ upload: 's3://b/k.json', status: 'partial', sent: 2, rejected: 5 });
    expect(lines).toHaveLength(6);
  });

  it.each([
    [
      'malformed-not-json.json',
      /not valid JSON: raw control character U\+000A in a string \(unterminated string\?\) at character \d+/,
    ],
    ['malformed-no-classifier.json', /classifier: missing/],
    ['malformed-array.json', /must be a JSON object/],
    ['malformed-bad-classifier.json', /classifier: expected 1-63 letters/],
    ['malformed-empty.json', /sentences: the list is empty/],
  ])('reports %s as malformed, saying why', async (name, reason) => {
    const check = await checkBatchFile(fixture(name));
    expect(isMalformed(check)).toBe(true);
    expect(check.fileProblems.join('; ')).toMatch(reason);
    const [summary] = errorReportLines({ bucket: 'b', key: name }, check, 0).map(
      (l) => JSON.parse(l) as { status: string; message: string },
    );
    expect(summary).toMatchObject({ status: 'rejected' });
    expect(summary!.message).toMatch(reason);
  });

  it('reports duplicate keys and a sentences value that is not an array', async () => {
    expect((await checkBatchFile(text('{"classifier":"a","classifier":"b","sentences":["x"]}'))).fileProblems).toEqual([
      'duplicate key "classifier"',
    ]);
    expect((await checkBatchFile(text('{"classifier":"a","sentences":"x"}'))).fileProblems).toEqual([
      'sentences: expected an array of strings',
    ]);
  });

  it('property: never throws, and sends exactly the valid sentences, in order', async () => {
    const sentence = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constant(''),
      fc.constant('  '),
      fc.integer(),
      fc.constant(null),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(sentence, { maxLength: 40 }), fc.boolean(), async (sentences, first) => {
        const doc = first ? { classifier: 'c', sentences } : { sentences, classifier: 'c' };
        const json = JSON.stringify(doc);
        const check = await checkBatchFile(text(json));
        const expected = sentences.filter((s): s is string => typeof s === 'string' && s.trim() !== '');
        const sent = [];
        if (!isMalformed(check))
          for await (const r of batchFeedbackRecords(text(json), { classifier: 'c', idPrefix: 'x', timestamp: 't' }))
            sent.push(r.utterance);
        expect(sent).toEqual(isMalformed(check) ? [] : expected);
        expect(check.valid + check.rejectedCount).toBe(sentences.length);
        expect(isMalformed(check)).toBe(expected.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});
