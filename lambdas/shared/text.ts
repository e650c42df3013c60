import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ValidationError } from './errors';

/**
 * The one way text enters the project: bytes (a file, an S3 object, a request body) → UTF-8 text. Every text input
 * (Ground Truth manifests, CSV label imports, JSON-lines uploads, batch JSON files, request bodies) goes through the
 * {@link Utf8Chunker} here, so each of them skips a UTF-8 byte-order mark, refuses UTF-16, and reports invalid UTF-8
 * with its position instead of storing replacement characters.
 *
 * - {@link readLineBatches}: a chunked line splitter (one batch of lines per chunk read, no per-line promise, memory
 *   flat whatever the size: one chunk plus the partial line that crosses into the next);
 * - {@link readUtf8Text}: text chunks for streaming parsers (a character split across chunks waits for the rest);
 * - {@link decodeUtf8}: a whole byte array at once (request bodies, small files).
 */

/** A byte source: a Node stream or any async iterable of chunks (an S3 `Body`, a file stream, a generator). */
export type ByteSource = Readable | AsyncIterable<Uint8Array | string>;

/** The text is not UTF-8 (invalid bytes, or a UTF-16 file). `byteOffset` is 0-based from the start of the input. */
export class TextEncodingError extends ValidationError {
  constructor(
    message: string,
    public readonly byteOffset: number,
  ) {
    super(message);
  }
}

const BOM = [0xef, 0xbb, 0xbf] as const;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The 0-based offset of the first byte that does not belong to a valid UTF-8 sequence (overlong forms, surrogates and
 * code points above U+10FFFF are invalid, as in the WHATWG decoder), or -1 when every byte does. Only for error
 * messages: the fast path validates whole chunks with `buffer.isUtf8`.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k += 1) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

function describeInvalid(bytes: Uint8Array, at: number): string {
  return `byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Bytes ready to decode: complete lines (`line` cut) or complete characters (`character` cut). */
export interface Utf8Region {
  readonly bytes: Buffer;
  /** 0-based offset of `bytes[0]` in the input (a skipped byte-order mark counts). */
  readonly offset: number;
  /** `buffer.isUtf8(bytes)`. */
  readonly valid: boolean;
}

/**
 * Cuts a byte stream into regions that can be decoded on their own: after the last newline of what has arrived
 * (`line`), or after the last complete character (`character`). At the start it skips a UTF-8 byte-order mark and
 * refuses a UTF-16 one. Holds at most the bytes after the last cut (a partial line or character).
 */
export class Utf8Chunker {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private consumed = 0;
  private started = false;

  constructor(
    private readonly cut: 'line' | 'character',
    /** Names the input in error messages (`manifest s3://…`). */
    private readonly what = 'the input',
  ) {}

  /** Add a chunk; returns the region it completes, if any. */
  public push(chunk: Uint8Array): Utf8Region | undefined {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return undefined;
    if (!this.started && this.pendingLength + bytes.length < BOM.length) {
      this.hold(bytes);
      return undefined;
    }
    const whole = this.pendingLength > 0 ? Buffer.concat([...this.pending, bytes]) : bytes;
    const start = this.started ? 0 : this.skipByteOrderMark(whole);
    const cutAt = this.cut === 'line' ? whole.lastIndexOf(NEWLINE) + 1 : completeCharacters(whole);
    if (cutAt <= start) {
      this.reset();
      this.hold(start > 0 ? whole.subarray(start) : whole);
      return undefined;
    }
    const region = this.region(whole.subarray(start, cutAt));
    this.reset();
    if (cutAt < whole.length) this.hold(whole.subarray(cutAt));
    return region;
  }

  /** The input ended: the rest (a last line without newline, or an incomplete character, which is invalid). */
  public end(): Utf8Region | undefined {
    const whole = Buffer.concat(this.pending);
    const start = this.started ? 0 : this.skipByteOrderMark(whole);
    this.reset();
    return whole.length > start ? this.region(whole.subarray(start)) : undefined;
  }

  private region(bytes: Buffer): Utf8Region {
    const offset = this.consumed;
    this.consumed += bytes.length;
    return { bytes, offset, valid: isUtf8(bytes) };
  }

  private skipByteOrderMark(whole: Buffer): number {
    this.started = true;
    if ((whole[0] === 0xff && whole[1] === 0xfe) || (whole[0] === 0xfe && whole[1] === 0xff)) {
      throw new TextEncodingError(
        `${this.what} is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8`,
        0,
      );
    }
    const skipped = whole[0] === BOM[0] && whole[1] === BOM[1] && whole[2] === BOM[2] ? BOM.length : 0;
    this.consumed += skipped;
    return skipped;
  }

  private hold(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
  }

  private reset(): void {
    this.pending = [];
    this.pendingLength = 0;
  }
}

