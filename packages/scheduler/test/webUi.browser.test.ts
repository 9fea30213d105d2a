/**
 * The web UI in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * keyboard navigation from the jobs list to a job, the DAG's stage boundary as drawn, live updates
 * arriving without a reload, no script or CSP errors, and the page without JavaScript. Saves
 * docs/ui-job.png (with FLINT_UPDATE_SCREENSHOTS=1). Set FLINT_SKIP_BROWSER_TESTS=1 on a machine without Chromium.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ListenerBus } from '../src/events.js';
import { startWebUi, type WebUi } from '../src/ui/webUi.js';
import {
  type Browser,
  type BrowserContext,
  launchChromium,
  type Page,
  screenshotPath,
  skipBrowserTests,
  watchForProblems,
} from './chromium.js';
import { mapStageDoneEvents, runningJobEvents, syntheticApp } from './fixtures/syntheticApp.js';

const SCREENSHOT = screenshotPath('ui-job.png');

describe.skipIf(skipBrowserTests)('web UI in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let ui: WebUi | undefined;
  let problems: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterEach(async () => {
    await context?.close();
    context = undefined;
    await ui?.close();
    ui = undefined;
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(
    options: { javaScriptEnabled?: boolean } = {},
  ): Promise<{ bus: ListenerBus; page: Page }> {
    const bus = new ListenerBus();
    ui = await startWebUi({ bus, port: 0, secret: 'browser-test-secret', onKillJob: () => {} });
    for (const event of syntheticApp(Date.now() - 90_000)) bus.post(event);
    if (browser === undefined) throw new Error('Chromium did not start.');
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    const page = await context.newPage();
    problems = watchForProblems(page);
    return { bus, page };
  }

  it('goes from the jobs list to a job by keyboard, draws its DAG and updates live', async () => {
    const { bus, page } = await open();
    const url = ui?.url ?? '';
    await page.goto(`${url}/jobs`);
    await expect.poll(() => page.locator('tr[data-job-id]').count()).toBe(2);
    // The event stream is open.
    await expect.poll(() => page.locator('#live-state').textContent()).toBe('Live');

    // A job starts after the page loaded: it appears without a reload.
    // Browser-side code as strings: this package compiles without the DOM library.
    await page.evaluate('window.notReloaded = true');
    for (const event of runningJobEvents(2, 3, Date.now() - 1500)) bus.post(event);
    const runningRow = page.locator('#running-jobs + .table-wrap tr[data-job-id="2"]');
    await runningRow.waitFor({ timeout: 20_000 });
    await expect.poll(() => runningRow.textContent()).toContain('0/6 (2 running)');
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    // Keyboard only: Tab from the top of the page to the new job's link, then Enter.
    await page.locator('body').focus();
    let reached = false;
    for (let presses = 0; presses < 40 && !reached; presses++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate("document.activeElement?.getAttribute('href')")) === '/jobs/2';
    }
    expect(reached).toBe(true);
    await Promise.all([page.waitForURL(`${url}/jobs/2`), page.keyboard.press('Enter')]);
    await expect.poll(() => page.title()).toBe('Job 2 · M&M count · Flint');

    // The DAG: two stage boxes, one shuffle edge leaving stage 3's box and entering stage 4's.
    const stages = page.locator('svg.dag g.stage');
    expect(await stages.count()).toBe(2);
    expect(await page.locator('svg.dag g.stage.st-active[data-stage-id="3"]').count()).toBe(1);
    expect(await page.locator('svg.dag g.stage.st-pending[data-stage-id="4"]').count()).toBe(1);
    const shuffle = page.locator('svg.dag path.edge.shuffle');
    expect(await shuffle.count()).toBe(1);
    expect(await shuffle.getAttribute('data-from-stage')).toBe('3');
    expect(await shuffle.getAttribute('data-to-stage')).toBe('4');
    const box3 = await page.locator('g.stage[data-stage-id="3"] rect.box').boundingBox();
    const box4 = await page.locator('g.stage[data-stage-id="4"] rect.box').boundingBox();
    const edge = await shuffle.boundingBox();
    if (box3 === null || box4 === null || edge === null) throw new Error('The DAG was not drawn.');
    expect(box3.x + box3.width).toBeLessThan(box4.x); // stages side by side, a gap between
    expect(edge.x).toBeLessThan(box3.x + box3.width); // starts inside stage 3's box...
    expect(edge.x + edge.width).toBeGreaterThan(box4.x); // ...and ends inside stage 4's
    expect(edge.width).toBeGreaterThan(box4.x - (box3.x + box3.width)); // crossing the boundary

    // The map stage finishes and the result stage starts: the DAG follows live.
    for (const event of mapStageDoneEvents(2, 3, Date.now() - 1000)) bus.post(event);
    await page.locator('svg.dag g.stage.st-active[data-stage-id="4"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('svg.dag g.stage.st-complete[data-stage-id="3"]').count()).toBe(1);
    await expect.poll(() => page.locator('dl.summary').textContent()).toContain('4/6 (1 running)');

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // A stage box is a link reachable by keyboard.
    await page.locator('svg.dag a[href="/stages/4"]').focus();
    await Promise.all([page.waitForURL(`${url}/stages/4`), page.keyboard.press('Enter')]);
    expect(await page.locator('tr[data-task-id]').count()).toBe(1);

    expect(problems).toEqual([]);
  });

  it('works without JavaScript', async () => {
    const { page } = await open({ javaScriptEnabled: false });
    await page.goto(`${ui?.url ?? ''}/jobs/0`);
    expect(await page.locator('svg.dag g.stage').count()).toBe(2);
    expect(await page.locator('#live-toggle').isHidden()).toBe(true);
    await Promise.all([
      page.waitForURL(`${ui?.url ?? ''}/stages/0`),
      page.locator('svg.dag a[href="/stages/0"]').click(),
    ]);
    expect(await page.locator('tr[data-task-id]').count()).toBe(5);
    expect(problems).toEqual([]);
  });
});
