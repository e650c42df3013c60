import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Comparison } from './paired';

/** One measured figure, with the 1-minute load average when it was recorded. */
export interface Figure {
  readonly group: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
  /** 1-minute load average when the figure was recorded. */
  readonly load: number;
}

/** Where and on what the figures were measured. */
export interface RunInfo {
  readonly commit: string;
  readonly node: string;
  readonly machine: string;
  readonly startedAt: string;
  /** Load averages (1, 5, 15 minutes) at the start. */
  readonly loadAtStart: number[];
}

/** Collects figures from the benchmark modules and prints them as they come. */
export class Reporter {
  public readonly figures: Figure[] = [];
  public readonly comparisons: (Comparison & { group: string; name: string })[] = [];
  public readonly info: RunInfo = runInfo();

  /** Record and print one figure (printed with the current load average). */
  public figure(group: string, name: string, value: number, unit: string, note?: string): void {
    const load = loadavg()[0]!;
    this.figures.push({ group, name, value, unit, note, load });
    process.stdout.write(
      `  ${group.padEnd(22)} ${name.padEnd(56)} ${format(value).padStart(12)} ${unit.padEnd(6)} load ${load.toFixed(1).padStart(4)}${note ? `  (${note})` : ''}\n`,
    );
  }

  /**
   * Record a paired comparison: the median wall and CPU time of each side and the median of the pair ratios B / A
   * (wall and CPU, with their range), with the load average at its start and end.
   */
  public comparison(group: string, name: string, c: Comparison, unit: 'ms' | 's' = 'ms'): void {
    this.comparisons.push({ ...c, group, name });
    const scale = unit === 's' ? 1000 : 1;
    const range = (r: Comparison['wallRatio']) => `${format(r.min)}–${format(r.max)}`;
    const loads = `load ${c.load[0].toFixed(1)} → ${c.load[1].toFixed(1)}`;
    this.figure(group, `${name}: ${c.a}, wall`, c.medianA.wallMs / scale, unit, `median of ${c.pairs}`);
    this.figure(group, `${name}: ${c.a}, CPU`, c.medianA.cpuMs / scale, unit, 'user + sys');
    this.figure(group, `${name}: ${c.b}, wall`, c.medianB.wallMs / scale, unit, `median of ${c.pairs}`);
    this.figure(group, `${name}: ${c.b}, CPU`, c.medianB.cpuMs / scale, unit, 'user + sys');
    this.figure(
      group,
      `${name}: ${c.b} / ${c.a}, wall`,
      c.wallRatio.median,
      '×',
      `median of ${c.pairs} pair ratios, range ${range(c.wallRatio)}; ${loads}`,
    );
    this.figure(
      group,
      `${name}: ${c.b} / ${c.a}, CPU`,
      c.cpuRatio.median,
      '×',
      `median of ${c.pairs} pair ratios, range ${range(c.cpuRatio)}`,
    );
  }

  /** Print the run's header (commit, machine, Node.js, load average). */
  public header(): void {
    const i = this.info;
    process.stdout.write(
      `ml-workflows benchmarks — commit ${i.commit}, node ${i.node}, ${i.machine}, ${i.startedAt}, load average ${i.loadAtStart.map((l) => l.toFixed(2)).join(' ')}\n`,
    );
  }

  /** Write every figure and comparison as JSON (for docs/performance.md). */
  public save(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'results.json');
    const run = { ...this.info, finishedAt: new Date().toISOString(), loadAtEnd: loadavg() };
    writeFileSync(file, `${JSON.stringify({ run, figures: this.figures, comparisons: this.comparisons }, null, 2)}\n`);
    return file;
  }
}

function runInfo(): RunInfo {
  let commit = 'unknown';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    commit = dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  const cpu = cpus();
  return {
    commit,
    node: process.version,
    machine: `${platform()} ${arch()}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    startedAt: new Date().toISOString(),
    loadAtStart: loadavg(),
  };
}

function format(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 10 ? 3 : 2 });
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
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
