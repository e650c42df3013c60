import { SingleBar, Presets } from 'cli-progress';

/** A progress display: a bar on a terminal, nothing otherwise (pipes and CI logs stay clean). */
export interface Progress {
  update(value: number): void;
  increment(delta?: number): void;
  stop(): void;
}

/**
 * A progress bar on standard error when it is a terminal; a silent no-op otherwise.
 * @param total the value that means done (bytes, records, ...)
 */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0)
    return { update: () => undefined, increment: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, stream, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (v) => bar.update(v), increment: (d = 1) => bar.increment(d), stop: () => bar.stop() };
}
