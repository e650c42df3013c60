import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A byte source: a Node stream or any async iterable of chunks (an S3 `Body`, a file stream, a generator). */
export type ByteSource = Readable | AsyncIterable<Uint8Array | string>;

/** One line of a JSON-lines source. */
export type JsonLine =
  | { readonly lineNumber: number; readonly ok: true; readonly value: unknown; readonly text: string }
  | { readonly lineNumber: number; readonly ok: false; readonly error: string; readonly text: string };

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Decompress gzip first (Firehose GZIP output, `*.gz`). @default false */
  readonly gunzip?: boolean;
  /** Called with the number of bytes read so far (before decompression), for progress bars. */
  readonly onBytes?: (bytes: number) => void;
}

/**
 * Stream the text lines of a source, one at a time, with their 1-based line numbers. Memory stays flat whatever the
 * size: only the current line is held. Handles `\n` and `\r\n`, multi-byte UTF-8 split across chunks, and a last line
 * with no newline. Empty lines are skipped (but counted).
 */
export async function* readLines(
  source: ByteSource,
  options: ReadLinesOptions = {},
): AsyncGenerator<{ lineNumber: number; text: string }> {
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
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber += 1;
      if (text.trim() === '') continue;
      yield { lineNumber, text };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/**
 * Stream a JSON-lines source: each non-empty line parsed, or reported with its line number when it is not JSON.
 * Never throws for bad lines; the caller decides whether a bad line fails the whole input.
 */
export async function* readJsonLines(source: ByteSource, options: ReadLinesOptions = {}): AsyncGenerator<JsonLine> {
  for await (const { lineNumber, text } of readLines(source, options)) {
    try {
      yield { lineNumber, ok: true, value: JSON.parse(text) as unknown, text };
    } catch (error) {
      yield { lineNumber, ok: false, error: error instanceof Error ? error.message : String(error), text };
    }
  }
}

/** A local file as a byte source (for the CLI and tests). */
export function openLocalFile(path: string): Readable {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}
