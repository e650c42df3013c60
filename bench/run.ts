import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Benchmark, Reporter } from './reporter';

/**
 * `npm run bench [-- name ...]`: runs every `bench/<name>.bench.ts` (or the named ones) and prints its figures.
 * Benchmarks print figures; nothing here passes or fails on time. Comparisons run their sides in turn (A B A B …) and
 * report the median of the pair ratios (`bench/paired.ts`); every figure carries the load average when it was taken,
 * and the header names the commit and the machine.
 */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const modules = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .filter((name) => only.length === 0 || only.includes(name))
    .sort();
  const reporter = new Reporter();
  reporter.header();
  for (const name of modules) {
    process.stdout.write(`\n# ${name}\n`);
    const mod = (await import(join(__dirname, `${name}.bench.ts`))) as { default: Benchmark };
    await mod.default(reporter);
  }
  const file = reporter.save(join(__dirname, '..', '.bench'));
  process.stdout.write(`\nFigures saved to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
