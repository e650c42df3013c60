import type { JsonLine } from '../../shared/jsonl';

/**
 * The one streaming Ground Truth manifest core, shared by the planning Lambda and `mlw manifest stats`.
 *
 * Rules (FORMATS.md, SageMaker Ground Truth): for a label attribute name (LAN), a line whose `<LAN>-metadata` carries
 * `failure-reason` is *failed* (failed or expired object: it needs labeling again); otherwise a line with the `<LAN>`
 * key is *labeled* (by a machine when its metadata says `"human-annotated": "no"`, by a person otherwise); a line
 * without the key is *unlabeled*. Unknown keys are ignored, never rejected.
 */

/** Counters of one label attribute over a manifest. `total = labeled + failed + unlabeled`. */
export interface LabelCounters {
  /** Manifest lines that are JSON objects. */
  total: number;
  /** Lines with the attribute and no `failure-reason` (`humanLabeled + machineLabeled`). */
  labeled: number;
  /** Labeled lines whose metadata does not say `"human-annotated": "no"`. */
  humanLabeled: number;
  /** Labeled lines whose metadata says `"human-annotated": "no"` (automated data labeling). */
  machineLabeled: number;
  /** Lines whose metadata carries `failure-reason`. */
  failed: number;
  /** Lines without the attribute. */
  unlabeled: number;
  /** `failed + unlabeled`: what a continued job sends to workers. */
  needsLabeling: number;
  /** Failure reason → number of failed lines (at most {@link MAX_FAILURE_REASONS} distinct reasons). */
  failureReasons: Record<string, number>;
}

/** Distinct failure reasons kept per attribute; further reasons are counted under {@link OTHER_FAILURE_REASONS}. */
export const MAX_FAILURE_REASONS = 50;
/** Bucket for failure reasons beyond {@link MAX_FAILURE_REASONS}. */
export const OTHER_FAILURE_REASONS = '(other reasons)';
/** Failure reasons longer than this are cut (memory stays bounded whatever the input). */
export const MAX_FAILURE_REASON_LENGTH = 256;
/** Invalid lines listed in detail by {@link scanManifest}. */
export const MAX_LISTED_INVALID_LINES = 20;

/** Where one manifest line stands for one label attribute. */
export type LabelState =
  | { readonly kind: 'labeled'; readonly human: boolean }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'unlabeled' };

/** A JSON object (a manifest line). */
export type ManifestLine = Record<string, unknown>;

/** True for a plain JSON object. */
export function isManifestLine(value: unknown): value is ManifestLine {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The metadata key of a label attribute: `<LAN>-metadata`. */
export function metadataKey(labelAttributeName: string): string {
  return `${labelAttributeName}-metadata`;
}

/** The state of one manifest line for one label attribute. */
export function labelState(line: ManifestLine, labelAttributeName: string): LabelState {
  const metadata = line[metadataKey(labelAttributeName)];
  if (isManifestLine(metadata) && 'failure-reason' in metadata) {
    const reason = metadata['failure-reason'];
    const text = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'unknown';
    return {
      kind: 'failed',
      reason: text.length > MAX_FAILURE_REASON_LENGTH ? `${text.slice(0, MAX_FAILURE_REASON_LENGTH)}…` : text,
    };
  }
  const label = line[labelAttributeName];
  if (label === undefined || label === null) return { kind: 'unlabeled' };
  const humanAnnotated = isManifestLine(metadata) ? metadata['human-annotated'] : undefined;
  return { kind: 'labeled', human: !(humanAnnotated === 'no' || humanAnnotated === false) };
}

/** Empty counters. */
export function emptyCounters(): LabelCounters {
  return {
    total: 0,
    labeled: 0,
    humanLabeled: 0,
    machineLabeled: 0,
    failed: 0,
    unlabeled: 0,
    needsLabeling: 0,
    failureReasons: {},
  };
}

/** Add one line to the counters (in place). */
export function countLine(counters: LabelCounters, state: LabelState): void {
  counters.total += 1;
  switch (state.kind) {
    case 'labeled':
      counters.labeled += 1;
      if (state.human) counters.humanLabeled += 1;
      else counters.machineLabeled += 1;
      break;
    case 'failed': {
      counters.failed += 1;
      counters.needsLabeling += 1;
      const reasons = counters.failureReasons;
      const key =
        state.reason in reasons || Object.keys(reasons).length < MAX_FAILURE_REASONS
          ? state.reason
          : OTHER_FAILURE_REASONS;
      reasons[key] = (reasons[key] ?? 0) + 1;
      break;
    }
    default:
      counters.unlabeled += 1;
      counters.needsLabeling += 1;
  }
}

/** A line that is not a JSON object. */
export interface InvalidLine {
  readonly lineNumber: number;
  readonly error: string;
}

/** The result of {@link scanManifest}. */
export interface ManifestScan {
  /** Non-empty lines read (valid or not). */
  lines: number;
  /** Lines that are not JSON objects. */
  invalidCount: number;
  /** The first {@link MAX_LISTED_INVALID_LINES} invalid lines with their numbers. */
  invalid: InvalidLine[];
  /** Counters per requested label attribute. */
  counters: Record<string, LabelCounters>;
}

/**
 * Stream a manifest once and count every requested label attribute. Memory stays flat: one line at a time, plus at
 * most {@link MAX_FAILURE_REASONS} reasons per attribute and {@link MAX_LISTED_INVALID_LINES} invalid lines.
 */
export async function scanManifest(
  lines: AsyncIterable<JsonLine>,
  labelAttributeNames: readonly string[],
): Promise<ManifestScan> {
  const attributes = [...new Set(labelAttributeNames)];
  const scan: ManifestScan = {
    lines: 0,
    invalidCount: 0,
    invalid: [],
    counters: Object.fromEntries(attributes.map((name) => [name, emptyCounters()])),
  };
  for await (const line of lines) {
    scan.lines += 1;
    const error = !line.ok ? line.error : isManifestLine(line.value) ? undefined : 'not a JSON object';
    if (error !== undefined || !line.ok) {
      scan.invalidCount += 1;
      if (scan.invalid.length < MAX_LISTED_INVALID_LINES)
        scan.invalid.push({ lineNumber: line.lineNumber, error: error ?? 'invalid' });
      continue;
    }
    const value = line.value as ManifestLine;
    for (const name of attributes) countLine(scan.counters[name]!, labelState(value, name));
  }
  return scan;
}

/** One line per invalid line, for error messages: `line 3: Unexpected token …`. */
export function describeInvalidLines(scan: Pick<ManifestScan, 'invalid' | 'invalidCount'>): string {
  const listed = scan.invalid.map((i) => `line ${i.lineNumber}: ${i.error}`).join('; ');
  const more = scan.invalidCount - scan.invalid.length;
  return more > 0 ? `${listed}; and ${more} more` : listed;
}
