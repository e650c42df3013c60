import { readFile } from 'node:fs/promises';
import { type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { type Command, Option } from 'commander';
import { REVIEWER_GROUP } from '../../lambdas/review-portal/contract';
import { queueStats } from '../../lambdas/review-portal/core/stats';
import { validateBatch } from '../../lambdas/review-portal/core/task';
import { type ReviewBatch } from '../../lambdas/review/contract';
import {
  type AwsOptions,
  stackAliasOption,
  stackNameOption,
  awsOptions,
  clientConfig,
  explainErrors,
  optionOrStackOutput,
} from '../aws';
import { CliError } from '../errors';
import { example } from '../help';

/** Default name of the deployed review portal stack. */
const DEFAULT_STACK = 'Mlw-ReviewPortal';
/** Stack outputs the commands read (see lib/stacks/review-portal-stack.ts). */
const OUTPUT = { TASK_TABLE: 'TaskTableName', USER_POOL: 'UserPoolId' } as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The stack a review command reads: its own `--stack-name`, or the one given before the subcommand
 * (`mlw review --stack-name X stats`, the older form, still accepted).
 */
function stackNameOf(command: Command): string {
  const given = command.parent?.getOptionValue('stackName') as string | undefined;
  if (given !== undefined && command.getOptionValueSource('stackName') === 'default') return given;
  return command.getOptionValue('stackName') as string;
}

/** The task store of a deployed portal (the DynamoDB client is loaded only when a command uses it). */
async function taskStore(aws: AwsOptions, table: string) {
  const [{ DynamoDBClient }, { TaskStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../../lambdas/review-portal/adapters/task-store'),
  ]);
  return new TaskStore(explainErrors(new DynamoDBClient(clientConfig(aws)), aws), table);
}

/**
 * Read and check a file of review batches (one batch or a list) with the portal's own validation, before anything is
 * read from AWS.
 * @throws CliError listing every problem of every batch (nothing is created when one is invalid).
 */
export async function readReviewBatches(file: string): Promise<ReviewBatch[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new CliError(`${file} is not valid JSON`, [], { cause: error });
    throw error;
  }
  const batches: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const problems: string[] = [];
  batches.forEach((batch, i) => {
    const where = Array.isArray(parsed) ? `[${i}]` : 'batch';
    if (typeof batch !== 'object' || batch === null || typeof (batch as ReviewBatch).input !== 'object') {
      problems.push(`${where}: not a review batch {"id": "...", "input": {"categories": [...], "items": [...]}}`);
      return;
    }
    try {
      validateBatch(batch as ReviewBatch);
    } catch (error) {
      const details = (error as { details?: readonly string[] }).details ?? [];
      const id = JSON.stringify((batch as { id?: unknown }).id);
      for (const detail of details.length > 0 ? details : [String(error)]) problems.push(`${where} ${id}: ${detail}`);
    }
  });
  if (problems.length > 0) {
    throw new CliError(`${file}: ${problems.length} problem(s) in the review batches; nothing was created`, problems);
  }
  return batches as ReviewBatch[];
}

/**
 * `mlw review stats | invite EMAIL | create FILE`: operate the review portal. `stats` and `create` use the same task
 * store and core as the portal's Lambdas; names default from the deployed stack's outputs.
 */
