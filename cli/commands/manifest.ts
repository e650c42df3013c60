import { createWriteStream } from 'node:fs';
import { type Writable } from 'node:stream';
import { type Command, Option } from 'commander';
import {
  IMPORT_TASKS,
  type ImportTask,
  importLabels,
  ProblemList,
  readLabelTable,
} from '../../lambdas/labeling-chain/core/import-labels';
import {
  describeInvalidLines,
  type LabelCounters,
  type ManifestScan,
  scanManifest,
} from '../../lambdas/labeling-chain/core/manifest';
import { jobNameProblems, labelAttributeNameProblems } from '../../lambdas/labeling-chain/core/names';
import { readJsonLines, readLines } from '../../lambdas/shared/jsonl';
import { type AwsOptions, awsOptions } from '../aws';
import { example } from '../help';
import { createProgress } from '../progress';
import { openSource } from '../sources';

/** The counters `mlw manifest stats --json` prints, in this order and no others. */
export const STATS_KEYS = [
  'total',
  'labeled',
  'humanLabeled',
  'machineLabeled',
  'failed',
  'unlabeled',
  'needsLabeling',
  'failureReasons',
] as const;

/**
 * Scan a manifest (local path or `s3://…`, `.gz` decompressed) for one label attribute with the planner's own core,
 * showing a progress bar on a terminal.
 */
export async function manifestStats(
  source: string,
  labelAttributeName: string,
  options: AwsOptions,
): Promise<ManifestScan> {
  const opened = await openSource(source, options);
  const progress = createProgress('scanning', opened.size ?? 0);
  try {
    return await scanManifest(readJsonLines(opened.body, { gunzip: opened.gzip, onBytes: (b) => progress.update(b) }), [
      labelAttributeName,
    ]);
  } finally {
    progress.stop();
  }
}

/** The `--json` object: exactly {@link STATS_KEYS}. */
export function statsJson(counters: LabelCounters): Record<(typeof STATS_KEYS)[number], unknown> {
  return Object.fromEntries(STATS_KEYS.map((key) => [key, counters[key]])) as Record<
    (typeof STATS_KEYS)[number],
    unknown
  >;
}

function statsText(source: string, attribute: string, c: LabelCounters): string {
  const rows: [string, number][] = [
    ['total', c.total],
    ['labeled', c.labeled],
    ['  by people', c.humanLabeled],
    ['  by auto-labeling', c.machineLabeled],
    ['failed', c.failed],
    ['unlabeled', c.unlabeled],
    ['needs labeling', c.needsLabeling],
  ];
  const reasons = Object.entries(c.failureReasons)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `  ${String(count).padStart(10)}  ${reason}`);
  return [
    `${source} — label attribute "${attribute}"`,
    ...rows.map(([name, value]) => `  ${name.padEnd(20)} ${String(value).padStart(10)}`),
    ...(reasons.length > 0 ? ['failure reasons:', ...reasons] : []),
  ].join('\n');
}

function writeLine(stream: Writable, text: string): void | Promise<void> {
  if (stream.write(`${text}\n`)) return;
  return new Promise((resolve, reject) => {
    stream.once('drain', resolve);
    stream.once('error', reject);
  });
}

