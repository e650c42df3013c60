import { Readable } from 'node:stream';
import { ValidationError } from '../../shared/errors';
import { type ByteSource } from '../../shared/jsonl';

/** The input is not valid JSON (or not valid UTF-8); `position` is the 0-based character offset. */
export class JsonSyntaxError extends ValidationError {
  constructor(
    reason: string,
    public readonly position: number,
  ) {
    super(`not valid JSON: ${reason} at character ${position}`);
  }
}

type Punctuation = '{' | '}' | '[' | ']' | ':' | ',';
type Token =
  | { readonly kind: Punctuation; readonly pos: number }
  | { readonly kind: 'value'; readonly value: string | number | boolean | null; readonly pos: number };

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NUMBER_CHAR = /[0-9+\-.eE]/;
const LITERALS: Record<string, boolean | null> = { true: true, false: false, null: null };

/** An incremental JSON tokenizer: feed text chunks, get complete tokens; a token split across chunks waits. */
class Tokenizer {
  private buffer = '';
  private offset = 0; // characters dropped from the front of the buffer
  private stringScan = 0; // where an unfinished string's scan resumes (relative to its opening quote)

  public push(chunk: string, final = false): Token[] {
    this.buffer += chunk;
    const tokens: Token[] = [];
    const buf = this.buffer;
    let pos = 0;
    scan: while (pos < buf.length) {
      const c = buf.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        pos += 1;
        continue;
      }
      const ch = buf[pos]!;
      switch (ch) {
        case '{':
        case '}':
        case '[':
        case ']':
        case ':':
        case ',':
          tokens.push({ kind: ch, pos: this.offset + pos });
          pos += 1;
          continue;
        case '"': {
          let i = pos + 1 + this.stringScan;
          let end = -1;
          let plain = this.stringScan === 0; // no escape and no control character seen (decided on the last scan)
          while (i < buf.length) {
            const d = buf.charCodeAt(i);
            if (d === 0x5c) {
              plain = false;
              i += 2;
              continue;
            }
            if (d === 0x22) {
              end = i;
              break;
            }
            if (d < 0x20) plain = false;
            i += 1;
          }
          if (end < 0) {
            if (final) throw new JsonSyntaxError('unterminated string', this.offset + pos);
            // Resume at a character boundary: where the scan stopped, or at a trailing backslash.
            this.stringScan = (i > buf.length ? i - 2 : i) - (pos + 1);
            break scan;
          }
          this.stringScan = 0;
          let value: string;
          if (plain) value = buf.slice(pos + 1, end);
          else {
            try {
              value = JSON.parse(buf.slice(pos, end + 1)) as string;
            } catch {
              throw new JsonSyntaxError('invalid string (bad escape or raw control character)', this.offset + pos);
            }
          }
          tokens.push({ kind: 'value', value, pos: this.offset + pos });
          pos = end + 1;
          continue;
        }
        default: {
          if (ch === '-' || (c >= 0x30 && c <= 0x39)) {
            let i = pos + 1;
            while (i < buf.length && NUMBER_CHAR.test(buf[i]!)) i += 1;
            if (i === buf.length && !final) break scan;
            const text = buf.slice(pos, i);
            if (!NUMBER.test(text))
              throw new JsonSyntaxError(`invalid number ${JSON.stringify(text)}`, this.offset + pos);
            tokens.push({ kind: 'value', value: Number(text), pos: this.offset + pos });
            pos = i;
            continue;
          }
          if (ch === 't' || ch === 'f' || ch === 'n') {
            const word = ch === 'f' ? 'false' : ch === 't' ? 'true' : 'null';
            if (buf.length - pos < word.length && !final && word.startsWith(buf.slice(pos))) break scan;
            if (buf.slice(pos, pos + word.length) !== word)
              throw new JsonSyntaxError('unexpected characters', this.offset + pos);
            tokens.push({ kind: 'value', value: LITERALS[word]!, pos: this.offset + pos });
            pos += word.length;
            continue;
          }
          throw new JsonSyntaxError(`unexpected character ${JSON.stringify(ch)}`, this.offset + pos);
        }
      }
    }
    if (final && pos < buf.length) throw new JsonSyntaxError('unexpected end of input', this.offset + buf.length);
    this.buffer = buf.slice(pos);
    this.offset += pos;
    return tokens;
  }

  public get position(): number {
    return this.offset + this.buffer.length;
  }
}

/** An event of {@link streamTopLevelObject}. */
export type TopLevelEvent =
  /** A member of the top-level object (except the streamed array), with its whole value. */
  | { readonly kind: 'member'; readonly key: string; readonly value: unknown }
  /** One element of the streamed array. */
  | { readonly kind: 'element'; readonly key: string; readonly index: number; readonly value: unknown }
  /** The streamed array ended, with its length. */
  | { readonly kind: 'array-end'; readonly key: string; readonly length: number };

type Frame =
  | {
      type: 'object';
      value: Record<string, unknown>;
      key?: string;
      expect: 'key-or-end' | 'key' | 'colon' | 'value' | 'comma-or-end';
      top: boolean;
    }
  | {
      type: 'array';
      value: unknown[];
      expect: 'value-or-end' | 'value' | 'comma-or-end';
      streamKey?: string;
      index: number;
    };

