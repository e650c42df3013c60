/** `mlw trips` with embedded DuckDB: local copies of the sources and the analysis with a progress bar. */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Command } from 'commander';
import { STEPS } from '../../../lambdas/trip-outliers/contract';
import { type TripReport } from '../../../lambdas/trip-outliers/core/report';
import { awsOptions } from '../../aws';
import { createProgress } from '../../progress';
import { type AnalysisOptions, bounds } from './options';

/** Local copies of the sources (an `s3://` source is downloaded first); `cleanup` removes the downloads. */
async function localFiles(sources: string[], command: Command): Promise<{ files: string[]; cleanup(): void }> {
  const remote = sources.filter((s) => s.startsWith('s3://'));
  if (remote.length === 0) return { files: sources.map((s) => resolve(s)), cleanup: () => undefined };
  const { openSource } = await import('../../sources');
  const dir = mkdtempSync(join(tmpdir(), 'mlw-trips-'));
  const files: string[] = [];
  for (const source of sources) {
    if (!source.startsWith('s3://')) {
      files.push(resolve(source));
      continue;
    }
    const opened = await openSource(source, awsOptions(command));
    const target = join(dir, `${files.length}-${basename(source)}`);
    const progress = createProgress(`downloading ${basename(source)}`, opened.size ?? 0);
    let bytes = 0;
    await pipeline(
      opened.body,
      countBytes((n) => progress.update((bytes += n))),
      createWriteStream(target),
    );
    progress.stop();
    files.push(target);
  }
  return { files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pass-through stream that reports the bytes of every chunk (for a progress bar). */
export function countBytes(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

/** Run the analysis in embedded DuckDB with a progress bar on a terminal. */
export async function analyzeWithDuckDb(
  sources: string[],
  options: AnalysisOptions & { outDir?: string },
  command: Command,
): Promise<TripReport> {
  const { analyzeLocally } = await import('../../../lambdas/trip-outliers/adapters/duckdb');
  const local = await localFiles(sources, command);
  const progress = createProgress('analyzing', (STEPS.length + (options.outDir ? 1 : 0)) * 100);
  try {
    if (options.outDir) mkdirSync(options.outDir, { recursive: true });
    const { report } = await analyzeLocally({
      files: local.files,
      source: sources.join(', '),
      bounds: bounds(options),
      timeZone: options.timeZone,
      ...(options.outDir ? { exportDir: resolve(options.outDir) } : {}),
      onProgress: (p) => progress.update(Math.round((p.index + p.fraction) * 100)),
    });
    return report;
  } finally {
    progress.stop();
    local.cleanup();
  }
}
