import { isJsonObject, type JsonLineBatches, notAnObject } from '../../shared/jsonl';
import { EXAMPLE_INCOMING_PREFIX, EXAMPLE_SUMMARY_PREFIX } from '../contract';

/** What the inspector reports for one JSON-lines object. Every line is counted once: `lines = objects + invalid + blank`. */
export interface JsonLinesSummary {
  /** Every line read, blank ones included. */
  lines: number;
  /** Lines that are JSON objects. */
  objects: number;
  /** Lines that are not JSON objects: not UTF-8, not JSON, or JSON of another kind (an array, a number, …). */
  invalid: number;
  /** Lines that are empty or hold only whitespace. */
  blank: number;
  /** The first invalid lines, with their numbers and why. */
  firstErrors: { lineNumber: number; error: string }[];
  /** How often each top-level key occurs among the objects. */
  keys: Record<string, number>;
}

/** How many invalid lines a summary lists in detail. */
export const MAX_LISTED_ERRORS = 10;

/**
 * Summarize a stream of JSON lines (read with `keepBlankLines` so blank lines are counted): counts, the first errors
 * and the key histogram. Memory grows only with distinct keys.
 */
export async function summarize(batches: JsonLineBatches): Promise<JsonLinesSummary> {
  const summary: JsonLinesSummary = { lines: 0, objects: 0, invalid: 0, blank: 0, firstErrors: [], keys: {} };
  const invalid = (lineNumber: number, error: string) => {
    summary.invalid += 1;
    if (summary.firstErrors.length < MAX_LISTED_ERRORS) summary.firstErrors.push({ lineNumber, error });
  };
  for await (const batch of batches) {
    for (const line of batch) {
      summary.lines += 1;
      if (!line.ok) {
        if (line.blank) summary.blank += 1;
        else invalid(line.lineNumber, line.error);
      } else if (isJsonObject(line.value)) {
        summary.objects += 1;
        for (const key of Object.keys(line.value)) summary.keys[key] = (summary.keys[key] ?? 0) + 1;
      } else invalid(line.lineNumber, notAnObject(line.value));
    }
  }
  return summary;
}

/** The summary key for an upload key: `incoming/a/b.jsonl` → `summaries/a/b.jsonl.summary.json`. */
export function summaryKeyFor(key: string): string {
  const relative = key.startsWith(EXAMPLE_INCOMING_PREFIX) ? key.slice(EXAMPLE_INCOMING_PREFIX.length) : key;
  return `${EXAMPLE_SUMMARY_PREFIX}${relative}.summary.json`;
}