/**
 * Stream a JSON document whose top level is an object, holding in memory only one member at a time — except the
 * member named `streamedKey`, an array whose elements are emitted one by one and never kept. The whole input is
 * validated as JSON: any syntax error (or invalid UTF-8) throws {@link JsonSyntaxError} with its position, and a top
 * level that is not an object throws too.
 */
export async function* streamTopLevelObject(source: ByteSource, streamedKey: string): AsyncGenerator<TopLevelEvent> {
  for await (const events of streamTopLevelObjectChunks(source, streamedKey)) yield* events;
}

/**
 * {@link streamTopLevelObject}, yielding the events of each input chunk together (one await per chunk instead of one
 * per event: several times faster on large files).
 */
export async function* streamTopLevelObjectChunks(
  source: ByteSource,
  streamedKey: string,
): AsyncGenerator<TopLevelEvent[]> {
  const tokenizer = new Tokenizer();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: Frame[] = [];
  let state: 'start' | 'inside' | 'done' = 'start';
  const events: TopLevelEvent[] = [];

  const complete = (value: unknown, pos: number): void => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      state = 'done';
      return;
    }
    if (parent.type === 'object') {
      if (parent.expect !== 'value') throw new JsonSyntaxError('unexpected value', pos);
      if (parent.top) events.push({ kind: 'member', key: parent.key!, value });
      // Own property even for `__proto__` (as JSON.parse does): no prototype pollution through input keys.
      else
        Object.defineProperty(parent.value, parent.key!, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      parent.expect = 'comma-or-end';
    } else {
      if (parent.expect === 'comma-or-end') throw new JsonSyntaxError('expected "," or "]"', pos);
      if (parent.streamKey !== undefined)
        events.push({ kind: 'element', key: parent.streamKey, index: parent.index, value });
      else parent.value.push(value);
      parent.index += 1;
      parent.expect = 'comma-or-end';
    }
  };

  const feed = (tokens: Token[]): void => {
    for (const token of tokens) {
      if (state === 'done') throw new JsonSyntaxError('unexpected data after the end of the document', token.pos);
      const frame = stack[stack.length - 1];
      if (state === 'start') {
        if (token.kind !== '{') throw new JsonSyntaxError('the document must be a JSON object ({...})', token.pos);
        stack.push({ type: 'object', value: {}, expect: 'key-or-end', top: true });
        state = 'inside';
        continue;
      }
      if (frame === undefined) throw new JsonSyntaxError('unexpected token', token.pos);
      if (frame.type === 'object' && frame.expect !== 'value') {
        if (
          token.kind === 'value' &&
          typeof token.value === 'string' &&
          (frame.expect === 'key-or-end' || frame.expect === 'key')
        ) {
          frame.key = token.value;
          frame.expect = 'colon';
        } else if (token.kind === ':' && frame.expect === 'colon') {
          frame.expect = 'value';
        } else if (token.kind === ',' && frame.expect === 'comma-or-end') {
          frame.expect = 'key';
        } else if (token.kind === '}' && (frame.expect === 'key-or-end' || frame.expect === 'comma-or-end')) {
          stack.pop();
          complete(frame.value, token.pos);
        } else {
          throw new JsonSyntaxError(
            `unexpected ${token.kind === 'value' ? 'value' : `"${token.kind}"`} in an object`,
            token.pos,
          );
        }
        continue;
      }
      if (frame.type === 'array' && frame.expect === 'comma-or-end') {
        if (token.kind === ',') frame.expect = 'value';
        else if (token.kind === ']') {
          stack.pop();
          if (frame.streamKey !== undefined) {
            events.push({ kind: 'array-end', key: frame.streamKey, length: frame.index });
            const parent = stack[stack.length - 1]!;
            (parent as { expect: string }).expect = 'comma-or-end';
          } else complete(frame.value, token.pos);
        } else throw new JsonSyntaxError('expected "," or "]" in an array', token.pos);
        continue;
      }
      // A value is expected (object member value, or array element).
      if (token.kind === ']' && frame.type === 'array' && frame.expect === 'value-or-end') {
        stack.pop();
        if (frame.streamKey !== undefined) {
          events.push({ kind: 'array-end', key: frame.streamKey, length: 0 });
          (stack[stack.length - 1] as { expect: string }).expect = 'comma-or-end';
        } else complete(frame.value, token.pos);
        continue;
      }
      if (token.kind === 'value') complete(token.value, token.pos);
      else if (token.kind === '{') stack.push({ type: 'object', value: {}, expect: 'key-or-end', top: false });
      else if (token.kind === '[') {
        const streamKey = frame.type === 'object' && frame.top && frame.key === streamedKey ? streamedKey : undefined;
        stack.push({ type: 'array', value: [], expect: 'value-or-end', streamKey, index: 0 });
      } else throw new JsonSyntaxError(`unexpected "${token.kind}" where a value was expected`, token.pos);
    }
  };

  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new JsonSyntaxError('not valid UTF-8', tokenizer.position);
    }
    feed(tokenizer.push(text));
    if (events.length > 0) yield events.splice(0);
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new JsonSyntaxError('not valid UTF-8', tokenizer.position);
  }
  feed(tokenizer.push(rest, true));
  if (events.length > 0) yield events.splice(0);
  if (state === 'start') throw new JsonSyntaxError('empty document', tokenizer.position);
  if (state !== 'done') throw new JsonSyntaxError('unexpected end of input', tokenizer.position);
}
