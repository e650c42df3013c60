import { createHash } from 'node:crypto';
import { trainingRow } from '../../active-learning/core/csv';
import { type ByteSource, TextEncodingError, readLineBatches } from '../../shared/text';
import { COMPREHEND_LIMITS, LABEL_DELIMITER } from '../contract';
import { type RejectedRow, readTrainingRows } from './rows';

/**
 * The prepare core: merge a base training set with every reviewed CSV file, drop exact duplicates (same document; the
 * row read last wins, so a reviewed label beats the base set and a later review beats an earlier one), check every row,
 * count documents per class and decide whether training may start — then, in a second pass over the same sources,
 * write the one training file.
 *
 * Memory: the sources are streamed (the shared text reader); what is kept is one 20-character digest and a few bytes
 * per distinct document (about 100 bytes each in a V8 Map: 1M documents ≈ 100 MiB), never the documents themselves.
 * The two passes read the same object versions, so they see the same rows.
 */

/** Where a source's rows come from. */
export type SourceKind = 'base' | 'reviewed';

/** One input file. */
export interface PrepareSource {
  /** Names the file in reports (`s3://…` or a path). */
  readonly name: string;
  readonly kind: SourceKind;
  /**
   * Reviewed rows of this file count as new (not in the data of the last promoted model or ingested dataset). Base
   * files are new only before the first promotion.
   */
  readonly isNew: boolean;
  /** Open the file's bytes (called once per pass). */
  open(): Promise<ByteSource>;
}

/** Options of {@link tallySources}. */
export interface PrepareOptions {
  readonly multiLabel: boolean;
  /** Reviewed rows needed since the last promoted model before training may start. */
  readonly minNewRows: number;
  /** Rejected rows listed in the report (the count is always exact). @default 100 */
  readonly maxListedRejections?: number;
}

/** One class and its documents. */
export interface ClassCount {
  readonly name: string;
  readonly documents: number;
}

/** A rejected row, with its file. */
export interface SourceRejection extends RejectedRow {
  readonly source: string;
}

/** Per-file figures. */
export interface SourceReport {
  readonly name: string;
  readonly kind: SourceKind;
  readonly isNew: boolean;
  /** Valid rows read (before duplicates). */
  rows: number;
  rejected: number;
  /** Why the file could not be read to its end (UTF-16); the rows before it are used. */
  unreadable?: string;
}

/** The result of the first pass: figures, classes, problems, and whether training may start. */
export interface PrepareReport {
  readonly multiLabel: boolean;
  readonly sources: SourceReport[];
  readonly rows: {
    /** Valid rows read in all files, duplicates included. */
    valid: number;
    rejected: number;
    /** Rows dropped because a later row has the same document. */
    duplicates: number;
    /** Distinct documents (the rows of the training file). */
    documents: number;
    /** Documents whose row comes from the base set / from reviewed files. */
    base: number;
    reviewed: number;
    /** Documents whose row comes from a new reviewed file. */
    newReviewed: number;
  };
  /** Every class, most documents first. */
  readonly classes: ClassCount[];
  /** Minimum documents per class for this mode. */
  readonly minimumPerClass: number;
  /** Classes below the minimum, fewest first. */
  readonly shortClasses: ClassCount[];
  /** The first rejected rows (see `rows.rejected` for the count). */
  readonly rejections: SourceRejection[];
  /** Files that could not be read to their end. */
  readonly unreadableSources: string[];
  /** Training may start: no short class, enough classes and new rows, within Comprehend's limits. */
  readonly mayTrain: boolean;
  /** Why training may not start (empty when it may). */
  readonly reasons: string[];
  readonly minNewRows: number;
}

/** The pass-1 state that pass 2 needs: the winning row of each distinct document. */
export interface Tally {
  readonly report: PrepareReport;
  /** digest → slot */
  readonly slots: Map<string, number>;
  /** slot → ordinal (position among all valid rows) of the row that wins. */
  readonly winners: Float64Array;
}

