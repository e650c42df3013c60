import { createReadStream } from 'node:fs';
import { type Readable } from 'node:stream';
import { type ByteSource, LINE_BATCH_BYTES, type ReadLinesOptions, readLineBatches } from './text';

export { type ByteSource, type ReadLinesOptions } from './text';

/** One line of a JSON-lines source: parsed, or why it could not be (not UTF-8, not JSON, blank when kept). */
export type JsonLine =
  | { readonly lineNumber: number; readonly ok: true; readonly value: unknown; readonly text: string }
  | {
      readonly lineNumber: number;
      readonly ok: false;
      readonly error: string;
      readonly text: string;
      /** A blank line (only with `keepBlankLines`). */
      readonly blank?: true;
    };

/** JSON lines in batches (see {@link readLineBatches}). */
export type JsonLineBatches = AsyncIterable<readonly JsonLine[]>;

/**
 * Stream a JSON-lines source as batches: each non-empty line parsed, or reported with its line number when it is not
 * UTF-8 or not JSON. Built on the shared text reader (BOM skipped, flat memory, no per-line promise). Never throws for
 * bad lines; the caller decides whether a bad line fails the whole input.
 * @throws TextEncodingError for UTF-16 input.
 */
export async function* readJsonLineBatches(
  source: ByteSource,
  options: ReadLinesOptions = {},
): AsyncGenerator<JsonLine[]> {
  for await (const batch of readLineBatches(source, options)) {
    const out: JsonLine[] = new Array<JsonLine>(batch.length);
    for (let i = 0; i < batch.length; i += 1) {
      const { lineNumber, text, error, blank } = batch[i]!;
      if (blank) out[i] = { lineNumber, ok: false, error: 'blank line', text, blank };
      else if (error !== undefined) out[i] = { lineNumber, ok: false, error, text };
      else {
        try {
          out[i] = { lineNumber, ok: true, value: JSON.parse(text) as unknown, text };
        } catch (e) {
          out[i] = { lineNumber, ok: false, error: e instanceof Error ? e.message : String(e), text };
        }
      }
    }
    yield out;
  }
}

/**
 * {@link readJsonLineBatches} one line at a time, for small inputs where a promise per line does not matter. Scans of
 * large inputs iterate the batches.
 */
export async function* readJsonLines(source: ByteSource, options: ReadLinesOptions = {}): AsyncGenerator<JsonLine> {
  for await (const batch of readJsonLineBatches(source, options)) yield* batch;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a parsed line is not a JSON object: `not a JSON object (an array)`. */
export function notAnObject(value: unknown): string {
  const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
  return `not a JSON object (${kind})`;
}

/** A local file as a byte source (for the CLI and tests), read in chunks of one line batch. */
export function openLocalFile(path: string): Readable {
  return createReadStream(path, { highWaterMark: LINE_BATCH_BYTES });
}
