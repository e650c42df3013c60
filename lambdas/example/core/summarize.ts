import type { JsonLine } from '../../shared/jsonl';
import { EXAMPLE_INCOMING_PREFIX, EXAMPLE_SUMMARY_PREFIX } from '../contract';

/** What the inspector reports for one JSON-lines object. */
export interface JsonLinesSummary {
  /** Non-empty lines read. */
  lines: number;
  /** Lines that are JSON objects. */
  objects: number;
  /** Lines that are not JSON. */
  invalid: number;
  /** The first invalid lines, with their numbers and parse errors. */
  firstErrors: { lineNumber: number; error: string }[];
  /** How often each top-level key occurs among the objects. */
  keys: Record<string, number>;
}

/** How many invalid lines a summary lists in detail. */
export const MAX_LISTED_ERRORS = 10;

/** Summarize a stream of JSON lines: counts, the first errors and the key histogram. Memory grows only with distinct keys. */
export async function summarize(lines: AsyncIterable<JsonLine>): Promise<JsonLinesSummary> {
  const summary: JsonLinesSummary = { lines: 0, objects: 0, invalid: 0, firstErrors: [], keys: {} };
  for await (const line of lines) {
    summary.lines += 1;
    if (!line.ok) {
      summary.invalid += 1;
      if (summary.firstErrors.length < MAX_LISTED_ERRORS) {
        summary.firstErrors.push({ lineNumber: line.lineNumber, error: line.error });
      }
      continue;
    }
    if (typeof line.value === 'object' && line.value !== null && !Array.isArray(line.value)) {
      summary.objects += 1;
      for (const key of Object.keys(line.value)) summary.keys[key] = (summary.keys[key] ?? 0) + 1;
    }
  }
  return summary;
}

/** The summary key for an upload key: `incoming/a/b.jsonl` → `summaries/a/b.jsonl.summary.json`. */
export function summaryKeyFor(key: string): string {
  const relative = key.startsWith(EXAMPLE_INCOMING_PREFIX) ? key.slice(EXAMPLE_INCOMING_PREFIX.length) : key;
  return `${EXAMPLE_SUMMARY_PREFIX}${relative}.summary.json`;
}
