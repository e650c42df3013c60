import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { REVIEW_PORTAL_ENV as ENV } from '../../../lambdas/review-portal/contract';
import { type TaskView } from '../../../lambdas/review-portal/core/task';
import { ValidationError } from '../../../lambdas/shared/errors';
import { PortalReviewBackend } from '../../../lambdas/review/adapters/portal';
import { lambdaContext } from '../../helpers/lambda-context';
import { localDynamoDbClient, useLocalServices } from '../../helpers/local-services';
import { type TestUser, apiEvent, createTaskTable, reviewBatch, submitAnswersEvent } from '../../helpers/review-portal';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const services = useLocalServices('dynamodb');
const FIELD_CASES = join(__dirname, '..', '..', 'fixtures', 'field-cases');
const LEASE_SECONDS = 600;
const alice: TestUser = { sub: 'alice-0001', email: 'alice@example.com' };
const bob: TestUser = { sub: 'bob-0002', email: 'bob@example.com' };
const carol: TestUser = { sub: 'carol-0003' };

let table = '';
let tableCounter = 0;
let dynamodb: DynamoDBClient;
let handlers: Record<'claim' | 'get' | 'submit' | 'release' | 'stats', Handler>;
let realNow: () => number;
let clockOffset = 0;

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = services.dynamodb.endpoint;
  process.env[ENV.LEASE_SECONDS] = String(LEASE_SECONDS);
  process.env[ENV.REVIEWERS_PER_ITEM] = '1';
  process.env[ENV.ALLOWED_ORIGINS] = 'https://portal.example.com';
  dynamodb = localDynamoDbClient(services.dynamodb.endpoint);
  handlers = {
    claim: ((await import('../../../lambdas/review-portal/claim-task')) as { handler: Handler }).handler,
    get: ((await import('../../../lambdas/review-portal/get-task')) as { handler: Handler }).handler,
    submit: ((await import('../../../lambdas/review-portal/submit-answers')) as { handler: Handler }).handler,
    release: ((await import('../../../lambdas/review-portal/release-task')) as { handler: Handler }).handler,
    stats: ((await import('../../../lambdas/review-portal/queue-stats')) as { handler: Handler }).handler,
  };
  realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
});

afterAll(() => {
  jest.restoreAllMocks();
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
});

/** A fresh table per test (the handlers' env is memoized, so each test points it at its table before the first call). */
async function freshTable(): Promise<void> {
  tableCounter += 1;
  table = `review-tasks-${tableCounter}`;
  await createTaskTable(dynamodb, table);
  process.env[ENV.TASK_TABLE] = table;
  const { portalEnv } = await import('../../../lambdas/review-portal/adapters/api');
  portalEnv.reset();
  clockOffset = 0;
}

async function seed(...ids: string[]): Promise<void> {
  const backend = new PortalReviewBackend({ tableName: table, client: dynamodb });
  for (const id of ids) {
    expect(await backend.start(reviewBatch(id))).toBe('started');
    clockOffset += 5; // distinct creation times, oldest first
  }
}

const body = <T = Record<string, unknown>>(r: APIGatewayProxyResult) => JSON.parse(r.body) as T;

const claim = async (user: TestUser) =>
  handlers.claim(apiEvent({ method: 'POST', resource: '/tasks/claim', path: '/tasks/claim', user }), lambdaContext());
const claimedTask = async (user: TestUser) => body<{ task: TaskView | null }>(await claim(user)).task;
const submit = async (user: TestUser, taskId: string, answers: unknown) =>
  handlers.submit(submitAnswersEvent(user, taskId, answers), lambdaContext());
const release = async (user: TestUser, taskId: string) =>
  handlers.release(
    apiEvent({
      method: 'POST',
      resource: '/tasks/{taskId}/release',
      path: `/tasks/${taskId}/release`,
      user,
      pathParameters: { taskId },
    }),
    lambdaContext(),
  );
const stats = async (user: TestUser) =>
  body<Record<string, number>>(
    await handlers.stats(apiEvent({ method: 'GET', resource: '/stats', path: '/stats', user }), lambdaContext()),
  );

