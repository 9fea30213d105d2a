/**
 * The master's bookkeeping and scheduling, with a scripted worker that speaks the cluster protocol
 * over a real socket and records which executors it is asked to start.
 */
import { randomBytes } from 'node:crypto';
import {
  type ClusterMessage,
  connectToListener,
  decodeClusterMessage,
  encodeClusterMessage,
  frameBytes,
} from '@flint/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { Master, type SchedulingMode } from '../src/master/master.js';
import { MasterClient } from '../src/master/masterClient.js';

const secret = randomBytes(24).toString('base64url');
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startMaster(scheduling: SchedulingMode): Promise<{ master: Master; log: string[] }> {
  const log: string[] = [];
  const master = await Master.start({ secret, port: 0, scheduling, log: (line) => log.push(line) });
  cleanups.push(() => master.close());
  return { master, log };
}

/** A worker that registers `cores` and records the launches it is asked for. */
async function scriptedWorker(masterUrl: string, cores: number) {
  const { socket } = await connectToListener(masterUrl, secret, 'worker', { cores });
  cleanups.push(() => socket.terminate());
  const launches: { appId: string; executorId: string; memoryBytes: number }[] = [];
  const kills: string[] = [];
  socket.on('message', (data) => {
    const message = decodeClusterMessage(frameBytes(data));
    if (message.type === 'launchExecutor') launches.push(message);
    if (message.type === 'killExecutors') kills.push(message.appId);
  });
  const send = (message: ClusterMessage) => socket.send(encodeClusterMessage(message));
  send({ type: 'registerWorker', host: '127.0.0.1', cores, memoryBytes: 2 ** 30, executors: [] });
  return { socket, launches, kills, send };
}

async function attach(
  masterUrl: string,
  name: string,
  maxCores?: number,
  memoryPerExecutor?: number,
): Promise<MasterClient> {
  const client = await MasterClient.connect({
    masterUrl,
    secret,
    name,
    driverUrl: 'ws://127.0.0.1:1',
    ...(maxCores === undefined ? {} : { maxCores }),
    ...(memoryPerExecutor === undefined ? {} : { memoryPerExecutor }),
  });
  cleanups.push(() => client.close());
  return client;
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const perApp = (launches: readonly { appId: string }[]) => {
  const counts: Record<string, number> = {};
  for (const { appId } of launches) counts[appId] = (counts[appId] ?? 0) + 1;
  return counts;
};

describe('Master scheduling', () => {
  it('fifo gives every free core to the oldest application', async () => {
    const { master } = await startMaster('fifo');
    const first = await attach(master.url, 'first');
    const second = await attach(master.url, 'second');
    const worker = await scriptedWorker(master.url, 4);
    await until(() => worker.launches.length === 4, 'four launches');
    expect(perApp(worker.launches)).toEqual({ [first.appId]: 4 });
    // Each executor gets an equal share of the worker's memory.
    expect(worker.launches.map((l) => l.memoryBytes)).toEqual(Array(4).fill(2 ** 30 / 4));
    await until(() => first.grantedCores === 4, 'the grant to reach the first application');
    expect(second.grantedCores).toBe(0);
  });

  it('fair deals the cores out in turn, and maxCores caps an application', async () => {
    const { master } = await startMaster('fair');
    const a = await attach(master.url, 'a');
    const b = await attach(master.url, 'b');
    const capped = await attach(master.url, 'capped', 1, 64 * 2 ** 20);
    const worker = await scriptedWorker(master.url, 7);
    await until(() => worker.launches.length === 7, 'seven launches');
    expect(perApp(worker.launches)).toEqual({ [a.appId]: 3, [b.appId]: 3, [capped.appId]: 1 });
    // An application's own executor memory wins over the worker's share.
    expect(worker.launches.find((l) => l.appId === capped.appId)?.memoryBytes).toBe(64 * 2 ** 20);
  });

  it("frees an application's cores when it ends, for the one waiting", async () => {
    const { master, log } = await startMaster('fifo');
    const first = await attach(master.url, 'first');
    const second = await attach(master.url, 'second');
    const worker = await scriptedWorker(master.url, 2);
    await until(() => worker.launches.length === 2, 'two launches');
    first.close();
    await until(
      () => worker.kills.includes(first.appId),
      'the first application’s executors to be stopped',
    );
    await until(() => second.grantedCores === 2, 'the second application to get the cores');
    expect(log.some((line) => line.includes(`application ${first.appId} ended`))).toBe(true);
    expect(master.status().applications.find((app) => app.id === first.appId)?.state).toBe(
      'finished',
    );
  });

  it('replaces an executor that exited, and drops a worker that falls silent', async () => {
    const log: string[] = [];
    const master = await Master.start({
      secret,
      port: 0,
      workerTimeoutMs: 300,
      log: (l) => log.push(l),
    });
    cleanups.push(() => master.close());
    const app = await attach(master.url, 'app');
    const worker = await scriptedWorker(master.url, 1);
    await until(() => worker.launches.length === 1, 'a launch');
    const [launched] = worker.launches;
    worker.send({
      type: 'executorExited',
      appId: app.appId,
      executorId: launched?.executorId ?? '',
      reason: 'exit code 1',
    });
    await until(() => worker.launches.length === 2, 'a replacement executor');
    expect(worker.launches[1]?.executorId).not.toBe(launched?.executorId);
    // The scripted worker sends no heartbeats: after the timeout it is lost, and so are its cores.
    await until(
      () => master.status().workers[0]?.state === 'lost',
      'the silent worker to be dropped',
    );
    await until(() => app.grantedCores === 0, 'the application to hear it');
    expect(log.some((line) => /lost worker .* \(silent for/.test(line))).toBe(true);
  });

  it('refuses a peer without the secret, and an application that speaks like a worker', async () => {
    const { master, log } = await startMaster('fifo');
    await expect(connectToListener(master.url, 'x'.repeat(32), 'worker', {})).rejects.toThrow(
      /authentication failed/,
    );
    await until(() => log.some((line) => line.includes('authentication failed')), 'the log line');
    const { socket } = await connectToListener(master.url, secret, 'application', {});
    cleanups.push(() => socket.terminate());
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      encodeClusterMessage({
        type: 'registerWorker',
        host: 'h',
        cores: 1,
        memoryBytes: 1,
        executors: [],
      }),
    );
    expect(await closed).toBe(1008);
    expect(master.status().workers).toEqual([]);
  });
});
