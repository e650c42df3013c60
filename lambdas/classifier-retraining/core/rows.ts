import { oneLine, parseCsv } from '../../active-learning/core/csv';
import type { TextLine } from '../../shared/text';
import { COMPREHEND_LIMITS, LABEL_DELIMITER } from '../contract';

/**
 * Reading Comprehend training CSV row by row, streaming: lines (from the shared text reader, so a byte-order mark is
 * skipped, CRLF and LF both end a line, and a line that is not UTF-8 arrives with its error) are assembled into
 * records — a quoted field may hold line breaks, so a record goes on while its quotes are unbalanced — and each record
 * is parsed per RFC 4180 (the project's strict parser, `parseCsv`) and checked against Comprehend's rules.
 *
 * A record that cannot be parsed costs only its first line: the lines after it are read again as new records, so one
 * stray quote never swallows the valid rows that follow (a general CSV parser such as csv-parse skips ahead to the next
 * quote it can close, losing every row in between, and parses a record in about 66 µs here).
 */

/** One valid training row. */
export interface TrainingRow {
  /** The row's classes: one (multi-class), or one or more without duplicates (multi-label). */
  readonly labels: readonly string[];
  /** The document on one line: line breaks are spaces, surrounding white space trimmed. */
  readonly text: string;
  /** 1-based line where the row starts. */
  readonly line: number;
}

/** A row that is not used, and why. */
export interface RejectedRow {
  /** 1-based line where the row starts. */
  readonly line: number;
  readonly reason: string;
}

/** What one record of the input turned out to be. */
export type RowResult =
  { readonly ok: true; readonly row: TrainingRow } | { readonly ok: false; readonly rejected: RejectedRow };

/** Options of {@link readTrainingRows}. */
export interface ReadRowsOptions {
  /** Multi-label data: classes joined by `|`. */
  readonly multiLabel: boolean;
}

/**
 * Longest record the reader assembles while a quote stays open: the largest document, the largest class name (4 bytes a
 * character), quotes and commas. Past it the record's first line is rejected as an unterminated quote.
 */
export const MAX_RECORD_BYTES =
  2 * (COMPREHEND_LIMITS.MAX_DOCUMENT_BYTES + 4 * COMPREHEND_LIMITS.MAX_CLASS_NAME_CHARS) + 16;

interface Pending {
  lines: TextLine[];
  bytes: number;
  quotes: number;
}

/** Count of `"` in a string. */
function quoteCount(text: string): number {
  let count = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) count += 1;
  return count;
}

/**
 * Stream the rows of one training CSV source (its lines from `readLineBatches(…, { keepBlankLines: true })`): every
 * record comes out either as a valid row or as a rejected row with its line and reason; nothing is dropped silently.
 * Blank lines between records are skipped.
 */
export async function* readTrainingRows(
  batches: AsyncIterable<readonly TextLine[]>,
  options: ReadRowsOptions,
): AsyncGenerator<RowResult[]> {
  const pending: Pending = { lines: [], bytes: 0, quotes: 0 };
  for await (const batch of batches) {
    const out: RowResult[] = [];
    for (const line of batch) feed(line, pending, options, out);
    if (out.length > 0) yield out;
  }
  const out: RowResult[] = [];
  drain(pending, options, out);
  if (out.length > 0) yield out;
}

function feed(line: TextLine, pending: Pending, options: ReadRowsOptions, out: RowResult[]): void {
  if (line.error !== undefined) {
    // The record in progress cannot be completed by a line that is not text: settle it, then report the line.
    drain(pending, options, out);
    out.push({ ok: false, rejected: { line: line.lineNumber, reason: line.error } });
    return;
  }
  if (pending.lines.length === 0 && line.text.trim() === '') return;
  pending.lines.push(line);
  pending.bytes += line.text.length * 3 + 1;
  pending.quotes += quoteCount(line.text);
  if (pending.quotes % 2 === 0) complete(pending, options, out);
  else if (pending.bytes > MAX_RECORD_BYTES) {
    rejectFirstAndRefeed(pending, options, out, 'the quoted field is not closed');
  }
}

