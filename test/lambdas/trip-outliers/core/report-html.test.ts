import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { analyzeLocally } from '../../../../lambdas/trip-outliers/adapters/duckdb';
import { OUTLIER_REASONS } from '../../../../lambdas/trip-outliers/contract';
import { type TripReport } from '../../../../lambdas/trip-outliers/core/report';
import { renderReportHtml } from '../../../../lambdas/trip-outliers/core/report-html';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../../helpers/chromium';
import { writeFixtures } from '../../../helpers/trip-outliers-fixtures';

let browser: Browser;
let dir: string;
let report: TripReport;
let page: string;

beforeAll(async () => {
  const fixtures = await writeFixtures();
  dir = fixtures.dir;
  report = (await analyzeLocally({ files: [fixtures.files['2024']!, fixtures.files['2022']!] })).report;
  page = join(dir, 'report.html');
  writeFileSync(page, await renderReportHtml(report));
  browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: [...CHROMIUM_ARGS],
  });
}, 600_000); // the first run on a fresh machine may install Chromium

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the trip-outlier report in headless Chromium', () => {
  it('renders the summary and the three charts, self-contained and without errors', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const tab = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    tab.on('request', (r) => requests.push(r.url()));
    await tab.goto(pathToFileURL(page).href);

    // Nothing but the page itself is loaded; nothing fails.
    expect(requests).toEqual([pathToFileURL(page).href]);
    expect(errors).toEqual([]);

    // The summary table: one row per reason with its count.
    const counts = await tab.$$eval('#summary tbody tr', (rows) =>
      rows.map((r) => [r.getAttribute('data-reason'), r.querySelector('td.n')?.textContent]),
    );
    expect(counts).toEqual(OUTLIER_REASONS.map((r) => [r, String(report.summary.outliers[r])]));
    expect(await tab.textContent('#card-trips b')).toBe(String(report.summary.rows));

    // Each chart is an SVG of real size with one bar per datum.
    for (const id of ['reasons', 'duration', 'days']) {
      const box = await tab.locator(`#chart-${id} svg`).boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(100);
    }
    const bars = (id: string) => tab.locator(`#chart-${id} svg g.mark-rect.role-mark path`).count();
    expect(await bars('reasons')).toBe(OUTLIER_REASONS.length);
    expect(await bars('days')).toBe(report.outliersByDay.length);
    expect(await bars('duration')).toBe(2 * report.histogram.length);
    // Bars have height: the longest reason bar is wider than the shortest non-zero one.
    const widths = await tab.$$eval('#chart-reasons svg g.mark-rect.role-mark path', (paths) =>
      paths.map((p) => p.getBoundingClientRect().width),
    );
    expect(Math.max(...widths)).toBeGreaterThan(100);
    // Axis and legend text is there for people to read.
    const text = await tab.locator('#chart-days svg').textContent();
    expect(text).toContain('Pick-up day');
    expect(text).toContain('Negative amount');

    const shot = await tab.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(50_000);
    await context.close();
  });
});
