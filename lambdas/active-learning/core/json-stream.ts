import { Readable } from 'node:stream';
import { JSONParser } from '@streamparser/json';
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

/** An event of {@link streamTopLevelObject}. */
export type TopLevelEvent =
  /** A member of the top-level object (except the streamed array), with its whole value. */
  | { readonly kind: 'member'; readonly key: string; readonly value: unknown }
  /** One element of the streamed array. */
  | { readonly kind: 'element'; readonly key: string; readonly index: number; readonly value: unknown }
  /** The streamed array ended, with its length. */
  | { readonly kind: 'array-end'; readonly key: string; readonly length: number };

/**
 * Stream a JSON document whose top level is an object, holding in memory only one member at a time — except the
 * member named `streamedKey`, an array whose elements are emitted one by one and never kept. Parsing is done by
 * `@streamparser/json` (a maintained streaming parser, validated against `JSON.parse` by property tests); this
 * adapter adds the fatal UTF-8 decoding (a leading byte-order mark is skipped), the top-level-object rule and the
 * event shape. Any syntax error (or invalid UTF-8) throws {@link JsonSyntaxError}.
 */
export async function* streamTopLevelObject(source: ByteSource, streamedKey: string): AsyncGenerator<TopLevelEvent> {
  for await (const events of streamTopLevelObjectChunks(source, streamedKey)) yield* events;
}

/**
 * A {@link JsonSyntaxError} in our words from the library's error. Tokenizer errors carry their absolute position;
 * parser errors do not, so they point at the start of the chunk being parsed.
 */
function syntaxError(error: unknown, chunkStart: number): JsonSyntaxError {
  const message = error instanceof Error ? error.message : String(error);
  const absolute = /absolute position "(\d+)"/.exec(message)?.[1];
  const position = absolute === undefined ? chunkStart : Number(absolute);
  const unexpected = /^Unexpected "([\s\S]*)" at chunk position .* in state (\w+)/.exec(message);
  const token = /^Unexpected [A-Z_]+ \(([\s\S]*)\) in state/.exec(message);
  let reason: string;
  if (/ended in (mid-parsing|the middle)/.test(message)) reason = 'unexpected end of input';
  else if (unexpected?.[2] === 'ENDED') reason = 'unexpected data after the end of the document';
  else if (unexpected && unexpected[1]!.length === 1 && unexpected[1]!.charCodeAt(0) < 0x20)
    reason = `raw control character U+${unexpected[1]!.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} in a string (unterminated string?)`;
  else if (unexpected) reason = `unexpected character ${JSON.stringify(unexpected[1])}`;
  else if (token) reason = `unexpected ${token[1]!}`;
  else reason = message.replace(/\.$/, '');
  return new JsonSyntaxError(reason, position);
}

/**
 * {@link streamTopLevelObject}, yielding the events of each input chunk together (one await per chunk instead of one
 * per event: several times faster on large files).
 */
export async function* streamTopLevelObjectChunks(
  source: ByteSource,
  streamedKey: string,
): AsyncGenerator<TopLevelEvent[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = new JSONParser({ paths: ['$.*', `$.${streamedKey}.*`], keepStack: false });
  const events: TopLevelEvent[] = [];
  let fed = 0;
  let started = false;
  let streamedLength = 0;
  parser.onValue = ({ value, key, parent, stack }) => {
    if (stack.length === 2) {
      // An element of the streamed member: hand it out and drop it from the array the parser is building (the parser
      // keeps children of emitted values, and the array itself is emitted as a member when it closes).
      if (Array.isArray(parent)) {
        parent.length -= 1;
        streamedLength = (key as number) + 1;
        events.push({ kind: 'element', key: streamedKey, index: key as number, value });
      } else if (parent !== undefined) delete (parent as Record<string, unknown>)[key as string];
      return;
    }
    if (stack.length !== 1) return;
    if (key === streamedKey && Array.isArray(value)) {
      events.push({ kind: 'array-end', key: streamedKey, length: streamedLength });
    } else events.push({ kind: 'member', key: String(key), value });
  };
  const feed = (text: string) => {
    if (!started) {
      const first = /\S/.exec(text);
      if (first === null) {
        fed += text.length;
        return;
      }
      if (first[0] !== '{') throw new JsonSyntaxError('the document must be a JSON object ({...})', fed + first.index);
      started = true;
    }
    try {
      parser.write(text);
    } catch (error) {
      throw syntaxError(error, fed);
    }
    fed += text.length;
  };

  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  for await (const chunk of input as AsyncIterable<Uint8Array | string>) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new JsonSyntaxError('not valid UTF-8', fed);
    }
    feed(text);
    if (events.length > 0) yield events.splice(0);
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new JsonSyntaxError('not valid UTF-8', fed);
  }
  feed(rest);
  if (!started) throw new JsonSyntaxError('empty document', fed);
  if (!parser.isEnded) {
    try {
      parser.end();
    } catch (error) {
      throw syntaxError(error, fed);
    }
    throw new JsonSyntaxError('unexpected end of input', fed);
  }
  if (events.length > 0) yield events.splice(0);
}
