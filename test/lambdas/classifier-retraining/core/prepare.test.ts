import fc from 'fast-check';
import { csvField, oneLine, parseCsv } from '../../../../lambdas/active-learning/core/csv';
import { COMPREHEND_LIMITS } from '../../../../lambdas/classifier-retraining/contract';
import {
  type PrepareSource,
  type SourceKind,
  tallySources,
  writeTrainingRows,
} from '../../../../lambdas/classifier-retraining/core/prepare';

/** A source from text (or bytes), delivered in the given chunk sizes. */
function source(
  name: string,
  content: string | Buffer,
  kind: SourceKind = 'reviewed',
  isNew = true,
  cuts: number[] = [],
) {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return {
    name,
    kind,
    isNew,
    open: () => {
      const chunks: Buffer[] = [];
      let at = 0;
      for (const cut of cuts) {
        const end = Math.min(bytes.length, at + Math.max(1, cut));
        chunks.push(bytes.subarray(at, end));
        at = end;
      }
      if (at < bytes.length || chunks.length === 0) chunks.push(bytes.subarray(at));
      return Promise.resolve(
        (async function* () {
          for (const c of chunks) yield c;
        })(),
      );
    },
  } satisfies PrepareSource;
}

async function prepare(sources: PrepareSource[], multiLabel = false, minNewRows = 0, onlyNew = false) {
  const tally = await tallySources(sources, { multiLabel, minNewRows });
  let out = '';
  const written = await writeTrainingRows(sources, tally, { multiLabel, onlyNew }, (chunk) => {
    out += chunk;
  });
  return { report: tally.report, out, written };
}

function rowsOf(n: number, label: string, prefix = label): string {
  return Array.from({ length: n }, (_, i) => `${label},${prefix} document ${i}\n`).join('');
}

