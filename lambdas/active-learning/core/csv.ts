/**
 * Comprehend training CSV (plain-text models): no header, `LABEL,text` (multi-label `A|B,text`), UTF-8, every row
 * ending with `\n`. Fields are quoted per RFC 4180 when they hold a comma, a quote, a line break or surrounding
 * spaces, with inner quotes doubled. Line breaks inside a document are replaced by spaces: Comprehend reads one
 * document per row.
 */

/** One RFC 4180 field. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A document's text on one line (CR, LF, CRLF and Unicode line/paragraph separators become spaces). */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' ');
}

/** Multi-label delimiter of Comprehend training data. */
export const LABEL_DELIMITER = '|';

/** One newline-terminated training row. */
export function trainingRow(labels: readonly string[], text: string): string {
  if (labels.length === 0) throw new Error('A training row needs at least one label');
  return `${csvField(labels.join(LABEL_DELIMITER))},${csvField(oneLine(text))}\n`;
}

/**
 * Parse CSV text per RFC 4180 (quoted fields, doubled quotes, CRLF or LF). Used by tests and by the CLI to check
 * what it wrote.
 * @throws Error on an unterminated quoted field or a quote in the middle of an unquoted field.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
          throw new Error(`Unexpected character after a quoted field at ${i}`);
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (fieldStarted) throw new Error(`Quote inside an unquoted field at ${i}`);
      quoted = true;
      fieldStarted = true;
      i += 1;
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
      i += 1;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      fieldStarted = true;
      i += 1;
    }
  }
  if (quoted) throw new Error('Unterminated quoted field');
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
