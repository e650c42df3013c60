import { readFileSync, statSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  BUILT_IN_TASK_LAMBDA_ACCOUNTS,
  BUILT_IN_TASK_LAMBDA_REGIONS,
  MAX_CHAIN_LENGTH_LIMIT,
  STATE_MACHINE_OUTPUT_KEY,
} from '../../lambdas/labeling-chain/contract';
import {
  type ChainSettings,
  describedJobSchema,
  ManifestUnreadableError,
  type PlanResult,
  planStep,
} from '../../lambdas/labeling-chain/core/plan';
import {
  type ChainRequestInput,
  describeIssues,
  validateChainRequest,
} from '../../lambdas/labeling-chain/core/request';
import { ValidationError } from '../../lambdas/shared/errors';
import { openLocalFile, readJsonLineBatches } from '../../lambdas/shared/jsonl';
import { decodeUtf8, TextEncodingError } from '../../lambdas/shared/text';
import {
  awsOptions,
  clientConfig,
  explainErrors,
  optionOrStackOutput,
  stackAliasOption,
  stackNameOption,
} from '../aws';
import { example } from '../help';

/** Default name of the deployed stack (`<stackPrefix>-LabelingChain`). */
export const DEFAULT_CHAIN_STACK = 'Mlw-LabelingChain';

/** Request options shared by `mlw chain start` and `mlw chain plan`. */
interface RequestOptions {
  job: string;
  mode: 'continue' | 'relabel';
  labelAttribute?: string;
  maxChainLength?: string;
  autoLabeling?: boolean;
  overrides?: string;
}

/** Options of `mlw chain start`. */
interface StartOptions extends RequestOptions {
  stateMachineArn?: string;
  stackName: string;
  executionName?: string;
  dryRun?: boolean;
}

/** Options of `mlw chain plan`. */
interface PlanOptions extends RequestOptions {
  manifest: string;
  json?: boolean;
}