describe('prepare core: merge, duplicates, checks, counts', () => {
  it('merges the base set and reviewed files; a later reviewed label wins over the base set and earlier reviews', async () => {
    const base = source('base.csv', 'A,my bill is wrong\nB,"app crashes, again"\nA,keep me\n', 'base', false);
    const day1 = source('r1.csv', 'B,my bill is wrong\n', 'reviewed', false);
    const day2 = source('r2.csv', 'C,my bill is wrong\r\nB,new one\r\n', 'reviewed', true);
    const { report, out } = await prepare([base, day1, day2]);
    expect(parseCsv(out)).toEqual([
      ['B', 'app crashes, again'],
      ['A', 'keep me'],
      ['C', 'my bill is wrong'],
      ['B', 'new one'],
    ]);
    expect(report.rows).toEqual({
      valid: 6,
      rejected: 0,
      duplicates: 2,
      documents: 4,
      base: 2,
      reviewed: 2,
      newReviewed: 2,
    });
    expect(report.classes).toEqual([
      { name: 'B', documents: 2 },
      { name: 'A', documents: 1 },
      { name: 'C', documents: 1 },
    ]);
  });

  it('names each short class and its count, and says why training may not start', async () => {
    const { report } = await prepare(
      [source('r.csv', rowsOf(60, 'BILLING') + rowsOf(12, 'ACCOUNT') + rowsOf(3, 'OTHER'))],
      false,
      100,
    );
    expect(report.mayTrain).toBe(false);
    expect(report.minimumPerClass).toBe(50);
    expect(report.shortClasses).toEqual([
      { name: 'OTHER', documents: 3 },
      { name: 'ACCOUNT', documents: 12 },
    ]);
    expect(report.reasons).toEqual([
      '2 class(es) below 50 documents: OTHER (3), ACCOUNT (12)',
      '75 new reviewed row(s) since the last promoted model; at least 100 are needed',
    ]);
  });

  it('may train with 50 documents per class (multi-class) and 10 per class (multi-label)', async () => {
    const multiClass = await prepare([source('r.csv', rowsOf(50, 'A') + rowsOf(50, 'B'))], false, 100);
    expect(multiClass.report).toMatchObject({ mayTrain: true, reasons: [] });
    const multiLabel = await prepare([source('r.csv', rowsOf(10, 'A|B') + rowsOf(10, 'C'))], true, 20);
    expect(multiLabel.report).toMatchObject({ mayTrain: true, minimumPerClass: 10 });
    expect(multiLabel.report.classes).toEqual([
      { name: 'A', documents: 10 },
      { name: 'B', documents: 10 },
      { name: 'C', documents: 10 },
    ]);
    expect(parseCsv(multiLabel.out)[0]).toEqual(['A|B', 'A|B document 0']);
  });

  it('counts only rows of new reviewed files toward minNewRows', async () => {
    const old = source('old.csv', rowsOf(60, 'A') + rowsOf(60, 'B'), 'reviewed', false);
    const fresh = source('new.csv', rowsOf(5, 'A', 'fresh A'), 'reviewed', true);
    const { report } = await prepare([old, fresh], false, 100);
    expect(report.rows.newReviewed).toBe(5);
    expect(report.mayTrain).toBe(false);
  });

  it('rejects bad rows with their line numbers and keeps every row around them', async () => {
    const text = [
      'A,fine one', // 1
      'A,too,many,columns', // 2
      ',no label', // 3
      'A,   ', // 4
      'A|B,multi-label row', // 5
      'B,"stray "quote here', // 6
      'B,"spans', // 7
      'two lines"', // 8
      'C,"never closed', // 9
      'C,after the unclosed one', // 10
      `A,${'x'.repeat(COMPREHEND_LIMITS.MAX_DOCUMENT_BYTES + 1)}`, // 11
      '', // 12
      'SPAM, "Paulo, your award"', // 13 (Comprehend's own example: a space before the quote)
    ].join('\n');
    const { report, out } = await prepare([source('mixed.csv', text)]);
    expect(report.rejections.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [2, 'expected 2 columns (label,text), found 4'],
      [3, 'empty label'],
      [4, 'empty document'],
      [5, 'multi-label row ("A|B") in multi-class data'],
      [6, 'not valid CSV (RFC 4180)'],
      [9, 'the quoted field is not closed'], // the long line 11 ends the search for its closing quote
      [11, `document of ${COMPREHEND_LIMITS.MAX_DOCUMENT_BYTES + 1} bytes (the limit is 102400 bytes of UTF-8)`],
    ]);
    expect(parseCsv(out)).toEqual([
      ['A', 'fine one'],
      ['B', 'spans two lines'],
      ['C', 'after the unclosed one'],
      ['SPAM', 'Paulo, your award'],
    ]);
  });

  it('rejects a line that is not UTF-8 and reads the rest; a UTF-16 file is reported as unreadable', async () => {
    const latin1 = Buffer.concat([Buffer.from('A,ok\nA,caf'), Buffer.from([0xe9]), Buffer.from('\nB,fine\n')]);
    const utf16 = Buffer.from('\ufeffA,x\n', 'utf16le');
    const { report, out } = await prepare([source('latin1.csv', latin1), source('utf16.csv', utf16)]);
    expect(report.rejections).toEqual([
      { source: 'latin1.csv', line: 2, reason: 'not valid UTF-8: byte 0xE9 at column 6' },
    ]);
    expect(report.unreadableSources).toEqual(['utf16.csv']);
    expect(report.sources[1]!.unreadable).toMatch(/UTF-16/);
    expect(parseCsv(out)).toEqual([
      ['A', 'ok'],
      ['B', 'fine'],
    ]);
  });

  it('flywheel datasets: onlyNew writes the documents of new files only', async () => {
    const old = source('old.csv', 'A,old one\nA,changed later\n', 'reviewed', false);
    const fresh = source('new.csv', 'B,changed later\nB,brand new\n', 'reviewed', true);
    const { out, written } = await prepare([old, fresh], false, 0, true);
    expect(parseCsv(out)).toEqual([
      ['B', 'changed later'],
      ['B', 'brand new'],
    ]);
    expect(written.rows).toBe(2);
  });
});

// ---- properties -------------------------------------------------------------------------------------------------

