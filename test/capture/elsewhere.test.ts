/**
 * A driver started from another working directory: workers inherit the driver's cwd, yet they
 * resolve the application's imports (detected, or declared with sc.addModule) from the
 * application's directory, as the driver's own imports resolved. The driver runs under tsx and
 * also runs esbuild-built functions loaded natively.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isAlive, killAll } from '../helpers.js';
import { buildCompiled } from './fixtures/buildCompiled.js';

const driver = fileURLToPath(new URL('./fixtures/driverElsewhere.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
let elsewhere = '';
let compiledEsm = '';

beforeAll(async () => {
  // An empty directory outside the project: nothing resolves from here.
  elsewhere = await mkdtemp(join(tmpdir(), 'flint-elsewhere-'));
  compiledEsm = (await buildCompiled(elsewhere)).esm;
});

afterAll(async () => {
  if (elsewhere !== '') await rm(elsewhere, { recursive: true, force: true });
});

interface DriverOutput {
  results?: Record<string, unknown>;
  workerPids: number[];
  stderr: string;
  code: number | null;
}

/** Runs the driver from `cwd` to its end; kills it and its workers by PID whatever happens. */
async function runDriver(cwd: string): Promise<DriverOutput> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@flint/source', '--import', tsx, driver, compiledEsm],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pids = new Set<number>();
  const output: DriverOutput = { workerPids: [], stderr: '', code: null };
  try {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const message = JSON.parse(line) as {
          workerPids?: number[];
          results?: Record<string, unknown>;
        };
        for (const pid of message.workerPids ?? []) {
          pids.add(pid);
          output.workerPids.push(pid);
        }
        if (message.results) output.results = message.results;
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output.stderr += chunk.toString();
    });
    output.code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`The driver did not finish:\n${output.stderr}`)),
        50_000,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    return output;
  } finally {
    killAll([...(child.pid === undefined ? [] : [child.pid]), ...pids]);
  }
}

test('imports resolve from the application’s directory, not the working directory', async () => {
  const output = await runDriver(elsewhere);
  expect(output.stderr).not.toMatch(/Error/);
  expect(output.code).toBe(0);
  expect(output.results).toEqual({
    cwd: elsewhere,
    helpers: ['b.txt 1 cm true'],
    detected: [
      [1, 1],
      [2, 2],
    ],
    compiledHasName: true,
    compiled: [[4, 8], 3, 'q.csv: 4 cm'],
    declared: [7],
  });
  // Both contexts stopped their workers.
  expect(output.workerPids).toHaveLength(2);
  for (const pid of output.workerPids) expect(isAlive(pid)).toBe(false);
});
