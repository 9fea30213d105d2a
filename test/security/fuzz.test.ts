/**
 * Fuzzes the driver's endpoint and a worker's block server with over 100,000 random and mutated
 * frames from another process, while jobs run on the same context: no process crashes, no code
 * from a frame runs, every job still returns the exact answer.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, type FlintContext } from '@flint/rdd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, killAll } from '../helpers.js';
import { blockServerUrls, driverUrlOf } from './support.js';

const FRAMES = 100_000;

describe('fuzzing the endpoints', () => {
  let sc: FlintContext;
  const secret = randomBytes(24).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'flint-fuzz-'));
  const marker = join(dir, 'user-code-ran');
  const started: number[] = [];

  beforeAll(async () => {
    // A worker that joins with the secret and then breaks the protocol is lost with the tasks it
    // was given, and each such loss counts against those tasks: the fuzzer's thousands of
    // short-lived workers must not use up the tasks' attempts.
    sc = await createContext({
      workers: 2,
      secret,
      ui: false,
      progress: false,
      maxTaskFailures: 1_000_000,
    });
  });
  afterAll(async () => {
    killAll(started);
    await sc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${FRAMES} random frames while jobs keep returning the exact answer`, {
    timeout: 90_000,
  }, async () => {
    const pids = [...sc.workerPids];
    const driverUrl = driverUrlOf(pids[0] as number);
    const [blockServer] = blockServerUrls(pids, 'ws');
    const plan = {
      targets: [
        { url: driverUrl, kind: 'driver' },
        { url: blockServer, kind: 'blocks' },
      ],
      secret,
      frames: FRAMES,
      seed: Number.parseInt(process.env.FLINT_FUZZ_SEED ?? '', 10) || Date.now() % 1_000_000,
      marker,
      concurrency: 48,
      timeLimitMs: 45_000,
    };
    const script = fileURLToPath(new URL('./fixtures/fuzzClient.ts', import.meta.url));
    const fuzzer = spawn(
      process.execPath,
      ['--conditions=@flint/source', '--import', 'tsx', script, JSON.stringify(plan)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (fuzzer.pid) started.push(fuzzer.pid);
    let output = '';
    let errors = '';
    fuzzer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    fuzzer.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => fuzzer.once('exit', resolve));

    // Jobs beside the fuzzing, each with a shuffle, each checked exactly.
    const data = Array.from({ length: 2_000 }, (_, i) => i);
    const expected = new Map(
      [0, 1, 2, 3, 4, 5, 6].map((k) => [
        k,
        data.filter((x) => x % 7 === k).reduce((a, b) => a + b),
      ]),
    );
    let jobs = 0;
    let fuzzing = true;
    void exited.then(() => {
      fuzzing = false;
    });
    while (fuzzing || jobs === 0) {
      const sums = await sc
        .parallelize(data, 6)
        .map((x) => [x % 7, x] as [number, number])
        .reduceByKey((a, b) => a + b, 3)
        .collect();
      expect(new Map(sums)).toEqual(expected);
      jobs++;
      // Leave the driver some time between jobs for the fuzzer's handshakes.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const code = await exited;
    expect(errors).toBe('');
    expect(code).toBe(0);
    const stats = JSON.parse(output) as {
      frames: number;
      connections: number;
      authenticated: number;
      closeCodes: Record<string, number>;
      errors: number;
      elapsedMs: number;
    };
    // Printed so the report can quote the run: frames, connections, time, how they were closed.
    console.info(`fuzz: seed ${plan.seed}, ${jobs} jobs beside, ${JSON.stringify(stats)}`);
    expect(stats.frames).toBeGreaterThanOrEqual(FRAMES);
    expect(stats.elapsedMs).toBeLessThan(45_000);
    expect(stats.authenticated).toBeGreaterThan(stats.connections / 2);
    // Every worker process is the one that started; nothing exited, nothing ran.
    expect(sc.workerPids.sort()).toEqual(pids.sort());
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(
      await sc
        .parallelize([1, 2, 3], 3)
        .map((x) => x * 2)
        .collect(),
    ).toEqual([2, 4, 6]);
  });
});