const LABELS = ['A', 'B', 'C D', 'Ünïcode'];
const textPiece = fc.constantFrom('a', 'b', 'z', ' ', ',', '"', '""', '\n', '\r\n', '\r', 'é', '😀', '\t', '|');
const text = fc.array(textPiece, { minLength: 1, maxLength: 10 }).map((p) => p.join(''));
const row = fc.record({
  labels: fc.uniqueArray(fc.constantFrom(...LABELS), { minLength: 1, maxLength: 3 }),
  text,
  quoting: fc.constantFrom('minimal', 'always'),
});
const file = fc.record({
  rows: fc.array(row, { maxLength: 12 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  cuts: fc.array(fc.integer({ min: 1, max: 17 }), { maxLength: 6 }),
});

function encodeField(value: string, quoting: string): string {
  return quoting === 'always' ? `"${value.replace(/"/g, '""')}"` : csvField(value);
}

function encodeFile(
  f: {
    rows: { labels: string[]; text: string; quoting: string }[];
    crlf: boolean;
    bom: boolean;
    finalNewline: boolean;
  },
  multiLabel: boolean,
) {
  const eol = f.crlf ? '\r\n' : '\n';
  const lines = f.rows.map((r) => {
    const label = multiLabel ? r.labels.join('|') : r.labels[0]!;
    return `${encodeField(label, r.quoting)},${encodeField(r.text, r.quoting)}`;
  });
  const body = lines.join(eol) + (f.finalNewline && lines.length > 0 ? eol : '');
  return (f.bom ? '\ufeff' : '') + body;
}

describe('prepare core properties', () => {
  for (const multiLabel of [false, true]) {
    it(`any mix of quoting, embedded line breaks, BOM, CRLF, chunking and duplicates across files never yields an invalid row or loses a valid one (${multiLabel ? 'multi-label' : 'multi-class'})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(file, { minLength: 1, maxLength: 4 }), async (files) => {
          const sources = files.map((f, i) =>
            source(`f${i}.csv`, encodeFile(f, multiLabel), i === 0 ? 'base' : 'reviewed', true, f.cuts),
          );
          const { report, out } = await prepare(sources, multiLabel);
          // What a correct reader must keep: each document once (line breaks as spaces, trimmed), with the labels of its
          // last row.
          const expected = new Map<string, string>();
          for (const f of files)
            for (const r of f.rows) {
              const doc = oneLine(r.text).trim();
              if (doc === '') continue;
              expected.delete(doc);
              expected.set(doc, multiLabel ? r.labels.join('|') : r.labels[0]!);
            }
          expect(out === '' || out.endsWith('\n')).toBe(true);
          const written = parseCsv(out);
          for (const [label, doc] of written) {
            expect(label).toBeTruthy();
            expect(doc).toBeTruthy();
            expect(doc).not.toMatch(/[\r\n]/);
            expect(doc!.trim()).toBe(doc);
            expect(multiLabel || !label!.includes('|')).toBe(true);
          }
          const actual = new Map(written.map(([label, doc]) => [doc!, label!]));
          expect(actual.size).toBe(written.length);
          expect(new Set(actual.keys())).toEqual(new Set(expected.keys()));
          for (const [doc, label] of expected) expect(actual.get(doc)).toBe(label);
          // Rows whose document is only white space are the only rejections.
          const blank = files.flatMap((f) => f.rows).filter((r) => oneLine(r.text).trim() === '').length;
          expect(report.rows.rejected).toBe(blank);
          expect(report.rows.documents).toBe(expected.size);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a bad row (wrong column count, empty label, misplaced quote) never costs a neighbouring valid row', async () => {
    // (An unclosed quote is left out: with a quoted row after it, any CSV reader reads the two as one record.)
    const bad = fc.constantFrom('A,x,y', ',no label', 'A,"bad"quote', 'A|', '   ', 'A,""x');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            row.map((r) => ({ r })),
            bad.map((b) => ({ b })),
          ),
          { maxLength: 15 },
        ),
        async (items) => {
          const lines = items.map((item) =>
            'b' in item ? item.b : `${csvField(item.r.labels[0]!)},${csvField(item.r.text)}`,
          );
          const { out } = await prepare([source('f.csv', lines.join('\n') + '\n')]);
          const expected = new Map<string, string>();
          for (const item of items) {
            if ('b' in item) continue;
            const doc = oneLine(item.r.text).trim();
            if (doc === '') continue;
            expected.delete(doc);
            expected.set(doc, item.r.labels[0]!);
          }
          expect(new Map(parseCsv(out).map(([l, d]) => [d!, l!]))).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
