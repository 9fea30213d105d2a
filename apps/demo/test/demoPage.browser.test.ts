/**
 * `pnpm demo --ui` in a real headless Chromium (Debian's, through the scheduler tests' helper):
 * the demo runs as its own process, the page is opened while the workers start, and must then
 * follow the run live to the numbers the command line prints. Saves docs/ui-demo.png (with FLINT_UPDATE_SCREENSHOTS=1). Set
 * FLINT_SKIP_BROWSER_TESTS=1 on a machine without Chromium.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  launchChromium,
  type Page,
  screenshotPath,
  skipBrowserTests,
  watchForProblems,
} from '../../../packages/scheduler/test/chromium.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCREENSHOT = screenshotPath('ui-demo.png');
const MMS = 3_000_000;
const PARTITIONS = 8;

describe.skipIf(skipBrowserTests)('the demo page in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  let demo: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let exited: Promise<number | null> | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    const pid = demo?.pid;
    if (demo && pid !== undefined && demo.exitCode === null && demo.signalCode === null) {
      // The demo leads its own process group: this also ends the workers it started.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (error) {
        // It exited since the check: nothing left to stop.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await browser?.close();
  });

  /** Starts `pnpm demo --ui` as the user would, and resolves with the page's URL once printed. */
  async function startDemo(): Promise<string> {
    const env = { ...process.env };
    // No display: the demo must print the URL and not try to open a browser.
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const started = spawn(
      process.execPath,
      [
        '--conditions=@flint/source',
        '--import',
        'tsx',
        'apps/demo/src/main.ts',
        ...['--mms', String(MMS), '--workers', '2', '--partitions', String(PARTITIONS), '--ui'],
      ],
      { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    demo = started;
    started.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    started.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    exited = new Promise((resolve, reject) => {
      started.once('error', reject);
      started.once('close', (code) => resolve(code));
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const url = /^The demo page: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1];
      if (url !== undefined) return url;
      if (started.exitCode !== null) throw new Error(`The demo exited early:\n${stdout}${stderr}`);
      if (Date.now() > deadline) throw new Error(`The demo printed no URL:\n${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const numbers = (page: Page, selector: string, attribute: string): Promise<number[]> =>
    page
      .locator(selector)
      .evaluateAll(
        (elements, name) => elements.map((element) => Number(element.getAttribute(name))),
        attribute,
      );
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  const isAlive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      // ESRCH: no such process.
      return false;
    }
  };

  it('follows the run live to the three counts, the workers and the driver’s sum', async () => {
    const url = await startDemo();
    if (browser === undefined) throw new Error('Chromium did not start.');
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
    });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(url);
    await page.evaluate('window.notReloaded = true');
    await expect.poll(() => page.locator('#live-state').textContent()).toBe('Live');

    await page.locator('body[data-phase="done"]').waitFor({ timeout: 90_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true); // updated live, not reloaded

    // The three methods, as the command line counted them.
    const rows = page.locator('tr[data-method][data-status="done"]');
    expect(
      await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-method'))),
    ).toEqual(['oneByOne', 'weighing', 'distributed']);
    const [oneByOne, weighing, distributed] = await numbers(page, 'tr[data-method]', 'data-count');
    const exact = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-exact')));
    expect(exact).toEqual(['true', 'false', 'true']);
    expect(oneByOne).toBe(MMS);
    expect(distributed).toBe(MMS);
    expect(Math.abs((weighing ?? 0) - MMS) / MMS).toBeLessThan(0.06);
    expect(await numbers(page, 'tr[data-method]', 'data-ms')).toSatisfy((ms: number[]) =>
      ms.every((value) => value >= 0),
    );
    // ...and drawn side by side: a count chart and a time chart, three bars each, none pending.
    expect(await page.locator('figure.chart svg[role="img"]').count()).toBe(2);
    expect(await page.locator('figure.chart g.bar').count()).toBe(6);
    expect(await page.locator('figure.chart g.bar.pending').count()).toBe(0);
    const countTable = new RegExp(
      `^distributed \\(${PARTITIONS} chunks, 2 workers\\)\\s+${MMS.toLocaleString('en-US')}\\s+exact\\s`,
      'm',
    );
    expect(stdout).toMatch(countTable); // the command line's table is still printed

    // The driver's final sum is the tub's count, and the sum of the chunk counts it received.
    expect(await numbers(page, '[data-tub-size]', 'data-tub-size')).toEqual([MMS]);
    expect(await numbers(page, '[data-final-sum]', 'data-final-sum')).toEqual([MMS]);
    expect(await page.locator('[data-equals-tub="true"]').count()).toBe(1);
    const terms = await page
      .locator('#driver .term')
      .allTextContents()
      .then((texts) => texts.map((text) => Number(text.replaceAll(',', ''))));
    expect(terms).toHaveLength(PARTITIONS);
    expect(sum(terms)).toBe(MMS);

    // The tub: every chunk counted, by one of the colleagues.
    expect(await page.locator('#tub li.chunk[data-state="counted"]').count()).toBe(PARTITIONS);
    expect(sum(await numbers(page, '#tub li.chunk', 'data-count'))).toBe(MMS);

    // The colleagues: both workers, who shared every chunk between them.
    const colleagues = page.locator('#colleagues li.colleague[data-worker-id]');
    expect(await colleagues.count()).toBe(2);
    const chunksEach = await numbers(page, '#colleagues li.colleague', 'data-chunks');
    expect(sum(chunksEach)).toBe(PARTITIONS);
    expect(sum(await numbers(page, '#colleagues li.colleague', 'data-mms'))).toBe(MMS);
    const colleagueText = await colleagues.allTextContents();
    expect(colleagueText.join('\n')).toMatch(/Colleague 1[\s\S]*pid \d+[\s\S]*Colleague 2/);

    // The stages: four jobs, all succeeded; the per-colour one crosses a shuffle.
    expect(await page.locator('#stages li.job').count()).toBe(4);
    expect(await page.locator('#stages li.job[data-job-status="succeeded"]').count()).toBe(4);
    expect(await page.locator('#stages li.stage[data-stage-status="complete"]').count()).toBe(5);
    expect(await page.locator('#stages li.shuffle').count()).toBe(1);
    const flintUi = await page.locator('#flint-ui a').getAttribute('href');
    expect(flintUi).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/jobs$/);
    expect(await page.locator('#colours tr[data-colour]').count()).toBe(6);
    expect(sum(await numbers(page, '#colours tr[data-colour]', 'data-count'))).toBe(MMS);

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Keyboard: the first Tab reaches the skip link, and Enter takes focus to the results.
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to the results');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('results-heading');

    // Without JavaScript the page is rendered on the server with the same numbers.
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const staticPage = await noScript.newPage();
    await staticPage.goto(url);
    expect(await numbers(staticPage, '[data-final-sum]', 'data-final-sum')).toEqual([MMS]);
    await noScript.close();
    expect(problems).toEqual([]);

    // --ui keeps serving after the demo until Ctrl-C; then the demo, its workers and the page
    // end, and the page says so instead of retrying.
    const workerPids = (await colleagues.allTextContents()).map((text) =>
      Number(/pid (\d+)/.exec(text)?.[1]),
    );
    expect(stdout).toContain('until you press Ctrl-C');
    expect(demo?.exitCode).toBeNull();
    demo?.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect
      .poll(() => page.locator('#live-state').textContent(), { timeout: 10_000 })
      .toBe('The demo has ended; these are its final results');
    expect(workerPids.every((pid) => pid > 0)).toBe(true);
    await expect.poll(() => workerPids.filter(isAlive), { timeout: 10_000 }).toEqual([]);
    expect(stderr).toBe('');
    await context.close();
  });
});
