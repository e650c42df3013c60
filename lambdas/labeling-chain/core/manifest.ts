import { isJsonObject, type JsonLineBatches, notAnObject } from '../../shared/jsonl';

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
export const isManifestLine: (value: unknown) => value is ManifestLine = isJsonObject;

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

/** Label attribute names {@link scanManifest} lists when a requested attribute appears on no line. */
export const MAX_LISTED_LABEL_ATTRIBUTES = 20;

/** The result of {@link scanManifest}. */
export interface ManifestScan {
  /** Non-empty lines read (valid or not). */
  lines: number;
  /** Lines that are not JSON objects (not UTF-8, not JSON, or JSON that is not an object). */
  invalidCount: number;
  /** The first {@link MAX_LISTED_INVALID_LINES} invalid lines with their numbers. */
  invalid: InvalidLine[];
  /** Counters per requested label attribute. */
  counters: Record<string, LabelCounters>;
  /** Requested attributes that appear on no line (neither `<LAN>` nor `<LAN>-metadata`). */
  absent: string[];
  /**
   * When an attribute is absent: the label attributes the manifest does carry (keys with a `-metadata` companion),
   * at most {@link MAX_LISTED_LABEL_ATTRIBUTES}, in the order first seen.
   */
  labelAttributesFound: string[];
}

const METADATA_SUFFIX = '-metadata';

/**
 * Stream a manifest once and count every requested label attribute. Memory stays flat: one batch of lines at a time,
 * plus at most {@link MAX_FAILURE_REASONS} reasons per attribute, {@link MAX_LISTED_INVALID_LINES} invalid lines and
 * {@link MAX_LISTED_LABEL_ATTRIBUTES} attribute names.
 */
export async function scanManifest(
  batches: JsonLineBatches,
  labelAttributeNames: readonly string[],
): Promise<ManifestScan> {
  const attributes = [...new Set(labelAttributeNames)];
  const counters = attributes.map(() => emptyCounters());
  const metadataKeys = attributes.map(metadataKey);
  const seen = attributes.map(() => false);
  let unseen = attributes.length;
  const found = new Set<string>();
  const scan: ManifestScan = {
    lines: 0,
    invalidCount: 0,
    invalid: [],
    counters: Object.fromEntries(attributes.map((name, i) => [name, counters[i]!])),
    absent: [],
    labelAttributesFound: [],
  };
  for await (const batch of batches) {
    for (const line of batch) {
      scan.lines += 1;
      if (!line.ok || !isManifestLine(line.value)) {
        scan.invalidCount += 1;
        if (scan.invalid.length < MAX_LISTED_INVALID_LINES)
          scan.invalid.push({ lineNumber: line.lineNumber, error: line.ok ? notAnObject(line.value) : line.error });
        continue;
      }
      const value = line.value;
      for (let i = 0; i < attributes.length; i += 1) {
        countLine(counters[i]!, labelState(value, attributes[i]!));
        if (!seen[i] && (attributes[i]! in value || metadataKeys[i]! in value)) {
          seen[i] = true;
          unseen -= 1;
        }
      }
      // Only while an attribute is still missing: remember which label attributes the lines carry instead.
      if (unseen > 0 && found.size < MAX_LISTED_LABEL_ATTRIBUTES) {
        for (const key in value) {
          if (key.endsWith(METADATA_SUFFIX) && key.length > METADATA_SUFFIX.length)
            found.add(key.slice(0, -METADATA_SUFFIX.length));
        }
      }
    }
  }
  scan.absent = attributes.filter((_, i) => !seen[i]);
  if (scan.absent.length > 0) scan.labelAttributesFound = [...found].slice(0, MAX_LISTED_LABEL_ATTRIBUTES);
  return scan;
}

/** One line per invalid line, for error messages: `line 3: Unexpected token …`. */
export function describeInvalidLines(scan: Pick<ManifestScan, 'invalid' | 'invalidCount'>): string {
  const listed = scan.invalid.map((i) => `line ${i.lineNumber}: ${i.error}`).join('; ');
  const more = scan.invalidCount - scan.invalid.length;
  return more > 0 ? `${listed}; and ${more} more` : listed;
}
