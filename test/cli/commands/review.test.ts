import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { localDynamoDbClient, useLocalServices } from '../../helpers/local-services';
import { runMlwInProcess } from '../../helpers/cli';
import { createTaskTable, reviewBatch } from '../../helpers/review-portal';

const services = useLocalServices('dynamodb');
const cognito = mockClient(CognitoIdentityProviderClient);

const run = async (...args: string[]) => (await runMlwInProcess(...args)).stdout;

describe('mlw review', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-review-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    cognito.reset();
    process.exitCode = undefined;
  });

  it('create makes tasks from a file once; stats reports the queue from the same core the API uses', async () => {
    await createTaskTable(localDynamoDbClient(services.dynamodb.endpoint), 'cli-tasks');
    const file = join(dir, 'batches.json');
    writeFileSync(file, JSON.stringify([reviewBatch('cli-one'), reviewBatch('cli-two', 3)]));
    const endpoint = ['--endpoint-url', services.dynamodb.endpoint];
    expect(await run(...endpoint, 'review', 'create', file, '--table', 'cli-tasks')).toBe(
      'cli-one: started\ncli-two: started\n',
    );
    expect(await run(...endpoint, 'review', 'create', file, '--table', 'cli-tasks')).toBe(
      'cli-one: already-exists\ncli-two: already-exists\n',
    );
    const stats = JSON.parse(
      await run(...endpoint, 'review', 'stats', '--table', 'cli-tasks', '--json', '--reviewers-per-item', '2'),
    ) as Record<string, number>;
    expect(stats).toMatchObject({ open: 2, leased: 0, available: 2, answersNeeded: 4, waitingTooLong: 0 });
    const text = await run(...endpoint, 'review', 'stats', '--table', 'cli-tasks');
    expect(text).toMatch(/^open tasks\s+2$/m);
    expect(text).toMatch(/^waiting too long\s+0 \(older than 24 h\)$/m);
    expect(process.exitCode).toBeUndefined();
  });

  it('invite creates the user with an emailed temporary password and adds them to the reviewers group', async () => {
    cognito.on(AdminCreateUserCommand).resolves({});
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    expect(await run('review', 'invite', 'ada@example.com', '--user-pool-id', 'eu-west-1_abc')).toBe(
      'Invited ada@example.com\n',
    );
    expect(cognito).toHaveReceivedCommandWith(AdminCreateUserCommand, {
      UserPoolId: 'eu-west-1_abc',
      Username: 'ada@example.com',
      DesiredDeliveryMediums: ['EMAIL'],
      UserAttributes: [
        { Name: 'email', Value: 'ada@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    expect(cognito).toHaveReceivedCommandWith(AdminAddUserToGroupCommand, {
      UserPoolId: 'eu-west-1_abc',
      Username: 'ada@example.com',
      GroupName: 'reviewers',
    });
  });

  it('invite adds an existing user to the group, and refuses what is not an email address', async () => {
    cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'exists', $metadata: {} }));
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    expect(await run('review', 'invite', 'bo@example.com', '--user-pool-id', 'p')).toContain('Already a user');
    expect(cognito).toHaveReceivedCommandTimes(AdminAddUserToGroupCommand, 1);
    await expect(run('review', 'invite', 'not-an-email', '--user-pool-id', 'p')).rejects.toThrow(
      'Not an email address: not-an-email',
    );
  });
});
