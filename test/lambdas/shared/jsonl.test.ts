import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readJsonLines, readLines } from '../../../lambdas/shared/jsonl';

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

  it('decompresses gzip and reports bytes read', async () => {
    const gz = gzipSync(Buffer.from('{"a":1}\n{"a":2}\n'));
    let bytes = 0;
    const lines = await collect(readJsonLines(Readable.from([gz]), { gunzip: true, onBytes: (b) => (bytes = b) }));
    expect(lines.map((l) => (l.ok ? l.value : null))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(bytes).toBe(gz.length);
  });

  it('returns exactly the objects written, however the bytes are chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        async (objects, cuts, crlf) => {
          const text = objects.map((o) => JSON.stringify(o)).join(crlf ? '\r\n' : '\n');
          const lines = await collect(readJsonLines(chunked(Buffer.from(text, 'utf8'), cuts)));
          expect(lines.every((l) => l.ok)).toBe(true);
          expect(lines.map((l) => (l.ok ? l.value : undefined))).toEqual(objects);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('streams 200,000 lines one at a time', async () => {
    function* generate() {
      for (let i = 0; i < 200_000; i += 1) yield Buffer.from(`{"i":${i},"pad":"${'x'.repeat(100)}"}\n`);
    }
    let count = 0;
    for await (const line of readLines(Readable.from(generate()))) {
      if (line.text.length > 0) count += 1;
    }
    expect(count).toBe(200_000);
  });
});
