import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Browser, type Page, chromium } from 'playwright-core';
import { REVIEW_PORTAL_ENV as ENV } from '../../lambdas/review-portal/contract';
import { type HumanAnswer } from '../../lambdas/review/contract';
import { PortalReviewBackend } from '../../lambdas/review/adapters/portal';
import { buildReviewPage } from '../../lib/constructs/review-portal/web-page';
import { REPO_ROOT } from '../../lib/shared/paths';
import { localDynamoDbClient, useLocalServices } from '../helpers/local-services';
import { chromiumExecutable } from '../helpers/chromium';
import {
  type LocalPortal,
  createTaskTable,
  rawItem,
  reviewBatch,
  startLocalPortal,
  testToken,
} from '../helpers/review-portal';

/**
 * The review page in a real browser: headless Chromium (Debian's, never downloaded) against the built page, served
 * with the REAL API handlers behind a local HTTP adapter and dynalite. Sign-in is stubbed at the token level.
 */
const services = useLocalServices('dynamodb');
const TABLE = 'review-tasks-browser';
const LEASE_SECONDS = 300;
const SCREENSHOT = join(REPO_ROOT, 'docs', 'images', 'review-portal.png');

let dynamodb: DynamoDBClient;
let webDir: string;
let portal: LocalPortal;
let browser: Browser;
let page: Page;
let clockOffset = 0;

async function answerOf(taskId: string, workerId: string): Promise<HumanAnswer | undefined> {
  const item = await rawItem(dynamodb, TABLE, taskId);
  const answer = item.answers?.M?.[workerId]?.S;
  return answer ? (JSON.parse(answer) as HumanAnswer) : undefined;
}

const text = (selector: string) => page.locator(selector).innerText();
const categoryButton = (name: string) => page.locator(`#categories button[data-category="${name}"]`);

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
    [ENV.TASK_TABLE]: TABLE,
    [ENV.LEASE_SECONDS]: String(LEASE_SECONDS),
    [ENV.REVIEWERS_PER_ITEM]: '1',
  });
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
  dynamodb = localDynamoDbClient(services.dynamodb.endpoint);
  await createTaskTable(dynamodb, TABLE);
  const backend = new PortalReviewBackend({ tableName: TABLE, client: dynamodb, now: () => new Date(Date.now()) });
  const batches = [
    reviewBatch('task-a', 2),
    reviewBatch('task-b', 1, ['Billing', 'Bug', 'Feature request', 'Spam']),
    reviewBatch('task-c', 1),
  ];
  for (const batch of batches) {
    if ((await backend.start(batch)) !== 'started') throw new Error(`task ${batch.id} was not created`);
    clockOffset += 10;
  }
  webDir = mkdtempSync(join(tmpdir(), 'review-page-'));
  buildReviewPage(webDir);
  portal = await startLocalPortal(webDir);
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 960, height: 720 }, deviceScaleFactor: 1 });
  await context.addInitScript(
    (token) => sessionStorage.setItem('review.idToken', token),
    testToken({ sub: 'alice-0001', email: 'alice@example.com' }),
  );
  page = await context.newPage();
}, 600_000); // the first run on a fresh machine may install Chromium

afterAll(async () => {
  jest.restoreAllMocks();
  await browser?.close();
  await portal?.stop();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
});

