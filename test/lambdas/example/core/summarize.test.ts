import { Readable } from 'node:stream';
import fc from 'fast-check';
import { summarize } from '../../../../lambdas/example/core/summarize';
import { readJsonLineBatches } from '../../../../lambdas/shared/jsonl';

const read = (text: string | Buffer) =>
  summarize(readJsonLineBatches(Readable.from([Buffer.from(text)]), { keepBlankLines: true }));

describe('example summary (mlw example inspect and the Lambda)', () => {
  it('reports a JSON array, a number and null as invalid lines, counts blank lines, and the counts add up', async () => {
    const summary = await read('{"a":1}\n[1,2]\n\n   \n42\nnull\nnope\n{"a":2,"b":true}\n');
    expect(summary).toMatchObject({ lines: 8, objects: 2, invalid: 4, blank: 2, keys: { a: 2, b: 1 } });
    expect(summary.firstErrors).toEqual([
      { lineNumber: 2, error: 'not a JSON object (an array)' },
      { lineNumber: 5, error: 'not a JSON object (a number)' },
      { lineNumber: 6, error: 'not a JSON object (null)' },
      expect.objectContaining({ lineNumber: 7 }),
    ]);
  });

  it('reads an upload that starts with a byte-order mark like one without', async () => {
    const body = '{"a":1}\n{"a":2}\n';
    expect(await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]))).toEqual(await read(body));
  });

  it('accounts for every line: lines = objects + invalid + blank (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.json(), fc.constantFrom('', ' ', 'nope', '{"k":1}', '[]')), { maxLength: 30 }),
        async (rows) => {
          const summary = await read(rows.map((r) => r.replace(/[\r\n]/g, ' ')).join('\n'));
          expect(summary.objects + summary.invalid + summary.blank).toBe(summary.lines);
        },
      ),
    );
  });
});
