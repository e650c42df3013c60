import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  JsonSyntaxError,
  type TopLevelEvent,
  streamTopLevelObject,
} from '../../../../lambdas/active-learning/core/json-stream';

/** Split a text into chunks at the given cut points, as UTF-8 bytes (multi-byte characters may be split). */
function chunks(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

async function collect(source: Iterable<Buffer | string>, key = 'sentences'): Promise<TopLevelEvent[]> {
  const events: TopLevelEvent[] = [];
  for await (const e of streamTopLevelObject(Readable.from(source, { objectMode: false }), key)) events.push(e);
  return events;
}

/** Rebuild the document from the events (the streamed array from its elements). */
function rebuild(events: TopLevelEvent[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of events) {
    const own = (key: string) => (Object.hasOwn(out, key) ? out[key] : undefined);
    const set = (key: string, value: unknown) =>
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    if (e.kind === 'member') set(e.key, e.value);
    else if (e.kind === 'element') set(e.key, [...((own(e.key) as unknown[] | undefined) ?? []), e.value]);
    else if (own(e.key) === undefined) set(e.key, []);
  }
  return out;
}

describe('streamTopLevelObject', () => {
  it('streams the elements of the named array and returns other members whole', async () => {
    const events = await collect([
      '{"classifier": "intents", "sentences": ["a", "b\\n\\"c\\"", {"x": [1, 2]}], "n": -1.5e3, "t": true, "z": null}',
    ]);
    expect(events).toEqual([
      { kind: 'member', key: 'classifier', value: 'intents' },
      { kind: 'element', key: 'sentences', index: 0, value: 'a' },
      { kind: 'element', key: 'sentences', index: 1, value: 'b\n"c"' },
      { kind: 'element', key: 'sentences', index: 2, value: { x: [1, 2] } },
      { kind: 'array-end', key: 'sentences', length: 3 },
      { kind: 'member', key: 'n', value: -1500 },
      { kind: 'member', key: 't', value: true },
      { kind: 'member', key: 'z', value: null },
    ]);
  });

  it('property: any JSON object, cut anywhere into byte chunks, streams to what JSON.parse gives', async () => {
    const document = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue(), { maxKeys: 6 }).chain((members) =>
      fc.record({
        members: fc.constant(members),
        sentences: fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.jsonValue()), { maxLength: 20 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        document,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        async ({ members, sentences }, cuts, pretty) => {
          const value = { ...members, sentences };
          const text = JSON.stringify(value, null, pretty ? 2 : undefined);
          const expected = JSON.parse(text) as Record<string, unknown>;
          const rebuilt = rebuild(await collect(chunks(text, cuts)));
          expect(rebuilt).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: every invalid document is rejected with a JsonSyntaxError, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), fc.array(fc.nat(), { maxLength: 5 }), async (text, cuts) => {
        let valid = true;
        try {
          const parsed = JSON.parse(text) as unknown;
          valid = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        } catch {
          valid = false;
        }
        const outcome = await collect(chunks(text, cuts)).then(
          () => 'parsed',
          (error: unknown) => (error instanceof JsonSyntaxError ? 'syntax error' : `other error: ${String(error)}`),
        );
        expect(outcome).toBe(valid ? 'parsed' : 'syntax error');
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a "__proto__" key as an own property (no prototype pollution)', async () => {
    const [event] = await collect(['{"x": {"__proto__": {"polluted": true}}}']);
    const value = (event as { value: Record<string, unknown> }).value;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect((value as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it.each([
    ['["a"]', 'must be a JSON object'],
    ['', 'empty document'],
    ['{"a": 1', 'unexpected end of input'],
    ['{"a": 1} {}', 'after the end of the document'],
    ['{"a": [1,]}', 'unexpected "]"'],
    ['{"a": "\u0001"}', 'raw control character U+0001'],
    ['{"a": 01}', 'unexpected 1'],
    [
      '{"sentences": ["ok", "broken]\n',
      'raw control character U+000A in a string (unterminated string?) at character 29',
    ],
  ])('rejects %j (%s) with its position', async (text, reason) => {
    await expect(collect([text])).rejects.toThrow(reason);
  });

  it('rejects bytes that are not UTF-8', async () => {
    await expect(collect([Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])])).rejects.toThrow('not valid UTF-8');
  });
});
