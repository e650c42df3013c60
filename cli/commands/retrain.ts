import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { RT_DEFAULTS, RUN_ID_PATTERN, RUN_TABLE, type RunAction } from '../../lambdas/classifier-retraining/contract';
import { type PrepareReport, type PrepareSource, tallySources } from '../../lambdas/classifier-retraining/core/prepare';
import { openLocalFile } from '../../lambdas/shared/jsonl';
import {
  type AwsOptions,
  awsOptions,
  clientConfig,
  explainErrors,
  optionOrStackOutput,
  stackAliasOption,
  stackNameOption,
} from '../aws';
import { CliError } from '../errors';
import { example } from '../help';

/**
 * `mlw retrain`: the classifier-retraining workflow. `check-data` runs the prepare core on local files (no AWS SDK
 * module is loaded) or on S3; `start|status|approve|reject|rollback` drive the deployed state machine (no task tokens:
 * approve and reject start an execution that continues or abandons the run awaiting approval).
 */

/** Default name of the deployed stack (`<stackPrefix>-ClassifierRetraining`). */
export const DEFAULT_RETRAIN_STACK = 'Mlw-ClassifierRetraining';

/** Stack outputs read by the commands (the stack's `CLASSIFIER_RETRAINING_OUTPUTS`). */
const OUTPUTS = { STATE_MACHINE: 'StateMachineArn', RUN_TABLE: 'RunTableName', CLASSIFIER: 'ClassifierName' } as const;

/** Exit codes of `mlw retrain check-data` (also in its `--help`). */
export const CHECK_DATA_EXIT = {
  /** Training may start. */
  MAY_TRAIN: 0,
  /** Bad options. */
  USAGE: 1,
  /** Unreadable input: no CSV file found, a file that cannot be opened, or text that is not UTF-8 to its end. */
  UNREADABLE: 2,
  /** Training may not start: short classes, too few new rows, or over a Comprehend limit (the reasons say which). */
  MAY_NOT_TRAIN: 3,
} as const;

const CHECK_DATA_HELP = `
Runs the retraining workflow's prepare core (the same code as its PrepareTrainingData Lambda) over a folder of
reviewed CSV files (every *.csv below it, in path order) or every *.csv under an s3:// prefix, with an optional base
training set merged under them: duplicates (same text; the later label wins), rejected rows with file and line, and
documents per class against Comprehend's minimum (50 per class, 10 multi-label). Every reviewed row counts as new.

Exit codes:
  ${CHECK_DATA_EXIT.MAY_TRAIN}  training may start
  ${CHECK_DATA_EXIT.USAGE}  bad options
  ${CHECK_DATA_EXIT.UNREADABLE}  unreadable input (no CSV file, a file that cannot be opened, text that is not UTF-8)
  ${CHECK_DATA_EXIT.MAY_NOT_TRAIN}  training may not start (the reasons name each short class and its count)
${example('mlw retrain check-data training-data/default/ --base base.csv', 'mlw retrain check-data s3://my-loop-data/training-data/default/ --json')}`;

/** Options of `mlw retrain check-data`. */
interface CheckDataOptions {
  base?: string;
  multiLabel?: boolean;
  minNewRows: number;
  json?: boolean;
}

/** Options of the commands that read the deployed stack. */
interface StackOptions {
  stackName: string;
  stateMachineArn?: string;
}

const countParser = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return number;
};

const runIdParser = (value: string) => {
  if (!RUN_ID_PATTERN.test(value))
    throw new InvalidArgumentError('expected 1-63 letters, digits and single hyphens (a Comprehend VersionName)');
  return value;
};

/** Every `*.csv` file below a folder (or the file itself), in path order. */
export function localCsvFiles(path: string): string[] {
  const root = resolve(path);
  if (!statSync(root).isDirectory()) return [root];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.toLowerCase().endsWith('.csv')) files.push(full);
    }
  };
  walk(root);
  return files.sort();
}

/** The unreadable-input failure of check-data. */
class UnreadableInput extends CliError {}

const localSource = (file: string, kind: 'base' | 'reviewed'): PrepareSource => ({
  name: relative(process.cwd(), file) || file,
  kind,
  isNew: kind === 'reviewed',
  open: () => Promise.resolve(openLocalFile(file)),
});