/** Length of the prefix of `bytes` that ends on a character boundary (an incomplete last character waits). */
function completeCharacters(bytes: Buffer): number {
  const end = bytes.length;
  for (let i = end - 1; i >= Math.max(0, end - 4); i -= 1) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + length <= end ? end : i;
  }
  return end;
}

/** Options of {@link readLineBatches} and {@link readUtf8Text}. */
export interface ReadTextOptions {
  /** Decompress gzip first (Firehose GZIP output, `*.gz`). @default false */
  readonly gunzip?: boolean;
  /** Called with the number of bytes read so far (before decompression), for progress bars. */
  readonly onBytes?: (bytes: number) => void;
  /** Names the input in error messages. @default "the input" */
  readonly what?: string;
}

/** Options of {@link readLineBatches}. */
export interface ReadLinesOptions extends ReadTextOptions {
  /** Yield blank (whitespace-only) lines too, with `blank: true`. @default false: skipped, but counted in line numbers */
  readonly keepBlankLines?: boolean;
}

/** One line of text, 1-based. `error` is set (and `text` holds U+FFFD in place of bad bytes) when it is not UTF-8. */
export interface TextLine {
  readonly lineNumber: number;
  readonly text: string;
  readonly error?: string;
  readonly blank?: true;
}

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // Most lines start with "{" and end with "}": only lines that start or end with a space (or non-ASCII) are trimmed.
  return (first <= 0x20 || first >= 0x80 || last <= 0x20 || last >= 0x80) && text.trim() === '';
}

/** Splits regions into lines: CRLF or LF, 1-based line numbers across regions, bad UTF-8 reported per line. */
class LineSplitter {
  private lineNumber = 0;

  constructor(private readonly keepBlank: boolean) {}

  public split(region: Utf8Region, out: TextLine[]): void {
    if (region.valid) this.splitText(region.bytes.toString('utf8'), out);
    else this.splitBytes(region.bytes, out);
  }

  private add(text: string, out: TextLine[], error?: string): void {
    this.lineNumber += 1;
    if (error !== undefined) out.push({ lineNumber: this.lineNumber, text, error });
    else if (!isBlank(text)) out.push({ lineNumber: this.lineNumber, text });
    else if (this.keepBlank) out.push({ lineNumber: this.lineNumber, text, blank: true });
  }

  private splitText(text: string, out: TextLine[]): void {
    const length = text.length;
    let pos = 0;
    while (pos < length) {
      const newline = text.indexOf('\n', pos);
      const end = newline === -1 ? length : newline;
      const stop = end > pos && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end;
      this.add(text.slice(pos, stop), out);
      pos = end + 1;
    }
  }

  private splitBytes(bytes: Buffer, out: TextLine[]): void {
    let pos = 0;
    while (pos < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, pos);
      const end = newline === -1 ? bytes.length : newline;
      const stop = end > pos && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
      const line = bytes.subarray(pos, stop);
      if (isUtf8(line)) this.add(line.toString('utf8'), out);
      else {
        const at = invalidUtf8Offset(line);
        this.add(line.toString('utf8'), out, `not valid UTF-8: ${describeInvalid(line, at)} at column ${at + 1}`);
      }
      pos = end + 1;
    }
  }
}

/**
 * Bytes of lines per batch. Small batches keep the lines and values a consumer is working on young, so V8 collects
 * them in the nursery instead of promoting them: measured on 1M manifest lines, 1 MiB batches peaked 90 MiB above an
 * empty process and grew with the input, 64 KiB batches stayed about 20 MiB above it, flat, at the same CPU time.
 */
export const LINE_BATCH_BYTES = 64 * 1024;

