import { type JsonLine, type JsonLineBatches, notAnObject } from '../../shared/jsonl';
import type { TextLine } from '../../shared/text';
import { isManifestLine, labelState, metadataKey, type ManifestLine } from './manifest';

/** Task types whose labels `import-labels` writes (single-label classification). */
export const IMPORT_TASKS = ['image-classification', 'text-classification'] as const;
/** A task type `import-labels` writes. */
export type ImportTask = (typeof IMPORT_TASKS)[number];

/** Problems listed in detail (the count is always exact). */
export const MAX_LISTED_PROBLEMS = 50;

/** Options of {@link importLabels}. */
export interface ImportLabelsOptions {
  readonly labelAttributeName: string;
  /** Class names; a label's class index is its position here. */
  readonly classes: readonly string[];
  readonly task: ImportTask;
  /** Recorded as `job-name: labeling-job/<jobName>` in the metadata. */
  readonly jobName: string;
  /** Recorded as `creation-date`. */
  readonly now: Date;
  /** Replace labels a line already has for the attribute. @default false: such lines are errors */
  readonly overwrite?: boolean;
}

/** Labels to import: data object (`source-ref`, or inline `source`) → class name, with the CSV line it came from. */
export type LabelTable = Map<string, { className: string; lineNumber: number }>;

/** A list of problems that stops an import, with an exact count. */
export class ProblemList {
  public readonly listed: string[] = [];
  public count = 0;
  add(problem: string): void {
    this.count += 1;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(problem);
  }
  /** Every listed problem on its own line, plus how many more there are. */
  toString(): string {
    const more = this.count - this.listed.length;
    return [...this.listed, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n');
  }
}

/**
 * Split one CSV line (RFC 4180: fields may be quoted, `""` is a quote inside a quoted field).
 * @returns the fields, or undefined when a quote is not closed
 */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let atFieldStart = true;
  while (i < line.length) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i += 1;
      continue;
    } else {
      field += c;
      atFieldStart = false;
    }
    i += 1;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

/**
 * Read third-party labels (`source-ref,label` per line; a header row with those names is skipped). Unknown classes,
 * malformed rows and conflicting duplicates are collected together in `problems`.
 */
export async function readLabelTable(
  batches: AsyncIterable<readonly TextLine[]>,
  classes: readonly string[],
  problems: ProblemList,
): Promise<LabelTable> {
  const known = new Set(classes);
  const table: LabelTable = new Map();
  let first = true;
  for await (const batch of batches) for (const line of batch) readLabelLine(line);
  return table;

  function readLabelLine({ lineNumber, text, error }: TextLine): void {
    if (error !== undefined) {
      problems.add(`labels line ${lineNumber}: ${error}`);
      first = false;
      return;
    }
    const fields = splitCsvLine(text);
    if (first) {
      first = false;
      if (fields?.[0]?.trim().toLowerCase() === 'source-ref' && fields[1]?.trim().toLowerCase() === 'label') return;
    }
    if (!fields || fields.length !== 2) {
      problems.add(
        `labels line ${lineNumber}: expected two fields "source-ref,label", got ${fields ? fields.length : 'an unclosed quote'}`,
      );
      return;
    }
    const source = fields[0]!.trim();
    const className = fields[1]!.trim();
    if (source === '') {
      problems.add(`labels line ${lineNumber}: empty source-ref`);
      return;
    }
    if (!known.has(className)) {
      problems.add(
        `labels line ${lineNumber}: unknown class "${className}" for ${source} (classes: ${classes.join(', ')})`,
      );
      return;
    }
    const previous = table.get(source);
    if (previous && previous.className !== className) {
      problems.add(
        `labels line ${lineNumber}: ${source} is labeled "${className}" here and "${previous.className}" on line ${previous.lineNumber}`,
      );
      return;
    }
    if (!previous) table.set(source, { className, lineNumber });
  }
}

/** What an import did (or would do). */
export interface ImportReport {
  /** Manifest lines read. */
  lines: number;
  /** Lines that received a third-party label. */
  imported: number;
  /** Lines passed through unchanged. */
  unchanged: number;
  /** Problems (invalid manifest lines, already-labeled lines, labels whose source is not in the manifest). */
  problems: ProblemList;
}

/** The data object a manifest line describes: `source-ref`, else inline `source`. */
export function sourceOf(line: ManifestLine): string | undefined {
  const ref = line['source-ref'];
  if (typeof ref === 'string') return ref;
  const inline = line.source;
  return typeof inline === 'string' ? inline : undefined;
}

/** `creation-date` as Ground Truth writes it: ISO 8601 without a zone. */
export function groundTruthDate(date: Date): string {
  return date.toISOString().replace(/Z$/, '');
}

/**
 * Merge third-party labels into a manifest in Ground Truth output format, streaming: each line is written as soon as
 * it is read (unchanged lines byte for byte, labeled lines with every other key kept). Run it once with a no-op
 * `write` to validate, then again to write, so a failed import writes nothing.
 *
 * `problems` receives the label table's problems too; labels whose source never appeared are added at the end.
 */
export async function importLabels(
  batches: JsonLineBatches,
  labels: LabelTable,
  options: ImportLabelsOptions,
  write: (text: string) => void | Promise<void>,
  problems: ProblemList = new ProblemList(),
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, imported: 0, unchanged: 0, problems };
  const seen = new Set<string>();
  const attribute = options.labelAttributeName;
  const metadataName = metadataKey(attribute);
  const creationDate = groundTruthDate(options.now);
  for await (const batch of batches) for (const line of batch) await importLine(line);
  for (const [source, { lineNumber }] of labels) {
    if (!seen.has(source)) problems.add(`labels line ${lineNumber}: ${source} is not in the manifest`);
  }
  return report;

  async function importLine(line: JsonLine): Promise<void> {
    report.lines += 1;
    if (!line.ok || !isManifestLine(line.value)) {
      problems.add(`manifest line ${line.lineNumber}: ${line.ok ? notAnObject(line.value) : line.error}`);
      return;
    }
    const value = line.value;
    const source = sourceOf(value);
    const label = source === undefined ? undefined : labels.get(source);
    if (source === undefined || label === undefined) {
      report.unchanged += 1;
      await write(line.text);
      return;
    }
    seen.add(source);
    if (!options.overwrite && labelState(value, attribute).kind === 'labeled') {
      problems.add(
        `manifest line ${line.lineNumber}: ${source} is already labeled for "${attribute}" (use --overwrite to replace it)`,
      );
      return;
    }
    const classIndex = options.classes.indexOf(label.className);
    const merged: ManifestLine = {
      ...value,
      [attribute]: classIndex,
      [metadataName]: {
        'class-name': label.className,
        confidence: 1,
        type: `groundtruth/${options.task}`,
        'job-name': `labeling-job/${options.jobName}`,
        'human-annotated': 'yes',
        'creation-date': creationDate,
      },
    };
    report.imported += 1;
    await write(JSON.stringify(merged));
  }
}
