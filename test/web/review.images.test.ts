import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type Browser, type Page, chromium } from 'playwright-core';
import { REVIEW_PORTAL_ENV as ENV } from '../../lambdas/review-portal/contract';
import {
  type BoundingBoxTaskInput,
  type BoxAnswer,
  type HumanAnswer,
  type ReviewBatch,
} from '../../lambdas/review/contract';
import { PortalReviewBackend } from '../../lambdas/review/adapters/portal';
import { buildReviewPage } from '../../lib/constructs/review-portal/web-page';
import { REPO_ROOT } from '../../lib/shared/paths';
import { chromiumExecutable } from '../helpers/chromium';
import { localDynamoDbClient, localS3Client, useLocalServices } from '../helpers/local-services';
import { type LocalPortal, createTaskTable, rawItem, startLocalPortal, testToken } from '../helpers/review-portal';

/**
 * Image tasks (`bounding-box-verification`) in a real browser: headless Chromium against the built page, the REAL API
 * handlers (dynalite for tasks) and images served through presigned URLs from s3rver. Boxes must be drawn at their
 * pixel positions whatever the image size, every proposed box needs a decision, and a drawn box is saved in pixels.
 */
const services = useLocalServices('dynamodb', 's3');
const TABLE = 'review-tasks-images';
const BUCKET = 'review-images';
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'custom-labels-assist', 'images');
const SCREENSHOT = join(REPO_ROOT, 'docs', 'images', 'review-portal-boxes.png');
const CATEGORIES = ['Sun', 'Roof', 'Car'];

let dynamodb: DynamoDBClient;
let webDir: string;
let portal: LocalPortal;
let browser: Browser;
let page: Page;

function imageBatch(id: string, items: BoundingBoxTaskInput['items']): ReviewBatch<BoundingBoxTaskInput> {
  return {
    id,
    input: { kind: 'bounding-box-verification', categories: CATEGORIES, items, source: { run: 'r1', page: 0 } },
  };
}

const WIDE = { width: 640, height: 360 };
const TALL = { width: 300, height: 800 };
const wideProposals = [
  { label: 'Sun', confidence: 87.25, left: 120, top: 90, width: 150, height: 110 },
  { label: 'Car', confidence: 41.5, left: 352, top: 180, width: 192, height: 108 },
];
const tallProposals = [{ label: 'Roof', confidence: 63.0, left: 165, top: 400, width: 90, height: 240 }];

async function answerOf(taskId: string, workerId: string): Promise<HumanAnswer | undefined> {
  const item = await rawItem(dynamodb, TABLE, taskId);
  const answer = item.answers?.M?.[workerId]?.S;
  return answer ? (JSON.parse(answer) as HumanAnswer) : undefined;
}

/** Client rectangles of the stage and of every box drawn on it. */
async function layout(): Promise<{ stage: DOMRect; boxes: DOMRect[]; natural: [number, number] }> {
  return page.evaluate(() => {
    const stage = document.getElementById('stage')!.getBoundingClientRect().toJSON() as DOMRect;
    const boxes = Array.from(document.querySelectorAll<SVGRectElement>('#overlay rect.box')).map(
      (r) => r.getBoundingClientRect().toJSON() as DOMRect,
    );
    const image = document.getElementById('image') as HTMLImageElement;
    return { stage, boxes, natural: [image.naturalWidth, image.naturalHeight] as [number, number] };
  });
}

/** Every box sits where its pixels say, on the stage as displayed (to within one screen pixel). */
function expectAtPixels(
  { stage, boxes }: { stage: DOMRect; boxes: DOMRect[] },
  size: { width: number; height: number },
  expected: readonly { left: number; top: number; width: number; height: number }[],
): void {
  const sx = stage.width / size.width;
  const sy = stage.height / size.height;
  // The stage keeps the image's aspect ratio: one scale for both axes.
  expect(Math.abs(sx - sy)).toBeLessThan(0.01);
  expect(boxes).toHaveLength(expected.length);
  expected.forEach((box, i) => {
    const shown = boxes[i]!;
    expect(Math.abs(shown.x - (stage.x + box.left * sx))).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.y - (stage.y + box.top * sy))).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.width - box.width * sx)).toBeLessThanOrEqual(1);
    expect(Math.abs(shown.height - box.height * sy)).toBeLessThanOrEqual(1);
  });
}