describe('review page in headless Chromium', () => {
  it('signs in with the provided token, claims the oldest task and shows one item with categories from the task', async () => {
    await page.goto(portal.url);
    await page.locator('#task').waitFor({ state: 'visible' });
    expect(await text('#who')).toBe('alice@example.com');
    expect(await text('#utterance')).toContain('Item 0 of task-a');
    expect(await text('#item-progress')).toBe('Item 1 of 2');
    expect(await text('#prediction')).toBe('Positive');
    expect(await text('#confidence')).toBe('(41% confident)');
    expect(await page.locator('#categories button').allTextContents()).toEqual(['1Positive', '2Negative', '3Neutral']);
    await page.locator('#queue-progress').filter({ hasText: '2 more tasks waiting' }).waitFor();
    expect(portal.requests).toContain('POST /api/tasks/claim');
  });

  it('answers by click and by keyboard, submits with Enter and moves to the next task', async () => {
    await page.keyboard.press('Enter');
    expect(await text('#message-text')).toContain('Pick a category first');
    await categoryButton('Negative').click();
    expect(await categoryButton('Negative').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#message-text').waitFor({ state: 'hidden' });
    await page.locator('#next').click();
    expect(await text('#item-progress')).toBe('Item 2 of 2');
    expect(await text('#next')).toContain('Submit');
    await page.keyboard.press('3');
    expect(await categoryButton('Neutral').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('1');
    expect(await categoryButton('Positive').getAttribute('aria-pressed')).toBe('true');
    expect(await categoryButton('Neutral').getAttribute('aria-pressed')).toBe('false');
    // Back and forth keeps the answers.
    await page.keyboard.press('ArrowLeft');
    expect(await categoryButton('Negative').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.locator('#utterance').filter({ hasText: 'task-b' }).waitFor();
    expect(await text('#message-text')).toContain('Saved');
    expect((await answerOf('task-a', 'alice-0001'))?.answerContent).toEqual({
      textCategory0: 'Negative',
      textCategory1: 'Positive',
    });
    // The categories are rendered from the new task, not hard-coded.
    expect(await page.locator('#categories button').allTextContents()).toEqual([
      '1Billing',
      '2Bug',
      '3Feature request',
      '4Spam',
    ]);
    await page.keyboard.press('4');
    await page.waitForFunction(() => {
      const fill = document.getElementById('progress-fill');
      return (
        fill !== null &&
        fill.parentElement !== null &&
        fill.getBoundingClientRect().width >= fill.parentElement.getBoundingClientRect().width - 1
      );
    });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });

  it('skips with S: the task goes back to the queue and the next one is claimed', async () => {
    await page.keyboard.press('s');
    await page.locator('#utterance').filter({ hasText: 'task-c' }).waitFor();
    expect(await text('#message-text')).toContain('Skipped');
    expect(portal.requests).toContain('POST /api/tasks/task-b/release');
    const taskB = await rawItem(dynamodb, TABLE, 'task-b');
    expect(taskB.leases?.M).toEqual({});
  });

  it('says clearly when the lease has run out and lets the reviewer claim again', async () => {
    clockOffset += (LEASE_SECONDS + 5) * 1000; // the server's clock: the page still thinks it holds the task
    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    await page.locator('#message-text').filter({ hasText: 'ran out' }).waitFor();
    expect(await text('#message-text')).toBe(
      'Your reservation of this task ran out, so it went back to the queue and your answers were not saved.',
    );
    expect(await page.locator('#task').isHidden()).toBe(true);
    expect(await answerOf('task-c', 'alice-0001')).toBeUndefined();
    await page.locator('#message-action', { hasText: 'Claim next task' }).click();
    await page.locator('#utterance').filter({ hasText: 'task-c' }).waitFor();
  });

  it('keeps the answers through a network error and submits them on retry; then says the queue is empty', async () => {
    await page.keyboard.press('2');
    // The browser is offline for the next API request (Chromium would silently retry a dropped connection).
    let aborted = 0;
    await page.route(
      '**/api/tasks/*/answers',
      async (route) => {
        aborted += 1;
        await route.abort('internetdisconnected');
      },
      { times: 1 },
    );
    await page.keyboard.press('Enter');
    await page.locator('#message-text').filter({ hasText: 'Could not reach the review service' }).waitFor();
    expect(aborted).toBe(1);
    expect(await answerOf('task-c', 'alice-0001')).toBeUndefined();
    expect(await categoryButton('Negative').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#message-action', { hasText: 'Try again' }).click();
    await page.locator('#empty').waitFor({ state: 'visible' });
    expect((await answerOf('task-c', 'alice-0001'))?.answerContent).toEqual({ textCategory0: 'Negative' });
    // task-b was skipped by this reviewer, so nothing is left for them.
    expect(await text('#empty')).toContain('No tasks are waiting for you');
  });

  it('is usable on a phone: no horizontal scrolling, buttons large enough to tap', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    await phone.addInitScript(
      (token) => sessionStorage.setItem('review.idToken', token),
      testToken({ sub: 'bob-0002' }),
    );
    const mobile = await phone.newPage();
    await mobile.goto(portal.url);
    await mobile.locator('#task').waitFor({ state: 'visible' });
    expect(await mobile.locator('#utterance').innerText()).toContain('task-b');
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const heights = await mobile
      .locator('#categories button')
      .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
    await mobile.locator('#categories button[data-category="Bug"]').tap();
    expect(await mobile.locator('#categories button[data-category="Bug"]').getAttribute('aria-pressed')).toBe('true');
    await phone.close();
  });

  it('sends a user outside the reviewers group a clear refusal', async () => {
    const other = await browser.newContext();
    await other.addInitScript(
      (token) => sessionStorage.setItem('review.idToken', token),
      testToken({ sub: 'mallory', groups: ['admins'] }),
    );
    const p = await other.newPage();
    await p.goto(portal.url);
    await p.locator('#message-text').filter({ hasText: 'not in the reviewers group' }).waitFor();
    expect(await p.locator('#task').isHidden()).toBe(true);
    await other.close();
  });
});