/** The input ended (or a line broke the record): every pending line is settled. */
function drain(pending: Pending, options: ReadRowsOptions, out: RowResult[]): void {
  while (pending.lines.length > 0) {
    if (pending.quotes % 2 === 0) complete(pending, options, out);
    else rejectFirstAndRefeed(pending, options, out, 'the quoted field is not closed before the end of the file');
  }
}

/** The pending lines hold balanced quotes: parse them as one record. */
function complete(pending: Pending, options: ReadRowsOptions, out: RowResult[]): void {
  const first = pending.lines[0]!;
  // The reader took one CR off each CRLF: joined with CRLF, the text turns into the same spaces as the original.
  const record = pending.lines.length === 1 ? first.text : pending.lines.map((l) => l.text).join('\r\n');
  const fields = splitRecord(record);
  if (typeof fields === 'string' && pending.lines.length > 1) {
    // Joining lines was a guess (an open quote): the first line alone is the bad one.
    rejectFirstAndRefeed(pending, options, out, fields);
    return;
  }
  clear(pending);
  out.push(
    typeof fields === 'string'
      ? { ok: false, rejected: { line: first.lineNumber, reason: fields } }
      : checkRow(fields[0], fields[1], first.lineNumber, options),
  );
}

/** Reject the first pending line and read the lines after it again, as new records. */
function rejectFirstAndRefeed(pending: Pending, options: ReadRowsOptions, out: RowResult[], reason: string): void {
  const [first, ...rest] = pending.lines;
  clear(pending);
  if (first) out.push({ ok: false, rejected: { line: first.lineNumber, reason } });
  for (const line of rest) feed(line, pending, options, out);
}

function clear(pending: Pending): void {
  pending.lines = [];
  pending.bytes = 0;
  pending.quotes = 0;
}

/** `LABEL, "text"` (white space before the opening quote, as in Comprehend's own example) is read as `LABEL,"text"`. */
const SPACE_BEFORE_QUOTE = /^([^",]*),[ \t]+"/;

/**
 * The two fields of one CSV record (its lines joined with CRLF), or why it is not a two-column record.
 */
export function splitRecord(record: string): [string, string] | string {
  let fields: string[];
  if (!record.includes('"')) {
    fields = record.split(',');
  } else {
    try {
      const rows = parseCsv(record.replace(SPACE_BEFORE_QUOTE, '$1,"'));
      if (rows.length !== 1) return 'not one CSV record';
      fields = rows[0]!;
    } catch (error) {
      return `not valid CSV (RFC 4180): ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (fields.length !== 2) {
    return `expected 2 columns (label,text), found ${fields.length}${fields.length > 2 ? ': quote a text that holds commas' : ''}`;
  }
  return [fields[0]!, fields[1]!];
}

/** Comprehend's rules for one row's class column and document. */
export function checkRow(labelField: string, textField: string, line: number, options: ReadRowsOptions): RowResult {
  const reject = (reason: string): RowResult => ({ ok: false, rejected: { line, reason } });
  const label = labelField.trim();
  if (label === '') return reject('empty label');
  if (/[\r\n\u2028\u2029\u0085]/.test(label)) return reject('a class name holds a line break');
  let labels: string[];
  if (options.multiLabel) {
    const parts = label.split(LABEL_DELIMITER).map((p) => p.trim());
    if (parts.some((p) => p === '')) return reject(`empty class in "${shorten(label)}"`);
    labels = [...new Set(parts)];
  } else {
    if (label.includes(LABEL_DELIMITER))
      return reject(`multi-label row ("${shorten(label)}") in multi-class data: one class per row`);
    labels = [label];
  }
  const long = labels.find((l) => l.length > COMPREHEND_LIMITS.MAX_CLASS_NAME_CHARS);
  if (long !== undefined)
    return reject(
      `class name of ${long.length} characters (Comprehend allows ${COMPREHEND_LIMITS.MAX_CLASS_NAME_CHARS})`,
    );
  const text = oneLine(textField).trim();
  if (text === '') return reject('empty document');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > COMPREHEND_LIMITS.MAX_DOCUMENT_BYTES)
    return reject(`document of ${bytes} bytes (the limit is ${COMPREHEND_LIMITS.MAX_DOCUMENT_BYTES} bytes of UTF-8)`);
  return { ok: true, row: { labels, text, line } };
}

function shorten(value: string, max = 60): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
