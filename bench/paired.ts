/**
 * Paired measurements for a noisy, shared machine. Two (or more) sides of a comparison run in turn (A B A B …), each
 * pair gives a ratio, and the figure is the median of those ratios, so a burst of load from another process moves
 * both sides of a pair rather than one median. Every sample carries its wall time and the CPU seconds (user + system)
 * of the work itself, and the load average is read at the start and end of each comparison. Nothing is clamped: a
 * difference that comes out negative is reported as measured.
 *
 * Use {@link runCommand} for a fresh process (its CPU time counts every child it waited for, through the shell's
 * `times`), {@link inProcess} for a function in this process (`process.cpuUsage`), and {@link paired} to run the sides
 * in turn.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { median } from './reporter';

/** One measurement: wall-clock milliseconds and CPU milliseconds (user + system). */
export interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** A command to run in a fresh process. */
export interface CommandSpec {
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** A command's sample plus what it printed. */
export interface CommandResult extends Sample {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run a command to completion in a fresh process and measure it. CPU time is the user + system time of the command
 * and of every descendant it waited for, as the POSIX shell's `times` reports it (a process that outlives its parent
 * is not counted: run esbuild with `ESBUILD_WORKER_THREADS=0` so its service process is waited for).
 *
 * @throws Error with the command's stderr when it exits with a non-zero status.
 */
export function runCommand(spec: CommandSpec): CommandResult {
  const script = '"$@"; status=$?; times >&3; exit $status';
  const start = process.hrtime.bigint();
  const child = spawnSync('sh', ['-c', script, 'sh', spec.command, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const [, stdout, stderr, times] = child.output;
  if (child.status !== 0) {
    throw new Error(
      `${spec.command} ${(spec.args ?? []).join(' ')} exited with ${child.status ?? child.signal}:\n${stderr ?? ''}`,
    );
  }
  return { wallMs, cpuMs: childCpuMs(times ?? ''), stdout: stdout ?? '', stderr: stderr ?? '' };
}

/** CPU milliseconds of the shell's children from `times` output (second line: children's user and system time). */
export function childCpuMs(times: string): number {
  const line = times.trim().split('\n')[1];
  if (!line) throw new Error(`Unexpected output of times: ${JSON.stringify(times)}`);
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  if (parts.length !== 2) throw new Error(`Unexpected output of times: ${JSON.stringify(times)}`);
  return parts[0]! + parts[1]!;
}

/** Measure a function run in this process (CPU from `process.cpuUsage`: every thread of this process). */
export async function inProcess(fn: () => unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** One side of a comparison. */
export interface Side {
  readonly label: string;
  readonly run: () => Sample | Promise<Sample>;
}

/** Summary of a list of ratios. */
export interface RatioStats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The result of {@link paired}: every sample, the medians and the median of the pair ratios (B / A). */
export interface Comparison {
  readonly a: string;
  readonly b: string;
  readonly pairs: number;
  readonly samplesA: Sample[];
  readonly samplesB: Sample[];
  readonly medianA: Sample;
  readonly medianB: Sample;
  /** B / A per pair, wall time. */
  readonly wallRatio: RatioStats;
  /** B / A per pair, CPU time. */
  readonly cpuRatio: RatioStats;
  /** 1-minute load average when the comparison started and when it ended. */
  readonly load: readonly [number, number];
}

/**
 * Run `a` and `b` in turn, `pairs` times (A B A B …), after `warmup` unrecorded pairs, and compare B to A by the
 * median of the per-pair ratios.
 */
export async function paired(a: Side, b: Side, pairs: number, warmup = 0): Promise<Comparison> {
  const load0 = loadavg()[0]!;
  for (let i = 0; i < warmup; i += 1) {
    await a.run();
    await b.run();
  }
  const samplesA: Sample[] = [];
  const samplesB: Sample[] = [];
  for (let i = 0; i < pairs; i += 1) {
    samplesA.push(await a.run());
    samplesB.push(await b.run());
  }
  return compare(a.label, b.label, samplesA, samplesB, [load0, loadavg()[0]!]);
}

/** Compare samples that were taken in turn elsewhere (index i of `samplesA` pairs with index i of `samplesB`). */
export function compare(
  a: string,
  b: string,
  samplesA: Sample[],
  samplesB: Sample[],
  load: readonly [number, number],
): Comparison {
  if (samplesA.length !== samplesB.length || samplesA.length === 0) {
    throw new Error(`A comparison needs the same number (> 0) of samples on both sides (${a}, ${b})`);
  }
  return {
    a,
    b,
    pairs: samplesA.length,
    samplesA,
    samplesB,
    medianA: medianSample(samplesA),
    medianB: medianSample(samplesB),
    wallRatio: ratioStats(samplesA.map((s, i) => samplesB[i]!.wallMs / s.wallMs)),
    cpuRatio: ratioStats(samplesA.map((s, i) => samplesB[i]!.cpuMs / s.cpuMs)),
    load,
  };
}

/** Median wall time and median CPU time of a list of samples (each taken on its own). */
export function medianSample(samples: readonly Sample[]): Sample {
  return { wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) };
}

/** Median, minimum and maximum of a non-empty list of ratios. */
export function ratioStats(ratios: readonly number[]): RatioStats {
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}
