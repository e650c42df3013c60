/**
 * Which records of one uploaded batch file Firehose has accepted, kept across Lambda retries so a retried invocation
 * sends only the rest. Record ids are sentence indexes; they are held as sorted, disjoint, inclusive ranges
 * (`0-499,700-799`), so a file of 100,000 sentences sent in order costs a few bytes.
 */
export class AcceptedRecords {
  private readonly ranges: [number, number][] = [];

  /**
   * Parse the form written by {@link toString}.
   * @throws Error when the text is not sorted, disjoint ranges of non-negative integers.
   */
  public static parse(text: string): AcceptedRecords {
    const accepted = new AcceptedRecords();
    if (text.trim() === '') return accepted;
    let previousEnd = -2;
    for (const part of text.split(',')) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      const start = match ? Number(match[1]) : NaN;
      const end = match?.[2] === undefined ? start : Number(match[2]);
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start || start <= previousEnd + 1)
        throw new Error(`Not sorted, disjoint ranges of record indexes: ${JSON.stringify(part)}`);
      accepted.ranges.push([start, end]);
      previousEnd = end;
    }
    return accepted;
  }

  /** Index of the last range starting at or before `id`, or -1. */
  private find(id: number): number {
    let low = 0;
    let high = this.ranges.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.ranges[mid]![0] <= id) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  /** True when record `id` was accepted. */
  public has(id: number): boolean {
    const i = this.find(id);
    return i >= 0 && this.ranges[i]![1] >= id;
  }

  /** Mark records as accepted. */
  public add(ids: Iterable<number>): void {
    for (const id of ids) {
      const i = this.find(id);
      const range = this.ranges[i];
      if (range && range[1] >= id) continue;
      const next = this.ranges[i + 1];
      const joinsPrevious = range !== undefined && range[1] === id - 1;
      const joinsNext = next !== undefined && next[0] === id + 1;
      if (joinsPrevious && joinsNext) {
        range[1] = next[1];
        this.ranges.splice(i + 1, 1);
      } else if (joinsPrevious) range[1] = id;
      else if (joinsNext) next[0] = id;
      else this.ranges.splice(i + 1, 0, [id, id]);
    }
  }

  /** Number of accepted records. */
  public get size(): number {
    return this.ranges.reduce((n, [start, end]) => n + end - start + 1, 0);
  }

  /** `0-499,700,702-799`. */
  public toString(): string {
    return this.ranges.map(([start, end]) => (start === end ? String(start) : `${start}-${end}`)).join(',');
  }
}

/** The progress object of an upload version (`processed/<upload key>/<version>.progress.json`). */
export interface UploadProgress {
  readonly v: 1;
  /** {@link AcceptedRecords} in text form. */
  readonly accepted: string;
  /** Records accepted. */
  readonly count: number;
  readonly updatedAt: string;
}

/** The progress object for a set of accepted records. */
export function progressDocument(accepted: AcceptedRecords, now: Date): UploadProgress {
  return { v: 1, accepted: accepted.toString(), count: accepted.size, updatedAt: now.toISOString() };
}

/**
 * Read a progress object back.
 * @throws Error when it is not one this code wrote.
 */
export function parseProgress(value: unknown): AcceptedRecords {
  const progress = value as Partial<UploadProgress> | null;
  if (typeof progress !== 'object' || progress === null || progress.v !== 1 || typeof progress.accepted !== 'string')
    throw new Error('Not an upload progress object (v 1)');
  return AcceptedRecords.parse(progress.accepted);
}