describe('review portal back end (PortalReviewBackend) against dynalite', () => {
  beforeEach(freshTable);

  it('creates a task once: a re-delivered batch reports already-exists and changes nothing', async () => {
    const backend = new PortalReviewBackend({ tableName: table, client: dynamodb });
    expect(await backend.start(reviewBatch('batch-one'))).toBe('started');
    const task = await claimedTask(alice);
    expect(await backend.start(reviewBatch('batch-one', 5))).toBe('already-exists');
    const again = body<{ task: TaskView }>(
      await handlers.get(
        apiEvent({
          method: 'GET',
          resource: '/tasks/{taskId}',
          path: '/tasks/batch-one',
          user: alice,
          pathParameters: { taskId: 'batch-one' },
        }),
        lambdaContext(),
      ),
    ).task;
    expect(again.items).toHaveLength(2);
    expect(again.leaseExpiresAt).toBe(task?.leaseExpiresAt);
  });

  it('rejects a batch that cannot become a task, naming each problem', async () => {
    const backend = new PortalReviewBackend({ tableName: table, client: dynamodb });
    const bad = { id: 'Bad_Id', input: { categories: [], items: [] } };
    await expect(backend.start(bad)).rejects.toThrow(ValidationError);
    await expect(backend.start(bad)).rejects.toMatchObject({
      details: [
        expect.stringContaining('id: "Bad_Id"'),
        expect.stringContaining('input.categories'),
        expect.stringContaining('input.items'),
      ],
    });
  });
});

