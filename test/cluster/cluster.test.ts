/**
 * Cluster mode on one machine: a `flint master` and `flint worker --master` daemons as real
 * processes on 127.0.0.1, applications attached with createContext({ master }) or `flint submit`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '@flint/rdd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../helpers.js';
import {
  endAll,
  type FlintProcess,
  masterStatus,
  SOURCE_NODE_OPTIONS,
  startFlint,
  stop,
} from './flintProcess.js';

const SECRET = randomBytes(24).toString('base64url');
const env = { FLINT_SECRET: SECRET };

let master: FlintProcess;
let masterUrl: string;
let statusUrl: string;
const workers: FlintProcess[] = [];
const workerIds: string[] = [];

async function startMaster(port = 0): Promise<void> {
  master = startFlint(['master', '--port', String(port), '--ui-port', '0'], { env });
  masterUrl = (await master.waitFor(/Master: (\S+)/))[1] ?? '';
  statusUrl = (await master.waitFor(/Status page: (\S+)/))[1] ?? '';
}

function words(n: number): string[] {
  const vocabulary = ['tub', 'red', 'blue', 'green', 'yellow', 'brown', 'orange'];
  return Array.from(
    { length: n },
    (_, i) => vocabulary[(i * 7 + (i % 5)) % vocabulary.length] ?? '',
  );
}

function referenceCounts(input: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of input) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  await startMaster();
  for (let i = 0; i < 2; i++) {
    const worker = startFlint(
      ['worker', '--master', masterUrl, '--cores', '2', '--memory', '512m'],
      {
        env,
      },
    );
    workers.push(worker);
    workerIds.push((await worker.waitFor(/registered with .* as (worker-\S+) /))[1] ?? '');
  }
});

afterAll(async () => {
  await endAll();
});

describe('a master with two workers on 127.0.0.1', () => {
  it('runs an application: word count and a join, exact answers, executors freed at the end', async () => {
    const sc = await createContext({
      master: masterUrl,
      secret: SECRET,
      ui: false,
      progress: false,
    });
    let executorPids: number[] = [];
    let appId = '';
    try {
      const status = await masterStatus(statusUrl);
      expect(status.workers.filter((w) => w.state === 'alive')).toHaveLength(2);
      const app = status.applications.find((a) => a.state === 'running');
      expect(app?.cores).toBe(4);
      appId = app?.id ?? '';
      // The status page shows the same, for people.
      const page = await (await fetch(statusUrl)).text();
      for (const id of workerIds) expect(page).toContain(id);
      expect(page).toContain(app?.id ?? 'no app');
      expect(page).toMatch(/Cores in use<\/dt><dd>4 \/ 4</);
      executorPids = (await executorPidsOf(workers)).flat();
      // Each executor runs in the application's directory under its worker's work dir.
      for (const worker of workers) expect(existsSync(appDir(worker, app?.id ?? ''))).toBe(true);
      expect(executorPids).toHaveLength(4);

      const input = words(20_000);
      const counts = await sc
        .parallelize(input, 8)
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b)
        .collectAsMap();
      expect(counts).toEqual(referenceCounts(input));

      const left = sc.parallelize(
        Array.from({ length: 500 }, (_, i) => [i % 50, i] as [number, number]),
        4,
      );
      const right = sc.parallelize(
        Array.from({ length: 50 }, (_, k) => [k, `k${k}`] as [number, string]),
        3,
      );
      const joined = await left.join(right).count();
      expect(joined).toBe(500);
      // Every executor took part: tasks ran on four processes of two workers.
    } finally {
      await sc.stop();
    }
    await waitFor(() => executorPids.every((pid) => !isAlive(pid)), 15_000, 'executors to exit');
    await waitFor(
      () => master.stderr.includes('ended after'),
      10_000,
      'the master to log the application end',
    );
    // The application's end removed its directories (spill files included) on every worker.
    await waitFor(
      () => workers.every((worker) => !existsSync(appDir(worker, appId))),
      10_000,
      'the application directories to be removed',
    );
    const after = await masterStatus(statusUrl);
    expect(after.workers.every((w) => w.coresUsed === 0)).toBe(true);
    expect(after.applications[0]?.state).toBe('finished');
  });

  it('shares the workers between two applications submitted at once (maxCores)', async () => {
    const [a, b] = await Promise.all([
      createContext({
        master: masterUrl,
        secret: SECRET,
        maxCores: 2,
        appName: 'A',
        ui: false,
        progress: false,
      }),
      createContext({
        master: masterUrl,
        secret: SECRET,
        maxCores: 2,
        appName: 'B',
        ui: false,
        progress: false,
      }),
    ]);
    try {
      const status = await masterStatus(statusUrl);
      const running = status.applications.filter((app) => app.state === 'running');
      expect(running.map((app) => [app.name, app.cores]).sort()).toEqual([
        ['A', 2],
        ['B', 2],
      ]);
      const input = words(10_000);
      const [countsA, sumB] = await Promise.all([
        a
          .parallelize(input, 6)
          .map((w) => [w, 1] as [string, number])
          .reduceByKey((x, y) => x + y)
          .collectAsMap(),
        b
          .range(0, 100_000, 1, 6)
          .map((x) => x * 2)
          .sum(),
      ]);
      expect(countsA).toEqual(referenceCounts(input));
      expect(sumB).toBe(99_999 * 100_000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('gives a waiting application the cores the first one frees (FIFO)', async () => {
    const first = await createContext({
      master: masterUrl,
      secret: SECRET,
      appName: 'first',
      ui: false,
      progress: false,
    });
    let second: Awaited<ReturnType<typeof createContext>> | undefined;
    try {
      // The first holds every core, so the second starts with none and its job waits.
      second = await createContext({
        master: masterUrl,
        secret: SECRET,
        appName: 'second',
        ui: false,
        progress: false,
      });
      const status = await masterStatus(statusUrl);
      expect(status.applications.find((app) => app.name === 'second')?.cores).toBe(0);
      const waiting = second.parallelize([1, 2, 3, 4, 5], 2).sum();
      expect(await first.parallelize([1, 2, 3], 3).count()).toBe(3);
      await first.stop();
      expect(await waiting).toBe(15);
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  it('runs `flint submit app.mjs` against the master, with no master in the code', async () => {
    const app = startFlint(
      [
        'submit',
        new URL('./fixtures/submittedApp.mjs', import.meta.url).pathname,
        '--master',
        masterUrl,
        '--name',
        'submitted',
      ],
      // The fixture imports @flint/rdd from this source checkout (users run the built package).
      { env: { ...env, NODE_OPTIONS: SOURCE_NODE_OPTIONS } },
    );
    expect(await app.exited).toBe(0);
    expect(app.stdout).toContain('RESULT {"be":2,"not":1,"or":1,"to":2}');
    expect(master.stderr).toMatch(/application app-\S+ \(submitted\) registered/);
  });

  it('refuses a worker with the wrong secret, and the master logs why', async () => {
    const intruder = startFlint(['worker', '--master', masterUrl], {
      env: { FLINT_SECRET: 'not-the-cluster-secret-at-all' },
    });
    expect(await intruder.exited).toBe(1);
    expect(intruder.stderr).toMatch(/refused this connection: authentication failed/);
    await master.waitFor(/Refused a connection from 127\.0\.0\.1: authentication failed/);
    const status = await masterStatus(statusUrl);
    expect(status.workers.filter((w) => w.state === 'alive')).toHaveLength(2);
  });

  it('rides out a master restart: workers and a running application reconnect and carry on', async () => {
    const running = await createContext({
      master: masterUrl,
      secret: SECRET,
      maxCores: 2,
      appName: 'survivor',
      ui: false,
      progress: false,
    });
    try {
      const before = (await masterStatus(statusUrl)).applications.find(
        (a) => a.name === 'survivor',
      );
      const port = new URL(masterUrl).port;
      await stop(master);
      await Promise.all(workers.map((worker) => worker.waitFor(/lost the master; reconnecting/)));
      // The application keeps working without a master: its executors talk to its driver.
      expect(await running.range(0, 500, 1, 4).count()).toBe(500);
      await startMaster(Number(port));
      // Workers come back under the ids the first master gave them, the application under its own,
      // and the new master adopts the executors the workers report.
      await waitFor(
        () => (master.stderr.match(/worker worker-\d+-\d+ registered/g) ?? []).length === 2,
        20_000,
        'both workers to register again',
      );
      await master.waitFor(
        new RegExp(`application ${before?.id} \\(survivor\\) re-registered`),
        20_000,
      );
      const status = await masterStatus(statusUrl);
      expect(status.workers.map((w) => w.id).sort()).toEqual([...workerIds].sort());
      expect(status.applications.find((a) => a.id === before?.id)?.cores).toBe(2);
      expect(status.workers.reduce((sum, w) => sum + w.coresUsed, 0)).toBe(2);
      expect(await running.range(0, 1000, 1, 4).count()).toBe(1000);
      // A new application gets the cores the survivor does not hold.
      const fresh = await createContext({
        master: masterUrl,
        secret: SECRET,
        ui: false,
        progress: false,
      });
      try {
        expect(await fresh.range(0, 1000, 1, 4).sum()).toBe(499_500);
        expect((await masterStatus(statusUrl)).workers.every((w) => w.coresUsed === w.cores)).toBe(
          true,
        );
      } finally {
        await fresh.stop();
      }
    } finally {
      await running.stop();
    }
  });

  it('documents every subcommand with --help', async () => {
    for (const command of ['master', 'worker', 'submit', 'history']) {
      const help = startFlint([command, '--help']);
      expect(await help.exited).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`Usage: flint ${command}`));
    }
    const unknown = startFlint(['frobnicate']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});

/** Where a worker daemon started by these tests runs an application's executors. */
function appDir(worker: FlintProcess, appId: string): string {
  return join(tmpdir(), `flint-worker-${worker.pid}`, appId);
}

/** PIDs of the executor processes each worker daemon started (its child processes). */
async function executorPidsOf(daemons: readonly FlintProcess[]): Promise<number[][]> {
  const { readFile, readdir } = await import('node:fs/promises');
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  return daemons.map((daemon) => parents.get(daemon.pid) ?? []);
}
