/**
 * Safe defaults: nothing listens beyond loopback without a secret, a weak secret is refused, and
 * the secret shows up in no line that the driver, its workers or a refused worker print, nor in
 * any error the driver gets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext } from '@flint/rdd';
import { WorkerPool } from '@flint/scheduler';
import { flintCommandArgs, listen } from '@flint/worker';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, waitFor } from '../helpers.js';

const started: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'flint-secrets-'));
afterEach(() => killAll(started.splice(0).flatMap((child) => (child.pid ? [child.pid] : []))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Environment without any secret, so each process gets exactly the one the test gives it. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['FLINT_SECRET', 'FLINT_SECRET_FILE', 'FLINT_TLS_CERT', 'FLINT_TLS_KEY']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Starts a process with its output captured; resolves its exit code with `exited`. */
function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output, exited };
}

const flintWorker = (...args: string[]) => [...flintCommandArgs(), 'worker', ...args];

describe('binding beyond loopback', () => {
  it('flint worker refuses 0.0.0.0 without a secret, and says how to set one', async () => {
    const worker = run(
      flintWorker('--driver', 'ws://127.0.0.1:9', '--host', '0.0.0.0'),
      cleanEnv(),
    );
    expect(await worker.exited).toBe(1);
    expect(worker.output.text).toMatch(
      /flint worker: refusing to listen on 0\.0\.0\.0 without a shared secret/,
    );
    expect(worker.output.text).toMatch(/FLINT_SECRET/);
    expect(worker.output.text).toMatch(/--secret-file FILE/);
  });

  it('the driver endpoint and any listener refuse it too, before binding anything', async () => {
    const listener = { workerAdded() {}, workerLost() {}, message() {} };
    await expect(WorkerPool.start({ secret: '', host: '0.0.0.0' }, listener)).rejects.toMatchObject(
      {
        code: 'FLINT_AUTH',
        message: expect.stringMatching(/The driver endpoint: refusing to listen on 0\.0\.0\.0/),
      },
    );
    await expect(
      listen({ secret: '', host: '::', roles: ['peer'], maxPayload: 1024 }),
    ).rejects.toMatchObject({ code: 'FLINT_AUTH', message: expect.stringMatching(/FLINT_SECRET/) });
  });

  it('createContext refuses a weak secret before it starts anything', async () => {
    await expect(createContext({ workers: 1, secret: 'hunter2' })).rejects.toMatchObject({
      code: 'FLINT_AUTH',
      message: expect.stringMatching(/too short .*FLINT_SECRET/),
    });
  });
});

describe('the secret', () => {
  it('appears in no output of the driver, its workers or a refused worker', async () => {
    const secret = randomBytes(24).toString('base64url');
    const wrongSecret = randomBytes(24).toString('base64url');
    const script = fileURLToPath(new URL('./fixtures/loggingDriver.ts', import.meta.url));
    const driver = run(
      ['--conditions=@flint/source', '--import', 'tsx', script],
      cleanEnv({ FLINT_TEST_SECRET: secret }),
    );
    await waitFor(() => driver.output.text.includes('READY '), 30_000, 'the driver to start');
    const ready = /READY (.*)\n/.exec(driver.output.text)?.[1] ?? '{}';
    const { driverUrl } = JSON.parse(ready) as { driverUrl: string };

    // A worker with the wrong secret is refused, and says why.
    const wrong = run(flintWorker('--driver', driverUrl), cleanEnv({ FLINT_SECRET: wrongSecret }));
    expect(await wrong.exited).toBe(1);
    expect(wrong.output.text).toMatch(/does not hold the shared secret/);
    // A worker with the right secret, from a file, joins and takes part in the jobs.
    const file = join(dir, 'secret');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    const joined = run(flintWorker('--driver', driverUrl, '--secret-file', file), cleanEnv());
    // A worker that may not listen where it was told to.
    const open = run(flintWorker('--driver', driverUrl, '--host', '0.0.0.0'), cleanEnv());
    expect(await open.exited).toBe(1);

    driver.child.stdin?.end('go\n');
    expect(await driver.exited).toBe(0);
    expect(await joined.exited).toBe(0);

    const everything = [driver, wrong, joined, open].map((p) => p.output.text).join('\n');
    // The output is really there: the jobs ran, failed and logged as planned.
    expect(driver.output.text).toMatch(/sum 10/);
    expect(driver.output.text).toMatch(/workers 3/);
    expect(driver.output.text).toMatch(/job failed: .*failing on purpose with 2/);
    expect(driver.output.text).toMatch(/bad secret: FlintError: .*too short/);
    expect(everything.match(/task sees/g)?.length).toBe(4);
    expect(everything).toMatch(/refusing to listen on 0\.0\.0\.0/);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(wrongSecret);
    // Tasks find neither the secret nor the TLS key in their environment.
    for (const [, json] of everything.matchAll(/task sees (.*)\n/g)) {
      const { env } = JSON.parse(json as string) as { env: Record<string, string> };
      expect(Object.keys(env).filter((name) => /SECRET|TLS_KEY/.test(name))).toEqual([]);
    }
  });
});