/** The prepare sources of check-data: the base set first, then the reviewed files. */
async function checkDataSources(input: string, base: string | undefined, aws: AwsOptions): Promise<PrepareSource[]> {
  const sources: PrepareSource[] = [];
  const remote = input.startsWith('s3://') || base?.startsWith('s3://');
  const s3 = remote
    ? await (async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return explainErrors(new S3Client(clientConfig(aws)), aws);
      })()
    : undefined;
  const adapter = remote ? await import('../../lambdas/classifier-retraining/adapters/s3-data') : undefined;
  if (base !== undefined) {
    if (base.startsWith('s3://')) sources.push(adapter!.s3Source(s3!, await adapter!.baseSource(s3!, base), false));
    else {
      try {
        statSync(base);
      } catch (error) {
        throw new UnreadableInput(`Cannot read the base set ${base}`, [], { cause: error });
      }
      sources.push(localSource(resolve(base), 'base'));
    }
  }
  if (input.startsWith('s3://')) {
    const { parseS3Uri } = await import('../../lambdas/shared/s3-keys');
    const location = parseS3Uri(input.endsWith('/') ? input : `${input}/`);
    const refs = await adapter!.listCsvObjects(s3!, location.bucket, location.key);
    sources.push(...refs.map((ref) => adapter!.s3Source(s3!, ref, true)));
    if (refs.length === 0) throw new UnreadableInput(`No *.csv object under ${input}`);
  } else {
    let files: string[];
    try {
      files = localCsvFiles(input);
    } catch (error) {
      throw new UnreadableInput(`Cannot read ${input}`, [], { cause: error });
    }
    if (files.length === 0) throw new UnreadableInput(`No *.csv file under ${input}`);
    sources.push(...files.map((f) => localSource(f, 'reviewed')));
  }
  return sources;
}

/**
 * `mlw retrain check-data`: the prepare report of local or S3 files.
 * @returns the report and the exit code ({@link CHECK_DATA_EXIT}).
 */
export async function checkData(
  input: string,
  opts: CheckDataOptions,
  aws: AwsOptions = {},
): Promise<{ report: PrepareReport; exitCode: number }> {
  const sources = await checkDataSources(input, opts.base, aws);
  const { report } = await tallySources(sources, {
    multiLabel: opts.multiLabel ?? false,
    minNewRows: opts.minNewRows,
  });
  const exitCode =
    report.unreadableSources.length > 0
      ? CHECK_DATA_EXIT.UNREADABLE
      : report.mayTrain
        ? CHECK_DATA_EXIT.MAY_TRAIN
        : CHECK_DATA_EXIT.MAY_NOT_TRAIN;
  return { report, exitCode };
}

/** The human-readable check-data report. */
export function checkDataText(report: PrepareReport): string {
  const { rows } = report;
  const lines = [
    `${rows.documents} document(s) from ${report.sources.length} file(s): ${rows.base} base, ${rows.reviewed} reviewed (${rows.newReviewed} new)`,
    `${rows.valid} valid row(s), ${rows.duplicates} duplicate(s) dropped, ${rows.rejected} rejected`,
    `classes (minimum ${report.minimumPerClass} documents each):`,
    ...report.classes.map(
      (c) => `  ${c.name}: ${c.documents}${c.documents < report.minimumPerClass ? '  (short)' : ''}`,
    ),
  ];
  if (report.rejections.length > 0) {
    lines.push('rejected rows:');
    for (const r of report.rejections.slice(0, 20)) lines.push(`  ${r.source}:${r.line}: ${r.reason}`);
    if (rows.rejected > 20) lines.push(`  … and ${rows.rejected - 20} more`);
  }
  for (const source of report.unreadableSources) lines.push(`unreadable: ${source}`);
  lines.push(report.mayTrain ? 'training may start' : 'training may not start:');
  for (const reason of report.reasons) lines.push(`  - ${reason}`);
  return lines.join('\n');
}