/** The client position of an image pixel on the stage. */
async function clientPoint(x: number, y: number, size: { width: number; height: number }) {
  const { stage } = await layout();
  return { x: stage.x + (x * stage.width) / size.width, y: stage.y + (y * stage.height) / size.height };
}

const text = (selector: string) => page.locator(selector).innerText();

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb.endpoint,
    AWS_ENDPOINT_URL_S3: services.s3.endpoint,
    [ENV.TASK_TABLE]: TABLE,
    [ENV.LEASE_SECONDS]: '600',
    [ENV.REVIEWERS_PER_ITEM]: '1',
    [ENV.IMAGE_BUCKETS]: BUCKET,
  });
  dynamodb = localDynamoDbClient(services.dynamodb.endpoint);
  await createTaskTable(dynamodb, TABLE);
  const s3 = localS3Client(services.s3.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const name of ['wide-640x360.png', 'tall-300x800.jpg']) {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `images/${name}`,
        Body: readFileSync(join(FIXTURES, name)),
        ContentType: name.endsWith('.png') ? 'image/png' : 'image/jpeg',
      }),
    );
  }
  const backend = new PortalReviewBackend({ tableName: TABLE, client: dynamodb, now: () => new Date(Date.now()) });
  const batches = [
    imageBatch('images-a', [
      { index: 0, image: `s3://${BUCKET}/images/wide-640x360.png`, ...WIDE, proposals: wideProposals },
      { index: 1, image: `s3://${BUCKET}/images/tall-300x800.jpg`, ...TALL, proposals: tallProposals },
    ]),
    imageBatch('images-b', [
      { index: 0, image: 's3://someone-elses-bucket/private/photo.jpg', ...WIDE, proposals: [wideProposals[0]!] },
    ]),
  ];
  for (const batch of batches) {
    if ((await backend.start(batch)) !== 'started') throw new Error(`task ${batch.id} was not created`);
    await new Promise((resolve) => setTimeout(resolve, 5)); // distinct createdAt: oldest first
  }
  webDir = mkdtempSync(join(tmpdir(), 'review-page-images-'));
  buildReviewPage(webDir);
  portal = await startLocalPortal(webDir);
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 960, height: 900 }, deviceScaleFactor: 1 });
  await context.addInitScript(
    (token) => sessionStorage.setItem('review.idToken', token),
    testToken({ sub: 'ivy-0001', email: 'ivy@example.com' }),
  );
  page = await context.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  if (webDir) rmSync(webDir, { recursive: true, force: true });
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env[ENV.IMAGE_BUCKETS];
});

