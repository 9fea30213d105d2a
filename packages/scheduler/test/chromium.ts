/**
 * The browser tests' Chromium: Debian's /usr/bin/chromium, headless, driven by playwright-core
 * (never a downloaded browser). Shared by the web UI's tests and the demo page's
 * (apps/demo/test), which import this file. Set FLINT_SKIP_BROWSER_TESTS=1 where Chromium is not
 * installed.
 */

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export type { Browser, BrowserContext, Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether this machine asked to skip the browser tests. */
export const skipBrowserTests = process.env.FLINT_SKIP_BROWSER_TESTS === '1';

/**
 * Where a test saves its screenshot `name`: docs/ when FLINT_UPDATE_SCREENSHOTS=1 (to refresh the
 * README's pictures), else the temp dir, so that running the tests leaves the checkout clean.
 */
export function screenshotPath(name: string): string {
  return process.env.FLINT_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url))
    : join(tmpdir(), `flint-${name}`);
}

/** Starts headless Chromium, or fails saying how to install it (or skip the browser tests). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\`, ` +
        'or set FLINT_SKIP_BROWSER_TESTS=1 to skip the browser tests.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Collects the page's script errors, console errors and warnings (CSP violations among them)
 * into the returned array, which a test expects to stay empty.
 */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  return problems;
}
