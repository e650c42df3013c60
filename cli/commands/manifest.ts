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
import { readJsonLineBatches } from '../../lambdas/shared/jsonl';
import { readLineBatches, TextEncodingError } from '../../lambdas/shared/text';
import { type AwsOptions, awsOptions } from '../aws';
import { example } from '../help';
import { createProgress } from '../progress';
import { openSource } from '../sources';

/** Exit codes of `mlw manifest stats` (also in its `--help`). */
export const STATS_EXIT = {
  /** Counted. */
  OK: 0,
  /** Bad options (e.g. a `-metadata` attribute), or the source cannot be opened. */
  USAGE: 1,
  /** Lines that are not UTF-8 JSON objects (listed on standard error, not counted), or a UTF-16 file. */
  UNREADABLE: 2,
  /** The label attribute appears on no line (the label attributes that do appear are listed). */
  ATTRIBUTE_NOT_FOUND: 3,
} as const;

const STATS_HELP = `
Exit codes:
  ${STATS_EXIT.OK}  counted
  ${STATS_EXIT.USAGE}  bad options (for example an attribute ending in -metadata), or the source cannot be opened
  ${STATS_EXIT.UNREADABLE}  some lines are not UTF-8 JSON objects: listed with their line numbers on standard error and
     not counted (the counters cover the others); also for a UTF-16 file
  ${STATS_EXIT.ATTRIBUTE_NOT_FOUND}  the label attribute appears on no line: the label attributes that do appear are listed
${example('mlw manifest stats s3://my-bucket/output/pets/manifests/output/output.manifest --label-attribute animal --json')}`;

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
    return await scanManifest(
      readJsonLineBatches(opened.body, { gunzip: opened.gzip, what: source, onBytes: (b) => progress.update(b) }),
      [labelAttributeName],
    );
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
    .argument('<source>', 'manifest: local file or s3://bucket/key (.gz is decompressed, a UTF-8 BOM is skipped)')
    .requiredOption('--label-attribute <name>', 'label attribute name (LabelAttributeName of the job)')
    .option(
      '--json',
      'print one JSON object with exactly: total, labeled, humanLabeled, machineLabeled, failed, unlabeled, needsLabeling, failureReasons',
    )
    .addHelpText('after', STATS_HELP)
    .action(async (source: string, opts: { labelAttribute: string; json?: boolean }, command: Command) => {
      const problems = labelAttributeNameProblems(opts.labelAttribute);
      if (problems.length > 0)
        throw new Error(`--label-attribute: ${problems.join('; ')} (give the attribute, not its metadata key)`);
      let scan: ManifestScan;
      try {
        scan = await manifestStats(source, opts.labelAttribute, awsOptions(command));
      } catch (error) {
        if (!(error instanceof TextEncodingError)) throw error;
        process.stderr.write(`mlw: ${error.message}\n`);
        process.exitCode = STATS_EXIT.UNREADABLE;
        return;
      }
      const counters = scan.counters[opts.labelAttribute]!;
      process.stdout.write(
        `${opts.json ? JSON.stringify(statsJson(counters)) : statsText(source, opts.labelAttribute, counters)}\n`,
      );
      if (scan.invalidCount > 0) {
        process.stderr.write(
          `mlw: ${scan.invalidCount} line(s) are not JSON objects and were not counted: ${describeInvalidLines(scan)}\n`,
        );
        process.exitCode = STATS_EXIT.UNREADABLE;
      } else if (scan.absent.includes(opts.labelAttribute)) {
        const found = scan.labelAttributesFound;
        process.stderr.write(
          `mlw: label attribute "${opts.labelAttribute}" appears on no line of ${source}; ${found.length > 0 ? `label attributes found: ${found.join(', ')}` : 'no line carries a label attribute (an input manifest?)'}\n`,
        );
        process.exitCode = STATS_EXIT.ATTRIBUTE_NOT_FOUND;
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
        const table = await readLabelTable(
          readLineBatches(labelsSource.body, { gunzip: labelsSource.gzip, what: opts.labels }),
          classes,
          found,
        );
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
          readJsonLineBatches(check.body, {
            gunzip: check.gzip,
            what: opts.manifest,
            onBytes: (b) => progress.update(b),
          }),
          table,
          options,
          () => undefined,
          found,
        ).finally(() => progress.stop());
        if (found.count > 0) throw new Error(`${found.count} problem(s), nothing written:\n${found.toString()}`);

        const out = opts.output ? createWriteStream(opts.output) : process.stdout;
        const write = await openSource(opts.manifest, aws);
        const report = await importLabels(
          readJsonLineBatches(write.body, { gunzip: write.gzip, what: opts.manifest }),
          table,
          options,
          (text) => writeLine(out, text),
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