function parseClasses(value: string): string[] {
  return value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** `mlw manifest stats` and `mlw manifest import-labels`: Ground Truth manifest tools on the chain's own core. */
export function registerManifestCommands(program: Command): void {
  const manifest = program
    .command('manifest')
    .description("Ground Truth manifest tools (the labeling chain's streaming core)")
    .addHelpText('after', example('mlw manifest stats output.manifest --label-attribute animal'));

  manifest
    .command('stats')
    .description(
      'Count labeled (human/machine), failed and unlabeled objects of a label attribute; memory stays flat for any size',
    )
    .argument('<source>', 'manifest: local file or s3://bucket/key (.gz is decompressed)')
    .requiredOption('--label-attribute <name>', 'label attribute name (LabelAttributeName of the job)')
    .option(
      '--json',
      'print one JSON object with exactly: total, labeled, humanLabeled, machineLabeled, failed, unlabeled, needsLabeling, failureReasons',
    )
    .addHelpText(
      'after',
      example('mlw manifest stats s3://my-bucket/job/output.manifest --label-attribute animal --json'),
    )
    .action(async (source: string, opts: { labelAttribute: string; json?: boolean }, command: Command) => {
      const scan = await manifestStats(source, opts.labelAttribute, awsOptions(command));
      const counters = scan.counters[opts.labelAttribute]!;
      process.stdout.write(
        `${opts.json ? JSON.stringify(statsJson(counters)) : statsText(source, opts.labelAttribute, counters)}\n`,
      );
      if (scan.invalidCount > 0) {
        process.stderr.write(
          `mlw: ${scan.invalidCount} line(s) are not JSON objects and were not counted: ${describeInvalidLines(scan)}\n`,
        );
        process.exitCode = 2;
      }
    });

  manifest
    .command('import-labels')
    .description(
      'Merge third-party labels (CSV "source-ref,label") into a manifest in Ground Truth output format, so a continued job labels only the rest',
    )
    .requiredOption('--manifest <source>', 'manifest to merge into: local file or s3://bucket/key')
    .requiredOption('--labels <source>', 'CSV with source-ref,label per line (a header row is optional)')
    .requiredOption('--label-attribute <name>', 'label attribute name to write')
    .requiredOption(
      '--classes <list>',
      'class names in label-category order, comma-separated (the class index is the position)',
    )
    .addOption(
      new Option('--task <type>', 'task type recorded in the metadata')
        .choices([...IMPORT_TASKS])
        .default('image-classification'),
    )
    .option('--job-name <name>', 'recorded as job-name: labeling-job/<name>', 'third-party-labels')
    .option('--output <file>', 'write the merged manifest here (default: standard output)')
    .option('--overwrite', 'replace labels that lines already have for the attribute (default: error)')
    .addHelpText(
      'after',
      example(
        'mlw manifest import-labels --manifest in.manifest --labels labels.csv --label-attribute animal --classes cat,dog --output merged.manifest',
      ),
    )
    .action(
      async (
        opts: {
          manifest: string;
          labels: string;
          labelAttribute: string;
          classes: string;
          task: ImportTask;
          jobName: string;
          output?: string;
          overwrite?: boolean;
        },
        command: Command,
      ) => {
        const aws = awsOptions(command);
        const classes = parseClasses(opts.classes);
        const problems = [...labelAttributeNameProblems(opts.labelAttribute), ...jobNameProblems(opts.jobName)];
        if (classes.length === 0) problems.push('--classes needs at least one class name');
        const duplicates = classes.filter((c, i) => classes.indexOf(c) !== i);
        if (duplicates.length > 0)
          problems.push(`--classes lists ${[...new Set(duplicates)].join(', ')} more than once`);
        if (problems.length > 0) throw new Error(problems.join('; '));

        const found = new ProblemList();
        const labelsSource = await openSource(opts.labels, aws);
        const table = await readLabelTable(readLines(labelsSource.body, { gunzip: labelsSource.gzip }), classes, found);
        const options = {
          labelAttributeName: opts.labelAttribute,
          classes,
          task: opts.task,
          jobName: opts.jobName,
          now: new Date(),
          overwrite: opts.overwrite,
        };

        // Pass 1 validates everything (nothing is written when anything is wrong); pass 2 writes.
        const check = await openSource(opts.manifest, aws);
        const progress = createProgress('checking', check.size ?? 0);
        const dry = await importLabels(
          readJsonLines(check.body, { gunzip: check.gzip, onBytes: (b) => progress.update(b) }),
          table,
          options,
          () => undefined,
          found,
        ).finally(() => progress.stop());
        if (found.count > 0) throw new Error(`${found.count} problem(s), nothing written:\n${found.toString()}`);

        const out = opts.output ? createWriteStream(opts.output) : process.stdout;
        const write = await openSource(opts.manifest, aws);
        const report = await importLabels(readJsonLines(write.body, { gunzip: write.gzip }), table, options, (text) =>
          writeLine(out, text),
        );
        if (opts.output)
          await new Promise<void>((resolve, reject) =>
            (out as Writable).end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
        if (report.problems.count > 0 || report.imported !== dry.imported) {
          throw new Error(`the manifest changed while it was imported; check ${opts.output ?? 'the output'}`);
        }
        process.stderr.write(
          `imported ${report.imported} label(s) into ${report.lines} line(s) (${report.unchanged} unchanged)${opts.output ? ` → ${opts.output}` : ''}\n`,
        );
      },
    );
}