export function registerReviewCommands(program: Command): void {
  const review = program
    .command('review')
    .description('Review portal: queue statistics, reviewer invitations, task creation')
    // The older place of the option (before the subcommand); the subcommands' own --stack-name is the one shown.
    .addOption(new Option('--stack-name <name>').hideHelp())
    .addHelpText('after', example('mlw review stats --stack-name Mlw-ReviewPortal --region eu-west-1'));

  review
    .command('stats')
    .description('Queue statistics: open, leased and available tasks, answers needed, age of the oldest task')
    .option('--table <name>', `task table (default: stack output ${OUTPUT.TASK_TABLE})`)
    .option('--reviewers-per-item <n>', 'answers a task needs unless it says otherwise', '1')
    .option('--max-age-hours <n>', 'count tasks older than this as waiting too long', '24')
    .option('--json', 'print JSON')
    .addOption(stackNameOption(DEFAULT_STACK, `the ${OUTPUT.TASK_TABLE} output`))
    .addOption(stackAliasOption())
    .addHelpText('after', example('mlw review stats --max-age-hours 8 --json'))
    .action(
      async (
        opts: { table?: string; reviewersPerItem: string; maxAgeHours: string; json?: boolean },
        command: Command,
      ) => {
        const reviewersPerItem = positiveInt(opts.reviewersPerItem, '--reviewers-per-item');
        const maxAge = positiveInt(opts.maxAgeHours, '--max-age-hours') * 3600;
        const aws = awsOptions(command);
        const table = await optionOrStackOutput(aws, opts.table, {
          stackName: stackNameOf(command),
          outputKey: OUTPUT.TASK_TABLE,
          optionName: '--table',
        });
        const store = await taskStore(aws, table);
        const stats = await queueStats(store.queue(), Date.now(), maxAge, { reviewersPerItem });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
          return;
        }
        const rows: [string, string][] = [
          ['open tasks', String(stats.open)],
          ['being reviewed', String(stats.leased)],
          ['available', String(stats.available)],
          ['answers needed', String(stats.answersNeeded)],
          [
            'oldest task',
            stats.oldestTaskCreatedAt
              ? `${formatAge(stats.oldestTaskAgeSeconds)} (created ${stats.oldestTaskCreatedAt})`
              : '-',
          ],
          ['waiting too long', `${stats.waitingTooLong} (older than ${opts.maxAgeHours} h)`],
        ];
        process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(18)} ${v}`).join('\n')}\n`);
        if (stats.waitingTooLong > 0) process.exitCode = 2;
      },
    );

  review
    .command('invite')
    .description('Invite a reviewer by email: Cognito sends a temporary password; the user joins the reviewers group')
    .argument('<email>', "the reviewer's email address")
    .option('--user-pool-id <id>', `user pool (default: stack output ${OUTPUT.USER_POOL})`)
    .option('--resend', 'send the invitation again to an existing user')
    .addOption(stackNameOption(DEFAULT_STACK, `the ${OUTPUT.USER_POOL} output`))
    .addOption(stackAliasOption())
    .addHelpText('after', example('mlw review invite ada@example.com'))
    .action(async (email: string, opts: { userPoolId?: string; resend?: boolean }, command: Command) => {
      if (!EMAIL.test(email)) throw new CliError(`Not an email address: ${email}`);
      const aws = awsOptions(command);
      const userPoolId = await optionOrStackOutput(aws, opts.userPoolId, {
        stackName: stackNameOf(command),
        outputKey: OUTPUT.USER_POOL,
        optionName: '--user-pool-id',
      });
      const { CognitoIdentityProviderClient } = await import('@aws-sdk/client-cognito-identity-provider');
      const cognito = explainErrors(new CognitoIdentityProviderClient(clientConfig(aws)), aws);
      const result = await inviteReviewer(cognito, userPoolId, email, opts.resend === true);
      process.stdout.write(
        `${result === 'invited' ? 'Invited' : result === 'resent' ? 'Invitation sent again to' : 'Already a user (added to the reviewers group):'} ${email}\n`,
      );
    });

  review
    .command('create')
    .description(
      'Create review tasks from a JSON file: one batch {id, input} or a list of them (re-running creates nothing twice)',
    )
    .argument('<file>', 'JSON file of ReviewBatch objects (lambdas/review/contract.ts)')
    .option('--table <name>', `task table (default: stack output ${OUTPUT.TASK_TABLE})`)
    .addOption(stackNameOption(DEFAULT_STACK, `the ${OUTPUT.TASK_TABLE} output`))
    .addOption(stackAliasOption())
    .addHelpText('after', example('mlw review create batches.json --region eu-west-1'))
    .action(async (file: string, opts: { table?: string }, command: Command) => {
      const batches = await readReviewBatches(file);
      const aws = awsOptions(command);
      const table = await optionOrStackOutput(aws, opts.table, {
        stackName: stackNameOf(command),
        outputKey: OUTPUT.TASK_TABLE,
        optionName: '--table',
      });
      const store = await taskStore(aws, table);
      for (const batch of batches) {
        process.stdout.write(`${batch.id}: ${await store.create(batch, new Date())}\n`);
      }
    });
}

/**
 * Invite a reviewer: `AdminCreateUser` (Cognito emails a temporary password), then add them to the reviewers group.
 * An existing user is added to the group (and, with `resend`, invited again).
 */
export async function inviteReviewer(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  resend = false,
): Promise<'invited' | 'resent' | 'existing'> {
  const { AdminAddUserToGroupCommand, AdminCreateUserCommand, UsernameExistsException } =
    await import('@aws-sdk/client-cognito-identity-provider');
  let result: 'invited' | 'resent' | 'existing' = 'invited';
  try {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
        ...(resend ? { MessageAction: 'RESEND' as const } : {}),
      }),
    );
    if (resend) result = 'resent';
  } catch (error) {
    if (!(error instanceof UsernameExistsException)) throw error;
    result = 'existing';
  }
  await cognito.send(
    new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: REVIEWER_GROUP }),
  );
  return result;
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer, got ${value}`);
  return n;
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
