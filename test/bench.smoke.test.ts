/**
 * The benchmark harness as a smoke test: `pnpm bench --quick` runs every workload (W1-W8) on tiny
 * data, Flint and its baselines, and fails when any result is wrong or anything errs. No time is
 * asserted. It runs as a child process in a process group of its own, so that if it fails or
 * hangs, it is killed with every worker it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The harness stops a hung implementation after 120 s; the whole run takes about a minute. */
const TIMEOUT_MS = 8 * 60_000;

describe('pnpm bench --quick', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    // Still running (the test failed or timed out): end it and the workers it started.
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    child = undefined;
  });

  it(
    'runs every workload on tiny data with correct results',
    async () => {
      const started = spawn(
        process.execPath,
        ['--conditions=@flint/source', '--import', 'tsx', 'bench/run.ts', '--quick'],
        {
          cwd: repoRoot,
          // CI keeps skale out; the process group lets afterEach end the workers too.
          env: { ...process.env, CI: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      child = started;
      let output = '';
      started.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      started.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => started.once('exit', resolve));
      expect(output).toContain('bench passed');
      expect(code, output).toBe(0);
      for (const id of ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8'])
        expect(output).toMatch(new RegExp(`^${id} `, 'm'));
      // Every workload ran on Flint, with a result rather than 'unavailable'.
      expect(output.match(/^flint(?! context)\b.*\d/gm)?.length ?? 0).toBeGreaterThanOrEqual(8);
      expect(output).not.toMatch(/unavailable/);
    },
    TIMEOUT_MS,
  );
});
