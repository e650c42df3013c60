import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { notAnObject, readJsonLineBatches, readJsonLines } from '../../../lambdas/shared/jsonl';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Split a buffer into chunks at the given cut points (to cut inside multi-byte characters and CRLFs). */
function chunked(buffer: Buffer, cuts: number[]): Readable {
  const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(buffer.subarray(last, p));
    last = p;
  }
  chunks.push(buffer.subarray(last));
  return Readable.from(chunks.filter((c) => c.length > 0));
}

describe('readJsonLines', () => {
  it('reads lines with numbers, skips blanks, handles CRLF, a last line without newline and bad JSON', async () => {
    const text = '{"a":1}\r\n\n  \nnot json\n{"é":"ü"}';
    const lines = await collect(readJsonLines(Readable.from([Buffer.from(text)])));
    expect(lines).toEqual([
      { lineNumber: 1, ok: true, value: { a: 1 }, text: '{"a":1}' },
      expect.objectContaining({ lineNumber: 4, ok: false, text: 'not json' }),
      { lineNumber: 5, ok: true, value: { é: 'ü' }, text: '{"é":"ü"}' },
    ]);
  });

  it('keeps blank lines when asked, so every line is accounted for', async () => {
    const lines = await collect(
      readJsonLines(Readable.from([Buffer.from('{"a":1}\n\n \t\n[1]\n')]), { keepBlankLines: true }),
    );
    expect(lines).toEqual([
      { lineNumber: 1, ok: true, value: { a: 1 }, text: '{"a":1}' },
      { lineNumber: 2, ok: false, error: 'blank line', text: '', blank: true },
      { lineNumber: 3, ok: false, error: 'blank line', text: ' \t', blank: true },
      { lineNumber: 4, ok: true, value: [1], text: '[1]' },
    ]);
    expect(notAnObject([1])).toBe('not a JSON object (an array)');
    expect(notAnObject(null)).toBe('not a JSON object (null)');
    expect(notAnObject(3)).toBe('not a JSON object (a number)');
  });

  it('skips a UTF-8 byte-order mark, also when it arrives one byte at a time', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]);
    const whole = await collect(readJsonLines(Readable.from([bytes])));
    const split = await collect(readJsonLines(chunked(bytes, [1, 2, 3, 4])));
    const expected = [
      { lineNumber: 1, ok: true, value: { a: 1 }, text: '{"a":1}' },
      { lineNumber: 2, ok: true, value: { b: 2 }, text: '{"b":2}' },
    ];
    expect(whole).toEqual(expected);
    expect(split).toEqual(expected);
  });

  it('reports a line that is not UTF-8 and reads the others', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a":1}\n{"name":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n{"a":2}\n'),
    ]);
    const lines = await collect(readJsonLines(Readable.from([bytes])));
    expect(lines.map((l) => (l.ok ? l.value : l.error))).toEqual([
      { a: 1 },
      'not valid UTF-8: byte 0xE9 at column 13',
      { a: 2 },
    ]);
  });

  it('refuses UTF-16 input with a message that names the input', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n', 'utf16le')]);
    await expect(collect(readJsonLines(Readable.from([utf16]), { what: 'manifest m.jsonl' }))).rejects.toThrow(
      'manifest m.jsonl is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8',
    );
  });

  it('decompresses gzip and reports bytes read', async () => {
    const gz = gzipSync(Buffer.from('{"a":1}\n{"a":2}\n'));
    let bytes = 0;
    const lines = await collect(readJsonLines(Readable.from([gz]), { gunzip: true, onBytes: (b) => (bytes = b) }));
    expect(lines.map((l) => (l.ok ? l.value : null))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(bytes).toBe(gz.length);
  });

  it('returns exactly the objects written, however the bytes are chunked, with or without a BOM (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        async (objects, cuts, crlf, bom) => {
          const text = objects.map((o) => JSON.stringify(o)).join(crlf ? '\r\n' : '\n');
          const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text, 'utf8')]);
          const lines = await collect(readJsonLines(chunked(bytes, cuts)));
          expect(lines.every((l) => l.ok)).toBe(true);
          expect(lines.map((l) => (l.ok ? l.value : undefined))).toEqual(objects);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('streams 200,000 lines in batches, one batch per chunk', async () => {
    function* generate() {
      for (let i = 0; i < 2000; i += 1) {
        let chunk = '';
        for (let j = 0; j < 100; j += 1) chunk += `{"i":${i * 100 + j},"pad":"${'x'.repeat(100)}"}\n`;
        yield Buffer.from(chunk);
      }
    }
    let count = 0;
    let batches = 0;
    let last = -1;
    for await (const batch of readJsonLineBatches(Readable.from(generate()))) {
      batches += 1;
      for (const line of batch) {
        count += 1;
        expect(line.ok && (line.value as { i: number }).i).toBe(last + 1);
        last += 1;
      }
    }
    expect(count).toBe(200_000);
    expect(batches).toBe(2000);
  });
});
