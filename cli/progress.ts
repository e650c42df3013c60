import { type Options, type Params, Format, Presets, SingleBar } from 'cli-progress';

/** A progress display: a bar on a terminal, nothing otherwise (pipes and CI logs stay clean). */
export interface Progress {
  update(value: number): void;
  increment(delta?: number): void;
  stop(): void;
}

/** What a progress bar counts: bytes (shown in MB) or records. */
export type ProgressUnit = 'bytes' | 'records';

const MB = 1_000_000;

/** An amount done of a total in the bar's unit: `28.3/59.9 MB` (bytes as MB, one decimal), `1,200/5,000 records`. */
export function formatAmount(value: number, total: number, unit: ProgressUnit): string {
  return unit === 'bytes'
    ? `${(value / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB`
    : `${Math.round(value).toLocaleString('en-US')}/${Math.round(total).toLocaleString('en-US')} records`;
}

/** A rate in the bar's unit per second (`12.3 MB/s`, `1,200 records/s`); `-` before anything is done. */
export function formatRate(value: number, seconds: number, unit: ProgressUnit): string {
  if (!(seconds > 0) || value === 0) return '-';
  const perSecond = value / seconds;
  return unit === 'bytes'
    ? `${(perSecond / MB).toFixed(1)} MB/s`
    : `${Math.round(perSecond).toLocaleString('en-US')} records/s`;
}

/**
 * The text of the bar (a cli-progress `format` function): `label [bar] 47% | 28.3/59.9 MB | 12.3 MB/s | ETA 3s`, with
 * cli-progress's own bar and time formatters. `now` is the time the line is drawn (ms since the epoch).
 */
export function progressLine(
  label: string,
  unit: ProgressUnit,
  options: Options,
  params: Params,
  now: number = Date.now(),
): string {
  const seconds = ((params.stopTime ?? now) - params.startTime) / 1000;
  return [
    `${label} ${Format.BarFormat(params.progress, options)} ${Math.floor(params.progress * 100)}%`,
    formatAmount(params.value, params.total, unit),
    formatRate(params.value, seconds, unit),
    params.value >= params.total
      ? 'done'
      : params.value === 0 || !Number.isFinite(params.eta)
        ? 'ETA -'
        : `ETA ${Format.TimeFormat(params.eta, options, 1).trim()}`,
  ].join(' | ');
}

/**
 * A progress bar on standard error when it is a terminal; a silent no-op otherwise (or when the total is unknown).
 * @param total the value that means done, in `unit`
 */
export function createProgress(
  label: string,
  total: number,
  unit: ProgressUnit = 'bytes',
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Progress {
  if (!stream.isTTY || total <= 0)
    return { update: () => undefined, increment: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: (options, params) => progressLine(label, unit, options, params),
      stream,
      hideCursor: true,
      // ETA over the last 100 updates (chunks arrive every few ms; the default of 10 makes it jump).
      etaBuffer: 100,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (v) => bar.update(v), increment: (d = 1) => bar.increment(d), stop: () => bar.stop() };
}
