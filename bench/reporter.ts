import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure. */
export interface Figure {
  readonly group: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

/** Collects figures from the benchmark modules and prints them as they come. */
export class Reporter {
  public readonly figures: Figure[] = [];

  /** Record and print one figure. */
  public figure(group: string, name: string, value: number, unit: string, note?: string): void {
    this.figures.push({ group, name, value, unit, note });
    const shown = Number.isInteger(value)
      ? value.toLocaleString('en-US')
      : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
    process.stdout.write(
      `  ${group.padEnd(22)} ${name.padEnd(52)} ${shown.padStart(14)} ${unit}${note ? `  (${note})` : ''}\n`,
    );
  }

  /** Write every figure as JSON (for docs/performance.md). */
  public save(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'results.json');
    writeFileSync(file, `${JSON.stringify(this.figures, null, 2)}\n`);
    return file;
  }
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds taken by an async function. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** A benchmark module: `bench/<name>.bench.ts` exports `default` of this type. */
export type Benchmark = (reporter: Reporter) => Promise<void>;