describe('review API handlers against dynalite', () => {
  beforeEach(freshTable);

  it('claims the oldest task, with the categories from the task and a lease', async () => {
    await seed('task-old', 'task-new');
    const response = await claim(alice);
    expect(response.statusCode).toBe(200);
    const { task } = body<{ task: TaskView }>(response);
    expect(task).toMatchObject({
      taskId: 'task-old',
      categories: ['Positive', 'Negative', 'Neutral'],
      multiLabel: false,
      requiredAnswers: 1,
      answersReceived: 0,
    });
    expect(task.items.map((i) => i.index)).toEqual([0, 1]);
    expect(Date.parse(task.leaseExpiresAt!) - Date.now()).toBeGreaterThan((LEASE_SECONDS - 5) * 1000);
    // Claiming again renews the same lease instead of taking a second task.
    expect((await claimedTask(alice))?.taskId).toBe('task-old');
    expect((await claimedTask(bob))?.taskId).toBe('task-new');
    expect(await claimedTask(carol)).toBeNull();
  });

  it('gives a reviewer back the task they hold (page reload) before an older free one', async () => {
    await seed('first', 'second');
    expect((await claimedTask(bob))?.taskId).toBe('first');
    expect((await claimedTask(alice))?.taskId).toBe('second');
    await release(bob, 'first');
    expect((await claimedTask(alice))?.taskId).toBe('second');
    expect((await claimedTask(carol))?.taskId).toBe('first');
  });

  it('two reviewers racing for one task: exactly one gets it (conditional write)', async () => {
    await seed('only-task');
    const results = await Promise.all([claimedTask(alice), claimedTask(bob)]);
    expect(results.filter((t) => t?.taskId === 'only-task')).toHaveLength(1);
    expect(results.filter((t) => t === null)).toHaveLength(1);
  });

  it('many reviewers racing for many tasks: no task is leased twice', async () => {
    await seed(...Array.from({ length: 6 }, (_, i) => `race-${i}`));
    const reviewers = Array.from({ length: 10 }, (_, i) => ({ sub: `reviewer-${i}` }));
    const tasks = await Promise.all(reviewers.map((r) => claimedTask(r)));
    const taken = tasks.flatMap((t) => (t ? [t.taskId] : []));
    expect(taken.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `race-${i}`));
    expect(tasks.filter((t) => t === null)).toHaveLength(4);
  });

  it('an expired lease returns the task to the queue and the late submission is refused', async () => {
    await seed('slow-task');
    expect((await claimedTask(alice))?.taskId).toBe('slow-task');
    expect(await claimedTask(bob)).toBeNull();
    clockOffset += (LEASE_SECONDS + 1) * 1000;
    const late = await submit(alice, 'slow-task', { textCategory0: 'Positive', textCategory1: 'Negative' });
    expect(late.statusCode).toBe(409);
    expect(body(late)).toMatchObject({ code: 'LEASE_EXPIRED' });
    expect((await claimedTask(bob))?.taskId).toBe('slow-task');
    // Alice's lease was pruned by Bob's claim: she no longer holds the task at all.
    expect(
      body(await submit(alice, 'slow-task', { textCategory0: 'Positive', textCategory1: 'Negative' })),
    ).toMatchObject({ code: 'NOT_LEASED' });
    const ok = await submit(bob, 'slow-task', { textCategory0: 'Neutral', textCategory1: 'Negative' });
    expect(body(ok)).toMatchObject({ status: 'recorded', completed: true });
  });

  it('a resubmission of the same answers is idempotent; different answers are refused', async () => {
    await seed('dup-task');
    await claim(alice);
    const answers = { textCategory0: 'Positive', textCategory1: 'Negative' };
    const first = await submit(alice, 'dup-task', answers);
    expect(body(first)).toMatchObject({ status: 'recorded', completed: true, answersReceived: 1 });
    const second = await submit(alice, 'dup-task', answers);
    expect(second.statusCode).toBe(200);
    expect(body(second)).toMatchObject({ status: 'duplicate', completed: true, answersReceived: 1 });
    const changed = await submit(alice, 'dup-task', { textCategory0: 'Negative', textCategory1: 'Negative' });
    expect(changed.statusCode).toBe(409);
    expect(body(changed)).toMatchObject({ code: 'ALREADY_ANSWERED' });
    const other = await submit(bob, 'dup-task', answers);
    expect(body(other)).toMatchObject({ code: 'TASK_COMPLETED' });
  });

  it('invalid categories and missing or unknown items are refused with 400, naming each field', async () => {
    await seed('check-task');
    await claim(alice);
    const response = await submit(alice, 'check-task', { textCategory0: 'Happy', textCategory7: 'Positive' });
    expect(response.statusCode).toBe(400);
    expect(body(response)).toEqual({
      message: 'The answers do not fit this task',
      code: 'INVALID_ANSWER',
      details: [
        'textCategory7: not an item of this task (expected textCategory0, textCategory1)',
        'textCategory0: "Happy" is not one of Positive, Negative, Neutral',
        'textCategory1: missing (item 2 needs an answer)',
      ],
    });
    const malformed = await handlers.submit(
      apiEvent({
        method: 'POST',
        resource: '/tasks/{taskId}/answers',
        path: '/tasks/check-task/answers',
        user: alice,
        pathParameters: { taskId: 'check-task' },
        body: '{"answers": 3',
      }),
      lambdaContext(),
    );
    expect(malformed.statusCode).toBe(400);
    // Nothing was recorded: the lease still holds and a good answer goes through.
    expect(
      body(await submit(alice, 'check-task', { textCategory0: 'Positive', textCategory1: 'Neutral' })),
    ).toMatchObject({ status: 'recorded' });
  });

  it('answers the 40,000 unknown fields field case with a small 400: the first problems and a count', async () => {
    await seed('flood-task');
    await claim(alice);
    const answers = (
      JSON.parse(
        gunzipSync(readFileSync(join(FIELD_CASES, 'portal-submit-unknown-fields-40k.json.gz'))).toString(),
      ) as {
        answers: Record<string, unknown>;
      }
    ).answers;
    expect(Object.keys(answers).length).toBeGreaterThanOrEqual(40_000);
    const response = await submit(alice, 'flood-task', answers);
    expect(response.statusCode).toBe(400);
    expect(response.body.length).toBeLessThan(2_000);
    const answer = body<{ message: string; details: string[]; code: string }>(response);
    expect(answer.code).toBe('INVALID_ANSWER');
    expect(answer.details).toHaveLength(11);
    expect(answer.details[0]).toBe('textCategory20: not an item of this task (expected textCategory0, textCategory1)');
    expect(answer.details[10]).toMatch(/^… and \d+ more problems$/);
    expect(answer.message).toMatch(/^The answers do not fit this task \(\d+ problems, the first 10 listed\)$/);
    // Fields that are not even textCategory<n>, or values of the wrong type, are capped the same way.
    const junk = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`field${i}`, i]));
    const second = await submit(alice, 'flood-task', junk);
    expect(second.statusCode).toBe(400);
    expect(second.body.length).toBeLessThan(2_000);
  });

  it('compares the reviewers group by its exact name, from the verified ID token (commas in group names)', async () => {
    await seed('group-task-1', 'group-task-2');
    // "reviewers,eu" is one Cognito group; the REST authorizer flattens it to the same string as two groups would be.
    const lookalike = await claim({ sub: 'eve-0005', groups: ['reviewers,eu'] });
    expect(lookalike.statusCode).toBe(403);
    expect(body(lookalike)).toMatchObject({ code: 'NOT_A_REVIEWER' });
    const twoGroups = await claim({ sub: 'dan-0004', groups: ['ops', 'reviewers'] });
    expect(twoGroups.statusCode).toBe(200);
    // Without the token (no Authorization header), a flattened string is one name: exact match only.
    const flattened = await handlers.claim(
      apiEvent({
        method: 'POST',
        resource: '/tasks/claim',
        path: '/tasks/claim',
        claims: { sub: 'dan-0004', 'cognito:groups': 'ops,reviewers' },
      }),
      lambdaContext(),
    );
    expect(flattened.statusCode).toBe(403);
  });

  it('skip releases the lease for the next reviewer and is not offered back; skipping again is harmless', async () => {
    await seed('skip-task', 'other-task');
    expect((await claimedTask(alice))?.taskId).toBe('skip-task');
    expect(body(await release(alice, 'skip-task'))).toEqual({ taskId: 'skip-task', released: true });
    expect(body(await release(alice, 'skip-task'))).toEqual({ taskId: 'skip-task', released: false });
    expect((await claimedTask(alice))?.taskId).toBe('other-task');
    expect((await claimedTask(bob))?.taskId).toBe('skip-task');
  });

  it('reports queue statistics', async () => {
    await seed('s-1', 's-2', 's-3');
    await claim(alice);
    expect(await stats(alice)).toMatchObject({ open: 3, leased: 1, available: 2, answersNeeded: 3, waitingTooLong: 0 });
    clockOffset += 2 * 86_400 * 1000;
    expect(await stats(alice)).toMatchObject({ open: 3, leased: 0, available: 3, waitingTooLong: 3 });
    expect((await stats(alice)).oldestTaskAgeSeconds).toBeGreaterThanOrEqual(2 * 86_400);
  });

  it('refuses users outside the reviewers group (403), unknown tasks (404) and bad task ids (400)', async () => {
    await seed('guarded');
    const outsider = await claim({ sub: 'mallory', groups: ['admins'] });
    expect(outsider.statusCode).toBe(403);
    expect(body(outsider)).toMatchObject({ code: 'NOT_A_REVIEWER' });
    expect(
      (
        await handlers.claim(
          apiEvent({ method: 'POST', resource: '/tasks/claim', path: '/tasks/claim' }),
          lambdaContext(),
        )
      ).statusCode,
    ).toBe(403);
    const missing = await handlers.get(
      apiEvent({
        method: 'GET',
        resource: '/tasks/{taskId}',
        path: '/tasks/nope',
        user: alice,
        pathParameters: { taskId: 'nope' },
      }),
      lambdaContext(),
    );
    expect(missing.statusCode).toBe(404);
    const bad = await handlers.get(
      apiEvent({
        method: 'GET',
        resource: '/tasks/{taskId}',
        path: '/tasks/NOPE',
        user: alice,
        pathParameters: { taskId: 'NOPE' },
      }),
      lambdaContext(),
    );
    expect(bad.statusCode).toBe(400);
  });

  it('adds CORS headers for allowed origins only', async () => {
    await seed('cors');
    const allowed = await handlers.stats(
      apiEvent({
        method: 'GET',
        resource: '/stats',
        path: '/stats',
        user: alice,
        headers: { origin: 'https://portal.example.com' },
      }),
      lambdaContext(),
    );
    expect(allowed.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://portal.example.com' });
    const other = await handlers.stats(
      apiEvent({
        method: 'GET',
        resource: '/stats',
        path: '/stats',
        user: alice,
        headers: { Origin: 'https://evil.example.com' },
      }),
      lambdaContext(),
    );
    expect(other.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('answers 500 without internals when the table is unreachable', async () => {
    process.env[ENV.TASK_TABLE] = 'no-such-table';
    const { portalEnv } = await import('../../../lambdas/review-portal/adapters/api');
    portalEnv.reset();
    const response = await claim(alice);
    expect(response.statusCode).toBe(500);
    // The shared API wrapper answers with API Gateway's request id (the one a client sees); logs carry both.
    expect(body(response)).toEqual({ message: 'Internal error', requestId: 'local-request' });
  });
});
