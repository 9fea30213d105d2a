/**
 * `flint history DIR` (historyCommand): in-process on port 0, stopped through its abort signal;
 * once as a real process stopped by SIGTERM; and its messages for command lines it cannot run.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_USAGE, historyCommand } from '../src/commands/history.js';
import { EventLogWriter } from '../src/eventLog.js';
import { syntheticApp } from './fixtures/syntheticApp.js';

const APP_ID = 'app-test-0001';
const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Collects what the command writes. */
class Captured {
  text = '';
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** Runs the command in-process; `stop()` aborts it as Ctrl-C would. */
function run(args: readonly string[]) {
  const controller = new AbortController();
  const stdout = new Captured();
  const stderr = new Captured();
  const exit = historyCommand(args, { signal: controller.signal, stdout, stderr });
  return { exit, stdout, stderr, stop: () => controller.abort() };
}

async function waitForUrl(output: Captured, exit: Promise<number>): Promise<string> {
  const deadline = Date.now() + 10_000;
  let exited: number | undefined;
  void exit.then((code) => {
    exited = code;
  });
  for (;;) {
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output.text)?.[0];
    if (url !== undefined) return url;
    if (exited !== undefined)
      throw new Error(`flint history exited with ${exited} before serving.`);
    if (Date.now() > deadline) throw new Error('flint history printed no URL within 10 s.');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('flint history', () => {
  let dir: string;
  const stops: (() => void)[] = [];
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-history-command-'));
    // A real event log, written by the writer applications use.
    const writer = await EventLogWriter.open(dir, APP_ID);
    for (const event of syntheticApp()) writer.listener(event);
    await writer.close();
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    const pid = child?.pid;
    if (child && pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (error) {
        // It exited since the check: nothing left to stop.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    child = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the applications of DIR and their jobs until stopped, then returns 0', async () => {
    const command = run([dir, '--port', '0']);
    stops.push(command.stop);
    const url = await waitForUrl(command.stdout, command.exit);
    expect(command.stdout.text).toBe(
      `Flint history server for ${dir}: ${url}\nPress Ctrl-C to stop.\n`,
    );
    expect(command.stderr.text).toBe('');

    const index = await (await fetch(`${url}/`)).text();
    expect(index).toContain(`<a href="/history/${APP_ID}/jobs">M&amp;M count</a>`);
    expect(index).toContain(`<code>${APP_ID}</code>`);
    const jobs = await (await fetch(`${url}/history/${APP_ID}/jobs`)).text();
    expect(jobs.match(/<tr data-job-id=/g)).toHaveLength(2);
    expect(jobs).toContain(`<a href="/history/${APP_ID}/jobs/0">Job 0</a>`);
    expect(jobs).toContain(`<a href="/history/${APP_ID}/jobs/1">Job 1</a>`);

    command.stop();
    await expect(command.exit).resolves.toBe(0);
    await expect(fetch(`${url}/`)).rejects.toThrow(); // closed
  });

  it('takes the next port when the one asked for is taken', async () => {
    const first = run([dir, '--port', '0']);
    stops.push(first.stop);
    const taken = Number(new URL(await waitForUrl(first.stdout, first.exit)).port);
    const second = run([dir, '--port', String(taken)]);
    stops.push(second.stop);
    const port = Number(new URL(await waitForUrl(second.stdout, second.exit)).port);
    expect(port).toBeGreaterThan(taken);
    expect(port).toBeLessThanOrEqual(taken + 16);
  });

  it('stops on SIGTERM and exits 0, as a process', { timeout: 30_000 }, async () => {
    const started = spawn(
      process.execPath,
      ['--conditions=@flint/source', '--import', 'tsx', 'test/fixtures/historyMain.ts', dir],
      { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    const stdout = new Captured();
    const stderr = new Captured();
    started.stdout.setEncoding('utf8').on('data', (text: string) => stdout.write(text));
    started.stderr.setEncoding('utf8').on('data', (text: string) => stderr.write(text));
    const exit = new Promise<number | null>((resolve, reject) => {
      started.once('error', reject);
      started.once('close', (code) => resolve(code));
    });
    // The default port, 18080, or one of the next 16 when other servers hold it.
    const url = await waitForUrl(
      stdout,
      exit.then((code) => code ?? -1),
    );
    expect(Number(new URL(url).port)).toBeGreaterThanOrEqual(18_080);
    expect(await (await fetch(`${url}/`)).text()).toContain(APP_ID);
    started.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr.text).toBe('');
  });

  it('prints its usage with --help', async () => {
    const command = run(['--help']);
    await expect(command.exit).resolves.toBe(0);
    expect(command.stdout.text).toBe(HISTORY_USAGE);
    expect(HISTORY_USAGE).toMatch(/^Usage: flint history DIR \[--host HOST\] \[--port PORT\]/);
  });

  it('names what is wrong with the command line, and exits 2', async () => {
    const failure = async (args: string[]) => {
      const command = run(args);
      stops.push(command.stop);
      const code = await command.exit;
      expect(command.stdout.text).toBe('');
      expect(command.stderr.text).toMatch(/Run 'flint history --help' for usage\.\n$/);
      return { code, message: command.stderr.text.split('\n')[0] };
    };
    expect(await failure([])).toEqual({
      code: 2,
      message:
        'flint history: DIR is missing: give the directory of event logs to serve, the one your ' +
        "application wrote with createContext({ eventLog: DIR }), as in 'flint history logs/'.",
    });
    const missing = join(dir, 'no-such-dir');
    expect(await failure([missing])).toEqual({
      code: 2,
      message:
        `flint history: DIR '${missing}' does not exist. Give the directory your application ` +
        'wrote its event logs to with createContext({ eventLog: DIR }), and check the path (it ' +
        'is relative to the current directory).',
    });
    expect(await failure([dir, '--port', 'http'])).toMatchObject({
      code: 2,
      message: expect.stringContaining('--port expects a whole number from 0 to 65535'),
    });
    expect(await failure([dir, '--port', '70000'])).toMatchObject({ code: 2 });
    expect(await failure([dir, 'other-dir'])).toMatchObject({
      code: 2,
      message: expect.stringContaining("expected one DIR, but got 2: '"),
    });
    expect(await failure([dir, '--prot', '1'])).toMatchObject({
      code: 2,
      message: expect.stringContaining("Unknown option '--prot'"),
    });
  });

  it('says so when DIR holds no event log yet, and serves it all the same', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const command = run([empty, '--port', '0']);
    stops.push(command.stop);
    const url = await waitForUrl(command.stdout, command.exit);
    expect(command.stderr.text).toContain(`${empty} holds no event logs (*.jsonl) yet`);
    expect(await (await fetch(`${url}/`)).text()).toContain('No event log here.');
    command.stop();
    await expect(command.exit).resolves.toBe(0);
  });
});
