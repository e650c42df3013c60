import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { MAX_CHAIN_LENGTH_LIMIT, STATE_MACHINE_OUTPUT_KEY } from '../../lambdas/labeling-chain/contract';
import { type ChainRequestInput, validateChainRequest } from '../../lambdas/labeling-chain/core/request';
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

/** Options of `mlw chain start`. */
interface StartOptions {
  job: string;
  mode: 'continue' | 'relabel';
  labelAttribute?: string;
  maxChainLength?: string;
  autoLabeling?: boolean;
  overrides?: string;
  stateMachineArn?: string;
  stackName: string;
  executionName?: string;
  dryRun?: boolean;
}

/** Build the execution input from the options; `--overrides` is JSON or `@file.json`. */
export function chainInput(opts: StartOptions): ChainRequestInput {
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

/** `mlw chain start`: start the labeling chain for a job. */
export function registerChainCommands(program: Command): void {
  const chain = program
    .command('chain')
    .description('Ground Truth job chaining: continue labeling jobs in series')
    .addHelpText('after', example('mlw chain start --job my-labeling-job --dry-run'));
  chain
    .command('start')
    .description('Start a chain execution that continues a labeling job until its data is labeled')
    .requiredOption('--job <name>', 'the labeling job to continue (the parent)')
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