describe('image tasks in headless Chromium', () => {
  it('shows the image through a presigned URL with every proposed box at its pixel position (640 × 360)', async () => {
    await page.goto(portal.url);
    await page.locator('#image-item').waitFor({ state: 'visible' });
    expect(await page.locator('#text-item').isHidden()).toBe(true);
    expect(await text('#item-progress')).toBe('Image 1 of 2');
    await page.waitForFunction(() => (document.getElementById('image') as HTMLImageElement).naturalWidth > 0);
    const src = await page.locator('#image').getAttribute('src');
    expect(src).toContain(`/${BUCKET}/images/wide-640x360.png?`);
    expect(src).toContain('X-Amz-Expires=300');
    const shown = await layout();
    expect(shown.natural).toEqual([640, 360]);
    expectAtPixels(shown, WIDE, wideProposals);
    expect(await page.locator('#boxes li').allInnerTexts()).toEqual([
      expect.stringContaining('Sun'),
      expect.stringContaining('Car'),
    ]);
    expect(await text('#boxes li:nth-child(1)')).toContain('model 87.3%');
    expect(await page.locator('#overlay rect[data-status="open"]').count()).toBe(2);
  });

  it('needs an explicit decision for every box: nothing is pre-accepted', async () => {
    await page.keyboard.press('Enter');
    expect(await text('#message-text')).toContain('2 boxes still need a decision');
    await page.keyboard.press('a'); // accept "Sun"; the selection moves on to "Car"
    expect(await page.locator('#overlay rect[data-box="0"]').getAttribute('data-status')).toBe('accept');
    await page.keyboard.press('Enter');
    expect(await text('#message-text')).toContain('1 box still needs a decision');
    expect(await text('#item-progress')).toBe('Image 1 of 2');
    await page.keyboard.press('l');
    expect(await page.locator('#labels').isVisible()).toBe(true);
    await page.keyboard.press('2'); // relabel "Car" as "Roof"
    expect(await page.locator('#overlay rect[data-box="1"]').getAttribute('data-status')).toBe('relabel');
    expect(await text('#boxes li:nth-child(2)')).toContain('Roof (was Car)');
    await page.keyboard.press('Enter');
    await page.locator('#item-progress').filter({ hasText: 'Image 2 of 2' }).waitFor();
  });

  it('draws the boxes of an image of another size (300 × 800) at their pixel positions too', async () => {
    await page.waitForFunction(() => (document.getElementById('image') as HTMLImageElement).naturalWidth === 300);
    const shown = await layout();
    expect(shown.natural).toEqual([300, 800]);
    expect(shown.stage.height / shown.stage.width).toBeCloseTo(800 / 300, 2);
    expectAtPixels(shown, TALL, tallProposals);
  });

  it('saves a box drawn with the mouse in image pixels, and rejects a proposal with R', async () => {
    await page.keyboard.press('r'); // reject "Roof"
    await page.keyboard.press('d');
    await page.keyboard.press('3'); // the drawn box will be a "Car"
    const from = await clientPoint(30, 100, TALL);
    const to = await clientPoint(130, 250, TALL);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2);
    await page.mouse.move(to.x, to.y);
    await page.mouse.up();
    expect(await page.locator('#overlay rect[data-status="added"]').count()).toBe(1);
    expect(await text('#boxes li:nth-child(2)')).toContain('Car');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.keyboard.press('Enter'); // submit
    await page.locator('#message-text').filter({ hasText: 'Saved' }).waitFor();

    const answer = await answerOf('images-a', 'ivy-0001');
    const first = answer?.answerContent.annotatedResult0 as BoxAnswer;
    const second = answer?.answerContent.annotatedResult1 as BoxAnswer;
    expect(first.decisions).toEqual([{ decision: 'accept' }, { decision: 'relabel', label: 'Roof' }]);
    expect(first.boundingBoxes).toEqual([
      { label: 'Sun', left: 120, top: 90, width: 150, height: 110 },
      { label: 'Roof', left: 352, top: 180, width: 192, height: 108 },
    ]);
    expect(first.inputImageProperties).toEqual(WIDE);
    expect(second.decisions).toEqual([{ decision: 'reject' }]);
    expect(second.added).toHaveLength(1);
    const drawn = second.added[0]!;
    expect(drawn.label).toBe('Car');
    for (const [key, value] of Object.entries({ left: 30, top: 100, width: 100, height: 150 })) {
      // Whole pixels of the 300 × 800 image (the page shows it scaled; one screen pixel is about 1.1 image pixels).
      expect(Number.isInteger(drawn[key as keyof typeof drawn])).toBe(true);
      expect(Math.abs((drawn[key as keyof typeof drawn] as number) - value)).toBeLessThanOrEqual(2);
    }
    expect(second.boundingBoxes).toEqual([drawn]);
  });

  it('shows no URL for an image outside the configured buckets, and a whole image can be rejected', async () => {
    await page.locator('#item-progress').filter({ hasText: 'Image 1 of 1' }).waitFor();
    expect(await page.locator('#image').getAttribute('src')).toBeNull();
    expect(await text('#image-note')).toContain(
      'the portal is not configured to show images of bucket someone-elses-bucket',
    );
    await page.keyboard.press('x');
    expect(await page.locator('#reject-image').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Enter');
    await page.locator('#empty').waitFor({ state: 'visible' });
    const answer = (await answerOf('images-b', 'ivy-0001'))?.answerContent.annotatedResult0 as BoxAnswer;
    expect(answer).toEqual({
      boundingBoxes: [],
      inputImageProperties: WIDE,
      decisions: [],
      added: [],
      imageRejected: true,
    });
  });
});