/** The lines of a region in batches of about {@link LINE_BATCH_BYTES} (cut at newlines), whatever the chunk size. */
function* batchesOf(region: Utf8Region, splitter: LineSplitter): Generator<TextLine[]> {
  const { bytes } = region;
  let pos = 0;
  while (pos < bytes.length) {
    const newline = bytes.length - pos > LINE_BATCH_BYTES ? bytes.indexOf(NEWLINE, pos + LINE_BATCH_BYTES) : -1;
    const end = newline === -1 ? bytes.length : newline + 1;
    const part = pos === 0 && end === bytes.length ? bytes : bytes.subarray(pos, end);
    const lines: TextLine[] = [];
    splitter.split({ bytes: part, offset: region.offset + pos, valid: region.valid || isUtf8(part) }, lines);
    if (lines.length > 0) yield lines;
    pos = end;
  }
}

function openBytes(source: ByteSource, options: ReadTextOptions): Readable {
  let input: Readable = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  if (options.onBytes) {
    let bytes = 0;
    const onBytes = options.onBytes;
    input.on('data', (chunk: Buffer | string) => {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      onBytes(bytes);
    });
  }
  if (options.gunzip) input = input.pipe(createGunzip());
  return input;
}

function toBytes(chunk: unknown): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array);
}

/**
 * Stream the lines of a text source in batches of about {@link LINE_BATCH_BYTES}: iterate with
 * `for await (const batch of …) for (const line of batch)`, so the per-line cost is a string slice, not a promise.
 * Handles `\n` and `\r\n`, a UTF-8 BOM (skipped), multi-byte characters and CRLFs split across chunks, and a last line
 * without a newline. A line that is not UTF-8 comes with `error`; the rest of the input is read as usual.
 *
 * @throws TextEncodingError when the input is UTF-16 (a UTF-16 byte-order mark).
 */
export async function* readLineBatches(source: ByteSource, options: ReadLinesOptions = {}): AsyncGenerator<TextLine[]> {
  const input = openBytes(source, options);
  const chunker = new Utf8Chunker('line', options.what);
  const splitter = new LineSplitter(options.keepBlankLines === true);
  try {
    for await (const chunk of input) {
      const region = chunker.push(toBytes(chunk));
      if (region) yield* batchesOf(region, splitter);
    }
    const last = chunker.end();
    if (last) yield* batchesOf(last, splitter);
  } finally {
    input.destroy();
  }
}

/**
 * Stream a source as UTF-8 text chunks for a streaming parser (a character split across chunks waits for the rest).
 * The byte-order mark is skipped.
 * @throws TextEncodingError at the first invalid byte (with its offset) or for UTF-16 input.
 */
export async function* readUtf8Text(source: ByteSource, options: ReadTextOptions = {}): AsyncGenerator<string> {
  const input = openBytes(source, options);
  const chunker = new Utf8Chunker('character', options.what);
  const decode = (region: Utf8Region): string => decodeRegion(region, options.what ?? 'the input');
  try {
    for await (const chunk of input) {
      const region = chunker.push(toBytes(chunk));
      if (region) yield decode(region);
    }
    const last = chunker.end();
    if (last) yield decode(last);
  } finally {
    input.destroy();
  }
}

/**
 * Decode a whole byte array (a request body, a small file) as UTF-8: the byte-order mark is skipped.
 * @throws TextEncodingError naming `what` and the first invalid byte, or UTF-16 input.
 */
export function decodeUtf8(bytes: Uint8Array, what = 'the input'): string {
  const chunker = new Utf8Chunker('character', what);
  const head = chunker.push(bytes);
  const tail = chunker.end();
  return (head ? decodeRegion(head, what) : '') + (tail ? decodeRegion(tail, what) : '');
}

/** The text of a region. @throws TextEncodingError at its first invalid byte. */
function decodeRegion(region: Utf8Region, what: string): string {
  if (region.valid) return region.bytes.toString('utf8');
  const at = invalidUtf8Offset(region.bytes);
  // An incomplete last character has no invalid byte of its own: the input ends inside it.
  const where = at === -1 ? region.bytes.length : at;
  const reason = at === -1 ? 'it ends inside a character' : describeInvalid(region.bytes, at);
  throw new TextEncodingError(
    `${what} is not valid UTF-8: ${reason} at byte ${region.offset + where}`,
    region.offset + where,
  );
}