/** A run id from the time: `run-20261130T100000Z` (a valid Comprehend `VersionName`). */
export function newRunId(now = new Date()): string {
  return `run-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** The execution input of an action. */
export function actionInput(action: RunAction, fields: { runId?: string; modelArn?: string } = {}): string {
  return JSON.stringify({ action, trigger: 'cli', ...fields });
}

function addStackOptions(command: Command): Command {
  return command
    .addOption(stackNameOption(DEFAULT_RETRAIN_STACK, `the ${OUTPUTS.STATE_MACHINE} and ${OUTPUTS.RUN_TABLE} outputs`))
    .addOption(stackAliasOption())
    .option('--state-machine-arn <arn>', `state machine (default: output ${OUTPUTS.STATE_MACHINE} of --stack-name)`);
}

/** Start an execution of the retraining state machine; prints `{executionArn, runId}`. */
async function startAction(
  command: Command,
  opts: StackOptions,
  name: string,
  input: string,
): Promise<{ executionArn?: string }> {
  const aws = awsOptions(command);
  const stateMachineArn = await optionOrStackOutput(aws, opts.stateMachineArn, {
    stackName: opts.stackName,
    outputKey: OUTPUTS.STATE_MACHINE,
    optionName: '--state-machine-arn',
  });
  const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
  const client = explainErrors(new SFNClient(clientConfig(aws)), aws);
  const answer = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
  process.stdout.write(`${JSON.stringify({ executionArn: answer.executionArn, name }, null, 2)}\n`);
  return { executionArn: answer.executionArn };
}

/** `mlw retrain status`: the lock, the promoted model and the latest executions. */
async function status(command: Command, opts: StackOptions & { json?: boolean; limit: number }): Promise<void> {
  const aws = awsOptions(command);
  const { stackOutputs } = await import('../aws');
  let outputs: Record<string, string> = {};
  if (!opts.stateMachineArn) {
    try {
      outputs = await stackOutputs(aws, opts.stackName);
    } catch (error) {
      throw new CliError(`Cannot read the outputs of stack ${opts.stackName}`, [], { cause: error });
    }
  }
  const stateMachineArn = opts.stateMachineArn ?? outputs[OUTPUTS.STATE_MACHINE];
  const tableName = outputs[OUTPUTS.RUN_TABLE];
  const classifier = outputs[OUTPUTS.CLASSIFIER];
  if (!stateMachineArn) throw new CliError(`Stack ${opts.stackName} has no output ${OUTPUTS.STATE_MACHINE}`);
  const { SFNClient, ListExecutionsCommand } = await import('@aws-sdk/client-sfn');
  const sfn = explainErrors(new SFNClient(clientConfig(aws)), aws);
  const executions = (
    await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: opts.limit }))
  ).executions?.map((e) => ({ name: e.name, status: e.status, startDate: e.startDate, stopDate: e.stopDate }));
  let lock: Record<string, string> | undefined;
  let promoted: Record<string, string> | undefined;
  if (tableName && classifier) {
    const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const dynamo = explainErrors(new DynamoDBClient(clientConfig(aws)), aws);
    const read = async (item: string) => {
      const answer = await dynamo.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [RUN_TABLE.PARTITION_KEY]: { S: classifier }, [RUN_TABLE.SORT_KEY]: { S: item } },
        }),
      );
      return answer.Item
        ? Object.fromEntries(Object.entries(answer.Item).flatMap(([k, v]) => (v.S !== undefined ? [[k, v.S]] : [])))
        : undefined;
    };
    lock = await read(RUN_TABLE.LOCK);
    promoted = await read(RUN_TABLE.PROMOTED);
  }
  const result = { classifier, lock: lock ?? null, promoted: promoted ?? null, executions: executions ?? [] };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const lines = [
    `classifier: ${classifier ?? '(unknown: give --stack-name)'}`,
    lock
      ? `run ${lock.runId} holds the lock (${lock.phase})${lock.phase === 'awaiting-approval' ? `: mlw retrain approve ${lock.runId} | reject ${lock.runId}` : ''}`
      : 'no run in progress',
    promoted
      ? `promoted: ${promoted.modelArn} (run ${promoted.runId}${promoted.previousModelArn ? `, before it ${promoted.previousModelArn}` : ''})`
      : 'no model promoted yet',
    'latest executions:',
    ...(executions ?? []).map((e) => `  ${e.name}  ${e.status}  ${e.startDate?.toISOString() ?? ''}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `mlw retrain …`: check data, start, status, approve, reject, rollback. */
export function registerRetrainCommands(program: Command): void {
  const retrain = program
    .command('retrain')
    .description('Classifier retraining: check training data, start runs, approve, reject or roll back a model')
    .addHelpText('after', example('mlw retrain check-data training-data/ --base base.csv', 'mlw retrain status'));

  retrain
    .command('check-data')
    .description('Would a retraining run train? Per-class counts, duplicates and rejected rows of CSV files')
    .argument('<source>', 'a folder or file of reviewed Comprehend CSV, or s3://bucket/prefix/')
    .option('--base <file>', 'base training set merged under the reviewed rows (a path or s3://…)')
    .option('--multi-label', 'multi-label classifier (labels joined by |)')
    .option('--min-new-rows <n>', 'reviewed rows needed', countParser, RT_DEFAULTS.MIN_NEW_ROWS)
    .option('--json', 'print the prepare report as one JSON object')
    .addHelpText('after', CHECK_DATA_HELP)
    .action(async (source: string, opts: CheckDataOptions, command: Command) => {
      let result: { report: PrepareReport; exitCode: number };
      try {
        result = await checkData(source, opts, awsOptions(command));
      } catch (error) {
        if (!(error instanceof UnreadableInput)) throw error;
        const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
        process.stderr.write(`mlw: ${error.message}${cause}\n`);
        process.exitCode = CHECK_DATA_EXIT.UNREADABLE;
        return;
      }
      process.stdout.write(`${opts.json ? JSON.stringify(result.report) : checkDataText(result.report)}\n`);
      process.exitCode = result.exitCode;
    });

  addStackOptions(
    retrain
      .command('start')
      .description('Start a retraining run now (refused while another run is in progress or awaits approval)')
      .option(
        '--run-id <id>',
        'run id: the execution name and the model VersionName (default run-<UTC time>)',
        runIdParser,
      ),
  )
    .addHelpText('after', example('mlw retrain start', 'mlw retrain start --run-id before-release-3'))
    .action(async (opts: StackOptions & { runId?: string }, command: Command) => {
      const runId = opts.runId ?? newRunId();
      await startAction(command, opts, runId, actionInput('start'));
    });

  addStackOptions(
    retrain
      .command('status')
      .description('The run holding the lock, the promoted model and the latest executions')
      .option('--limit <n>', 'executions listed', countParser, 10)
      .option('--json', 'print one JSON object {classifier, lock, promoted, executions}'),
  )
    .addHelpText('after', example('mlw retrain status --json'))
    .action(async (opts: StackOptions & { json?: boolean; limit: number }, command: Command) => status(command, opts));

  for (const action of ['approve', 'reject'] as const) {
    addStackOptions(
      retrain
        .command(action)
        .description(
          action === 'approve'
            ? 'Deploy the candidate of the run awaiting approval (an execution continues it)'
            : 'Abandon the run awaiting approval: the lock is released, nothing is deployed',
        )
        .argument('<run-id>', 'the run awaiting approval (mlw retrain status names it)', runIdParser),
    )
      .addHelpText('after', example(`mlw retrain ${action} run-20261130T030000Z`))
      .action(async (runId: string, opts: StackOptions, command: Command) => {
        await startAction(command, opts, `${action}-${runId}`.slice(0, 80), actionInput(action, { runId }));
      });
  }

  addStackOptions(
    retrain
      .command('rollback')
      .description('UpdateEndpoint back to the model promoted before the current one (or to --model-arn)')
      .option('--model-arn <arn>', 'a model version to roll back to instead'),
  )
    .addHelpText('after', example('mlw retrain rollback'))
    .action(async (opts: StackOptions & { modelArn?: string }, command: Command) => {
      if (opts.modelArn !== undefined && !/^arn:aws[a-z-]*:comprehend:/.test(opts.modelArn))
        throw new CliError(`--model-arn ${opts.modelArn} is not a Comprehend model ARN`);
      await startAction(
        command,
        opts,
        `rollback-${newRunId().slice(4)}`,
        actionInput('rollback', opts.modelArn ? { modelArn: opts.modelArn } : {}),
      );
    });
}
