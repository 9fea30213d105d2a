/**
 * `memoryPerWorker` reaches every local worker as `flint worker --memory`, with V8's heap sized to
 * match; bad values fail at createContext (FLINT_ARGUMENT) and at the flag, saying what to write.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { createContext, type FlintContext, FlintError } from '@flint/rdd';
import { flintCommandArgs } from '@flint/worker';
import { afterEach, describe, expect, it } from 'vitest';

let sc: FlintContext | undefined;
afterEach(async () => {
  await sc?.stop();
  sc = undefined;
});

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

describe('memoryPerWorker', () => {
  it.each([
    [
      'lots',
      /memoryPerWorker \}\) must be a memory size such as '512m', '2g' or a number of bytes, but got "lots"/,
    ],
    ['-1g', /but got "-1g"/],
    [512, /must be at least 1m .*write '512m' for megabytes/],
    [true, /but got true/],
  ])('refuses %s at createContext, before any worker starts', async (value, message) => {
    const failure = await createContext({
      workers: 1,
      ui: false,
      progress: false,
      memoryPerWorker: value as string,
    }).then(
      (context) => {
        sc = context;
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(FlintError);
    expect((failure as FlintError).code).toBe('FLINT_ARGUMENT');
    expect((failure as FlintError).message).toMatch(message);
  });

  it('reaches each worker as --memory, with a V8 heap to match', async () => {
    sc = await createContext({ workers: 2, memoryPerWorker: '64m', ui: false, progress: false });
    expect(sc.workerPids).toHaveLength(2);
    for (const pid of sc.workerPids) {
      const args = commandLine(pid);
      expect(args[args.indexOf('--memory') + 1]).toBe(String(64 * 2 ** 20));
      expect(args).toContain('--max-old-space-size=128');
    }
    expect(await sc.range(0, 1000, 1, 4).count()).toBe(1000);
  });

  it('defaults to half the machine shared among the workers', async () => {
    sc = await createContext({ workers: 2, ui: false, progress: false });
    const expected = Math.floor((totalmem() * 0.5) / 2);
    for (const pid of sc.workerPids) {
      const args = commandLine(pid);
      expect(args[args.indexOf('--memory') + 1]).toBe(String(expected));
    }
  });
});

describe('flint worker --memory', () => {
  it.each([
    [
      '12q',
      /flint worker --memory must be a memory size such as '512m', '2g' or a number of bytes, but got "12q"/,
    ],
    ['100', /flint worker --memory must be at least 1m/],
  ])('refuses %s with a message and exit code 1', async (value, message) => {
    const child = spawn(
      process.execPath,
      [...flintCommandArgs(), 'worker', '--driver', 'ws://127.0.0.1:9', '--memory', value],
      {
        env: { ...process.env, FLINT_SECRET: 'x'.repeat(32) },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