/** Build the execution input from the options; `--overrides` is JSON or `@file.json`. */
export function chainInput(opts: RequestOptions): ChainRequestInput {
  let overrides: unknown;
  if (opts.overrides !== undefined) {
    const text = opts.overrides.startsWith('@') ? readFileSync(opts.overrides.slice(1), 'utf8') : opts.overrides;
    try {
      overrides = JSON.parse(text) as unknown;
    } catch (error) {
      throw new Error(`--overrides is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const maxChainLength = opts.maxChainLength === undefined ? undefined : Number(opts.maxChainLength);
  const input = {
    jobName: opts.job,
    mode: opts.mode,
    ...(opts.labelAttribute !== undefined ? { labelAttributeName: opts.labelAttribute } : {}),
    ...(maxChainLength !== undefined ? { maxChainLength } : {}),
    ...(opts.autoLabeling !== undefined ? { autoLabeling: opts.autoLabeling } : {}),
    ...(overrides !== undefined ? { overrides } : {}),
  };
  // The same rules the planner applies (the deployed limit is checked again by the state machine).
  validateChainRequest(input, MAX_CHAIN_LENGTH_LIMIT);
  return input as ChainRequestInput;
}

/** A valid execution name: `<job>-<mode>-<UTC timestamp>`, at most 80 characters. */
export function executionName(job: string, mode: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${job.slice(0, 80 - mode.length - stamp.length - 2)}-${mode}-${stamp}`;
}

/** Exit codes of `mlw chain plan` (also in its `--help`). */
export const PLAN_EXIT = {
  /** A plan: `create` (with the request) or `stop` (with the reason). */
  PLAN: 0,
  /** Bad options. */
  USAGE: 1,
  /** Unreadable input: a file that cannot be read, a job file that is not a DescribeLabelingJob answer, manifest lines that are not UTF-8 JSON objects. */
  UNREADABLE: 2,
  /** The planner refuses: the error names the rule (a label attribute, a limit, a manifest that does not match the job). */
  REFUSED: 3,
} as const;

const PLAN_HELP = `
Runs the chain's planner (the same core as the PlanNextJob Lambda) offline: the job file is a saved
DescribeLabelingJob answer (aws sagemaker describe-labeling-job --labeling-job-name NAME > job.json), the manifest
stands for the manifest the planner reads (the job's output manifest, or its input when it wrote none). The Region,
partition and built-in Lambda account come from the job ARN (--region overrides the Region).

Exit codes:
  ${PLAN_EXIT.PLAN}  a plan: create (the CreateLabelingJob request) or stop (the reason)
  ${PLAN_EXIT.USAGE}  bad options
  ${PLAN_EXIT.UNREADABLE}  unreadable input (file, job JSON, manifest lines that are not UTF-8 JSON objects)
  ${PLAN_EXIT.REFUSED}  the planner refuses (the message names the rule)
${example('mlw chain plan --job job.json --manifest output.manifest --json')}`;

/** What `mlw chain plan --json` prints. */
export type PlanReport =
  | { decision: 'create'; autoLabeling: boolean; request: unknown; chain: PlanResult['chain']; manifest: string }
  | { decision: 'stop'; summary: PlanResult['summary']; manifest: string }
  | { decision: 'refused' | 'unreadable'; error: { name: string; message: string; details: readonly string[] } };

/** Deployment settings for an offline plan: Region, partition and built-in Lambda account from the job ARN. */
export function offlineSettings(jobArn: string, region?: string): ChainSettings {
  const [, partition = 'aws', , arnRegion = ''] = jobArn.split(':');
  const resolved = region ?? arnRegion;
  const account = BUILT_IN_TASK_LAMBDA_ACCOUNTS[resolved];
  if (account === undefined) {
    throw new ValidationError(
      `Region ${JSON.stringify(resolved)} has no Ground Truth built-in task Lambdas (Regions: ${BUILT_IN_TASK_LAMBDA_REGIONS.join(', ')})`,
    );
  }
  return { maxChainLength: MAX_CHAIN_LENGTH_LIMIT, region: resolved, partition, builtInLambdaAccount: account };
}

class Unreadable extends Error {}

function readJobFile(file: string): Record<string, unknown> & { LabelingJobName: string; LabelingJobArn: string } {
  let job: unknown;
  try {
    job = JSON.parse(decodeUtf8(readFileSync(file), file));
  } catch (error) {
    throw new Unreadable(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = describedJobSchema.safeParse(job);
  if (!parsed.success) {
    const details = describeIssues(parsed.error.issues, job);
    throw new Unreadable(`${file} is not a DescribeLabelingJob answer: ${details.join('; ')}`);
  }
  return parsed.data;
}

/**
 * `mlw chain plan`: the planner on a saved `DescribeLabelingJob` answer and a local manifest.
 * @returns the report and the exit code ({@link PLAN_EXIT}).
 */
export async function planOffline(
  opts: Omit<PlanOptions, 'job' | 'json'> & { jobFile: string },
  region?: string,
): Promise<{ report: PlanReport; exitCode: number }> {
  const failure = (decision: 'refused' | 'unreadable', error: Error) => ({
    report: {
      decision,
      error: {
        name: error instanceof Unreadable ? 'UnreadableInput' : error.name,
        message: error.message,
        details: error instanceof ValidationError ? error.details : [],
      },
    },
    exitCode: decision === 'refused' ? PLAN_EXIT.REFUSED : PLAN_EXIT.UNREADABLE,
  });
  let manifestUri: string | undefined;
  try {
    const job = readJobFile(opts.jobFile);
    const request = chainInput({ ...opts, job: job.LabelingJobName });
    const settings = offlineSettings(job.LabelingJobArn, region);
    // The local file answers for the first manifest the planner asks for (the job's output, else its input).
    const result = await planStep({ request, settings, job }, (uri) => {
      manifestUri = uri;
      try {
        statSync(opts.manifest); // fails here (ENOENT, with the file name) rather than inside the stream
      } catch (error) {
        return Promise.reject(new Unreadable(error instanceof Error ? error.message : String(error)));
      }
      return Promise.resolve(readJsonLineBatches(openLocalFile(opts.manifest), { what: opts.manifest }));
    });
    const manifest = `${opts.manifest} (as ${manifestUri})`;
    return {
      report:
        result.decision === 'create'
          ? {
              decision: 'create',
              autoLabeling: result.next!.autoLabeling,
              request: result.next!.request,
              chain: result.chain,
              manifest,
            }
          : { decision: 'stop', summary: result.summary, manifest },
      exitCode: PLAN_EXIT.PLAN,
    };
  } catch (error) {
    if (error instanceof Unreadable || error instanceof ManifestUnreadableError || error instanceof TextEncodingError)
      return failure('unreadable', error);
    if (error instanceof ValidationError) return failure('refused', error);
    throw error;
  }
}

function planText(report: PlanReport): string {
  switch (report.decision) {
    case 'create': {
      const child = report.chain.jobs[report.chain.jobs.length - 1];
      return [
        `create ${child?.jobName}: ${child?.sentToWorkers} object(s) to workers, ${child?.skipped} already labeled${report.autoLabeling ? ', with automated data labeling' : ''}`,
        `manifest: ${report.manifest}`,
        `CreateLabelingJob request:`,
        JSON.stringify(report.request, null, 2),
      ].join('\n');
    }
    case 'stop':
      return `stop (${report.summary?.outcome}): ${report.summary?.message}\nmanifest: ${report.manifest}`;
    default:
      return [
        `${report.decision}: ${report.error.message}`,
        ...report.error.details.slice(0, 20).map((d) => `  - ${d}`),
      ].join('\n');
  }
}

/** Register `--mode`, `--label-attribute`, `--max-chain-length`, `--auto-labeling` and `--overrides`. */
function requestOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--mode <mode>', 'continue (same attribute) or relabel (a new attribute over all objects)')
        .choices(['continue', 'relabel'])
        .default('continue'),
    )
    .option('--label-attribute <name>', 'relabel: the new label attribute name')
    .option('--max-chain-length <n>', 'jobs this execution may create (at most the deployed limit)')
    .option('--auto-labeling', 'use automated data labeling in the chained jobs')
    .option('--no-auto-labeling', 'do not use automated data labeling (default: as the parent did)')
    .option(
      '--overrides <json|@file>',
      'changes to the parent configuration, e.g. {"workteamArn":"…","maxConcurrentTaskCount":200}',
    );
}

/** `mlw chain start` and `mlw chain plan`: start the labeling chain for a job, or see what it would do. */
export function registerChainCommands(program: Command): void {
  const chain = program
    .command('chain')
    .description('Ground Truth job chaining: continue labeling jobs in series')
    .addHelpText('after', example('mlw chain start --job my-labeling-job --dry-run'));
  requestOptions(
    chain
      .command('plan')
      .description(
        'Show what the chain would do for a job, offline: create (with the request), stop (why) or the error',
      )
      .requiredOption('--job <file>', 'a saved DescribeLabelingJob answer (JSON)')
      .requiredOption('--manifest <file>', "the job's output manifest (or its input manifest when it wrote none)"),
  )
    .option('--json', 'print one JSON object: {decision, request|summary|error, …}')
    .addHelpText('after', PLAN_HELP)
    .action(async (opts: PlanOptions, command: Command) => {
      const { report, exitCode } = await planOffline({ ...opts, jobFile: opts.job }, awsOptions(command).region);
      const text = opts.json ? JSON.stringify(report) : planText(report);
      (exitCode === PLAN_EXIT.PLAN || opts.json ? process.stdout : process.stderr).write(`${text}\n`);
      process.exitCode = exitCode;
    });

  requestOptions(
    chain
      .command('start')
      .description('Start a chain execution that continues a labeling job until its data is labeled')
      .requiredOption('--job <name>', 'the labeling job to continue (the parent)'),
  )
    .option('--state-machine-arn <arn>', 'state machine to start (default: output StateMachineArn of --stack-name)')
    .addOption(stackNameOption(DEFAULT_CHAIN_STACK, `the ${STATE_MACHINE_OUTPUT_KEY} output`))
    .addOption(stackAliasOption())
    .option('--execution-name <name>', 'execution name (default: <job>-<mode>-<timestamp>)')
    .option('--dry-run', 'validate and print the execution input without starting anything')
    .addHelpText('after', example('mlw chain start --job my-labeling-job --max-chain-length 3'))
    .action(async (opts: StartOptions, command: Command) => {
      const input = chainInput(opts);
      if (opts.dryRun) {
        process.stdout.write(`${JSON.stringify(input, null, 2)}\n`);
        return;
      }
      const aws = awsOptions(command);
      const stateMachineArn = await optionOrStackOutput(aws, opts.stateMachineArn, {
        stackName: opts.stackName,
        outputKey: STATE_MACHINE_OUTPUT_KEY,
        optionName: '--state-machine-arn',
      });
      const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
      const client = explainErrors(new SFNClient(clientConfig(aws)), aws);
      const answer = await client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: opts.executionName ?? executionName(opts.job, opts.mode),
          input: JSON.stringify(input),
        }),
      );
      process.stdout.write(
        `${JSON.stringify({ executionArn: answer.executionArn, startDate: answer.startDate }, null, 2)}\n`,
      );
    });
}
