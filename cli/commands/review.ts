import { readFile } from 'node:fs/promises';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Command } from 'commander';
import { REVIEWER_GROUP } from '../../lambdas/review-portal/contract';
import { queueStats } from '../../lambdas/review-portal/core/stats';
import { TaskStore } from '../../lambdas/review-portal/store/task-store';
import { type ReviewBatch } from '../../lambdas/review/contract';
import { awsOptions, clientConfig, optionOrStackOutput } from '../aws';

/** Default name of the deployed review portal stack. */
const DEFAULT_STACK = 'Mlw-ReviewPortal';

interface CommonOptions {
  readonly stackName: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * `mlw review stats | invite EMAIL | create FILE`: operate the review portal. `stats` and `create` use the same task
 * store and core as the portal's Lambdas; names default from the deployed stack's outputs.
 */
export function registerReviewCommands(program: Command): void {
  const review = program
    .command('review')
    .description('Review portal: queue statistics, reviewer invitations, task creation')
    .option('--stack-name <name>', 'the deployed review portal stack', DEFAULT_STACK);

  review
    .command('stats')
    .description('Queue statistics: open, leased and available tasks, answers needed, age of the oldest task')
    .option('--table <name>', 'task table (default: stack output TaskTableName)')
    .option('--reviewers-per-item <n>', 'answers a task needs unless it says otherwise', '1')
    .option('--max-age-hours <n>', 'count tasks older than this as waiting too long', '24')
    .option('--json', 'print JSON')
    .action(
      async (
        opts: { table?: string; reviewersPerItem: string; maxAgeHours: string; json?: boolean },
        command: Command,
      ) => {
        const aws = awsOptions(command);
        const { stackName } = command.parent!.opts<CommonOptions>();
        const table = await optionOrStackOutput(aws, opts.table, {
          stackName,
          outputKey: 'TaskTableName',
          optionName: '--table',
        });
        const reviewersPerItem = positiveInt(opts.reviewersPerItem, '--reviewers-per-item');
        const maxAge = positiveInt(opts.maxAgeHours, '--max-age-hours') * 3600;
        const store = new TaskStore(new DynamoDBClient(clientConfig(aws)), table);
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
    .option('--user-pool-id <id>', 'user pool (default: stack output UserPoolId)')
    .option('--resend', 'send the invitation again to an existing user')
    .action(async (email: string, opts: { userPoolId?: string; resend?: boolean }, command: Command) => {
      if (!EMAIL.test(email)) throw new Error(`Not an email address: ${email}`);
      const aws = awsOptions(command);
      const { stackName } = command.parent!.opts<CommonOptions>();
      const userPoolId = await optionOrStackOutput(aws, opts.userPoolId, {
        stackName,
        outputKey: 'UserPoolId',
        optionName: '--user-pool-id',
      });
      const cognito = new CognitoIdentityProviderClient(clientConfig(aws));
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
    .option('--table <name>', 'task table (default: stack output TaskTableName)')
    .action(async (file: string, opts: { table?: string }, command: Command) => {
      const aws = awsOptions(command);
      const { stackName } = command.parent!.opts<CommonOptions>();
      const table = await optionOrStackOutput(aws, opts.table, {
        stackName,
        outputKey: 'TaskTableName',
        optionName: '--table',
      });
      const parsed = JSON.parse(await readFile(file, 'utf8')) as ReviewBatch | ReviewBatch[];
      const store = new TaskStore(new DynamoDBClient(clientConfig(aws)), table);
      for (const batch of Array.isArray(parsed) ? parsed : [parsed]) {
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
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