const NEW_FLAG = 1;
const REVIEWED_FLAG = 2;

/** A 120-bit digest of a document: the duplicate key (collisions are below 1e-24 for a million documents). */
export function documentKey(text: string): string {
  return createHash('sha1').update(text).digest('base64').slice(0, 20);
}

/** A growable typed array. */
class Column<T extends Float64Array | Uint32Array | Uint8Array> {
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  set(index: number, value: number): void {
    if (index >= this.data.length) {
      const next = this.make(Math.max(1024, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[index] = value;
  }
}

/**
 * Pass 1: read every source in order (base first, then reviewed files oldest first), keep the winning row of each
 * document, count classes and decide. Sources that are not UTF-8 text to their end are reported, not thrown.
 */
export async function tallySources(sources: readonly PrepareSource[], options: PrepareOptions): Promise<Tally> {
  const maxListed = options.maxListedRejections ?? 100;
  const slots = new Map<string, number>();
  const winners = new Column(new Float64Array(1024), (n) => new Float64Array(n));
  const labelOf = new Column(new Uint32Array(1024), (n) => new Uint32Array(n));
  const flagsOf = new Column(new Uint8Array(1024), (n) => new Uint8Array(n));
  const labelIds = new Map<string, number>();
  const labelSets: string[][] = [];
  const reports: SourceReport[] = [];
  const rejections: SourceRejection[] = [];
  let rejected = 0;
  let ordinal = 0;

  for (const source of sources) {
    const report: SourceReport = { name: source.name, kind: source.kind, isNew: source.isNew, rows: 0, rejected: 0 };
    reports.push(report);
    const flags = (source.isNew ? NEW_FLAG : 0) | (source.kind === 'reviewed' ? REVIEWED_FLAG : 0);
    try {
      for await (const results of rowsOf(source, options.multiLabel)) {
        for (const result of results) {
          if (!result.ok) {
            rejected += 1;
            report.rejected += 1;
            if (rejections.length < maxListed) rejections.push({ source: source.name, ...result.rejected });
            continue;
          }
          const { row } = result;
          const labelKey = row.labels.join(LABEL_DELIMITER);
          let labelId = labelIds.get(labelKey);
          if (labelId === undefined) {
            labelId = labelSets.length;
            labelIds.set(labelKey, labelId);
            labelSets.push([...row.labels]);
          }
          const key = documentKey(row.text);
          let slot = slots.get(key);
          if (slot === undefined) {
            slot = slots.size;
            slots.set(key, slot);
          }
          winners.set(slot, ordinal);
          labelOf.set(slot, labelId);
          flagsOf.set(slot, flags);
          ordinal += 1;
          report.rows += 1;
        }
      }
    } catch (error) {
      if (!(error instanceof TextEncodingError)) throw error;
      report.unreadable = error.message;
    }
  }

  const documents = slots.size;
  const perLabelSet = new Float64Array(labelSets.length);
  let reviewed = 0;
  let newReviewed = 0;
  for (let slot = 0; slot < documents; slot += 1) {
    perLabelSet[labelOf.data[slot]!]! += 1;
    const flags = flagsOf.data[slot]!;
    if (flags & REVIEWED_FLAG) {
      reviewed += 1;
      if (flags & NEW_FLAG) newReviewed += 1;
    }
  }
  const perClass = new Map<string, number>();
  labelSets.forEach((labels, id) => {
    for (const label of labels) perClass.set(label, (perClass.get(label) ?? 0) + perLabelSet[id]!);
  });
  const classes = [...perClass]
    .map(([name, count]) => ({ name, documents: count }))
    .filter((c) => c.documents > 0)
    .sort((a, b) => b.documents - a.documents || a.name.localeCompare(b.name));
  const minimumPerClass = options.multiLabel
    ? COMPREHEND_LIMITS.MIN_DOCS_PER_CLASS_MULTI_LABEL
    : COMPREHEND_LIMITS.MIN_DOCS_PER_CLASS_MULTI_CLASS;
  const shortClasses = classes.filter((c) => c.documents < minimumPerClass).reverse();
  const unreadableSources = reports.filter((r) => r.unreadable !== undefined).map((r) => r.name);

  const reasons: string[] = [];
  const maxClasses = options.multiLabel
    ? COMPREHEND_LIMITS.MAX_CLASSES_MULTI_LABEL
    : COMPREHEND_LIMITS.MAX_CLASSES_MULTI_CLASS;
  if (classes.length < 2) reasons.push(`${classes.length} class(es): Comprehend trains on at least 2 classes`);
  if (classes.length > maxClasses)
    reasons.push(`${classes.length} classes: Comprehend allows at most ${maxClasses} in this mode`);
  if (shortClasses.length > 0) {
    reasons.push(
      `${shortClasses.length} class(es) below ${minimumPerClass} documents: ${shortClasses
        .map((c) => `${c.name} (${c.documents})`)
        .join(', ')}`,
    );
  }
  if (newReviewed < options.minNewRows)
    reasons.push(
      `${newReviewed} new reviewed row(s) since the last promoted model; at least ${options.minNewRows} are needed`,
    );
  if (documents > COMPREHEND_LIMITS.MAX_DOCUMENTS)
    reasons.push(`${documents} documents: Comprehend trains on at most ${COMPREHEND_LIMITS.MAX_DOCUMENTS}`);

  const valid = ordinal;
  const report: PrepareReport = {
    multiLabel: options.multiLabel,
    sources: reports,
    rows: {
      valid,
      rejected,
      duplicates: valid - documents,
      documents,
      base: documents - reviewed,
      reviewed,
      newReviewed,
    },
    classes,
    minimumPerClass,
    shortClasses,
    rejections,
    unreadableSources,
    mayTrain: reasons.length === 0,
    reasons,
    minNewRows: options.minNewRows,
  };
  return { report, slots, winners: winners.data.subarray(0, documents) };
}

/** Options of {@link writeTrainingRows}. */
export interface WriteOptions {
  readonly multiLabel: boolean;
  /** Write only documents whose winning row comes from a new source (a flywheel dataset of the new rows). */
  readonly onlyNew?: boolean;
}

/**
 * Pass 2: read the same sources again and hand each winning row, as one newline-terminated Comprehend CSV row, to
 * `write` (which may return a promise to apply back-pressure). Returns the rows and bytes written.
 */
export async function writeTrainingRows(
  sources: readonly PrepareSource[],
  tally: Tally,
  options: WriteOptions,
  write: (chunk: string) => void | Promise<void>,
): Promise<{ rows: number; bytes: number }> {
  let ordinal = 0;
  let rows = 0;
  let bytes = 0;
  for (const source of sources) {
    const keep = !options.onlyNew || source.isNew;
    try {
      for await (const results of rowsOf(source, options.multiLabel)) {
        let chunk = '';
        for (const result of results) {
          if (!result.ok) continue;
          const current = ordinal;
          ordinal += 1;
          if (!keep) continue;
          const slot = tally.slots.get(documentKey(result.row.text));
          if (slot === undefined || tally.winners[slot] !== current) continue;
          chunk += trainingRow(result.row.labels, result.row.text);
          rows += 1;
        }
        if (chunk !== '') {
          bytes += Buffer.byteLength(chunk, 'utf8');
          await write(chunk);
        }
      }
    } catch (error) {
      if (!(error instanceof TextEncodingError)) throw error;
    }
  }
  return { rows, bytes };
}

async function* rowsOf(source: PrepareSource, multiLabel: boolean) {
  const bytes = await source.open();
  yield* readTrainingRows(readLineBatches(bytes, { keepBlankLines: true, what: source.name }), { multiLabel });
}
