import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  TextEncodingError,
  Utf8Chunker,
  decodeUtf8,
  invalidUtf8Offset,
  readLineBatches,
  readUtf8Text,
} from '../../../lambdas/shared/text';

const FIELD_CASES = join(__dirname, '..', '..', 'fixtures', 'field-cases');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function pieces(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

describe('the shared text reader', () => {
  it('reads the BOM field case exactly as the same manifest without its BOM', async () => {
    const withBom = readFileSync(join(FIELD_CASES, 'labeling-chain-bom-output.manifest'));
    expect(withBom.subarray(0, 3)).toEqual(BOM);
    const withoutBom = withBom.subarray(3);
    for (const size of [1, 2, 3, 7, 1 << 20]) {
      const a = (await collect(readLineBatches(pieces(withBom, size)))).flat();
      const b = (await collect(readLineBatches(pieces(withoutBom, size)))).flat();
      expect(a).toEqual(b);
      expect(a[0]!.text.startsWith('{"source-ref"')).toBe(true);
    }
  });

  it('finds the first invalid UTF-8 byte as the WHATWG decoder does (property)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let valid = true;
        try {
          fatal.decode(bytes);
        } catch {
          valid = false;
        }
        expect(invalidUtf8Offset(bytes) === -1).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes text split inside characters, and names the byte that is not UTF-8', async () => {
    const text = 'naïve café 日本 😀 done';
    const bytes = Buffer.concat([BOM, Buffer.from(text)]);
    for (const size of [1, 2, 3, 5]) expect((await collect(readUtf8Text(pieces(bytes, size)))).join('')).toBe(text);
    const bad = Buffer.concat([Buffer.from('{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const error = await collect(readUtf8Text(pieces(bad, 4), { what: 'feedback/batch.json' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TextEncodingError);
    expect(error).toMatchObject({
      message: 'feedback/batch.json is not valid UTF-8: byte 0xE9 at byte 9',
      byteOffset: 9,
      name: 'TextEncodingError',
    });
    await expect(collect(readUtf8Text(Readable.from([Buffer.from([0x61, 0xe6, 0x97])])))).rejects.toThrow(
      'the input is not valid UTF-8: byte 0xE6 at byte 1',
    );
  });

  it('decodes a whole body: BOM skipped, Latin-1 refused with the byte offset', () => {
    expect(decodeUtf8(Buffer.concat([BOM, Buffer.from('{"a":"é"}')]))).toBe('{"a":"é"}');
    expect(decodeUtf8(Buffer.alloc(0))).toBe('');
    const latin1 = readFileSync(join(FIELD_CASES, 'feedback-body-latin1.bin'));
    expect(() => decodeUtf8(latin1, 'the request body')).toThrow(
      /^the request body is not valid UTF-8: byte 0xE9 at byte \d+$/,
    );
    expect(() => decodeUtf8(Buffer.from([0xfe, 0xff, 0, 0x61]))).toThrow(/UTF-16/);
  });

  it('holds only the partial line between chunks', () => {
    const chunker = new Utf8Chunker('line');
    expect(chunker.push(Buffer.from('abc'))).toBeUndefined();
    expect(chunker.push(Buffer.from('def\ngh'))).toMatchObject({ offset: 0, valid: true });
    const rest = chunker.end();
    expect(rest?.bytes.toString()).toBe('gh');
    expect(rest?.offset).toBe(7);
  });
});
