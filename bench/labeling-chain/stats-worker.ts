/**
 * Child process of bench/labeling-chain.bench.ts: runs `mlw manifest stats`'s code path (openSource → readJsonLines →
 * scanManifest) on one file and prints its figures as JSON, including this process's own peak RSS.
 */
import { scanManifest } from '../../lambdas/labeling-chain/core/manifest';
import { readJsonLines } from '../../lambdas/shared/jsonl';
import { openSource } from '../../cli/sources';

async function main(): Promise<void> {
  const [file, attribute] = process.argv.slice(2);
  if (!file || !attribute) throw new Error('usage: stats-worker <file> <label-attribute>');
  const rssBefore = process.memoryUsage.rss();
  const opened = await openSource(file, {});
  const start = process.hrtime.bigint();
  const scan = await scanManifest(readJsonLines(opened.body, { gunzip: opened.gzip }), [attribute]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // What the scan still holds once garbage is collected (run with --expose-gc): it must not grow with the input.
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const retainedHeapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({
      bytes: opened.size ?? 0,
      lines: scan.lines,
      seconds,
      // resourceUsage().maxRSS is in KiB.
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      startRssMiB: rssBefore / 2 ** 20,
      retainedHeapMiB,
      counters: scan.counters[attribute],
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
