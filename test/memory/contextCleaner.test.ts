/**
 * The context cleaner: once no dataset can reach a shuffle, a cached dataset or a broadcast, the
 * garbage collector lets the driver free them on the workers (shuffle files leave the workers'
 * disks, the driver lets go of the broadcast value), while what some dataset still reaches stays,
 * and a later job reuses it.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createContext, type FlintContext, type SchedulerEvent } from '@flint/rdd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillDirsOf } from './memoryHelpers.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let sc: FlintContext;
const events: SchedulerEvent[] = [];

beforeAll(async () => {
  // 8 MB per worker: the shuffle below (about 20 MB as objects) is written to the workers' disks.
  sc = await createContext({ workers: 2, memoryPerWorker: '8m', ui: false, progress: false });
  sc.addListener((event) => events.push(event));
});

afterAll(async () => {
  await sc?.stop();
});

/** The map output files on the workers' disks. */
function shuffleFiles(): string[] {
  return spillDirsOf(sc.workerPids).flatMap((dir) =>
    readdirSync(join(tmpdir(), dir)).filter((name) => name.startsWith('shuffle-')),
  );
}

/** Collects garbage, then lets the finalizers it queued run (they run in a later task). */
async function collectOnce(): Promise<void> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Collects garbage until `done()` holds. Finalizers run after a collection, in a later task; and
 * `done()` is never followed by a collection in the same task, since a WeakRef read keeps its
 * target alive until the task ends.
 */
async function collectUntil(done: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    await collectOnce();
    if (done()) return;
  }
  throw new Error(`still waiting for ${what} after 100 collections`);
}

async function poll(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const removedShuffles = () =>
  events.flatMap((event) => (event.type === 'shuffleRemoved' ? [event.shuffleId] : []));
const unpersisted = () =>
  events.flatMap((event) => (event.type === 'unpersistDataset' ? [event.nodeId] : []));
const removedBroadcasts = () =>
  events.flatMap((event) => (event.type === 'broadcastRemoved' ? [event.broadcastId] : []));

/** Builds, runs and drops a shuffle and a cached dataset; only their ids leave this function. */
async function runAndForget(): Promise<{ groups: number; cachedCount: number }> {
  const padding = 'x'.repeat(100);
  const grouped = sc
    .range(0, 100_000, 1, 4)
    .map((i: number): [number, string] => [i % 1000, `${i}${padding}`])
    .groupByKey(4);
  const cached = sc
    .range(0, 1000, 1, 2)
    .map((x: number) => x * 2)
    .cache();
  return { groups: await grouped.count(), cachedCount: await cached.count() };
}

/**
 * Broadcasts a table, runs a job that reads it, and drops every reference; returns the job's
 * answer and a weak reference to the driver's copy of the table.
 */
async function broadcastAndForget(): Promise<{ total: number; table: WeakRef<object> }> {
  const values = Array.from({ length: 10_000 }, (_, i) => i);
  const table = sc.broadcast(values);
  const total = await sc
    .range(0, 10, 1, 2)
    .map((i: number) => table.value[i] as number)
    .reduce((a: number, b: number) => a + b);
  return { total, table: new WeakRef(values) };
}

describe('the context cleaner', { timeout: 120_000 }, () => {
  it('frees a shuffle and a cache on the workers once no dataset reaches them', async () => {
    const before = removedShuffles().length;
    expect(await runAndForget()).toEqual({ groups: 1000, cachedCount: 1000 });
    expect(shuffleFiles().length).toBeGreaterThan(0);

    await collectUntil(
      () => removedShuffles().length > before && unpersisted().length > 0,
      'the shuffle and the cached dataset to be cleaned',
    );
    // The workers act on the driver's word asynchronously: their shuffle files go.
    await poll(() => shuffleFiles().length === 0, 'the shuffle files to leave the disks');
  });

  it('frees a broadcast once neither the user nor a dataset holds its handle', async () => {
    const before = removedBroadcasts().length;
    const { total, table } = await broadcastAndForget();
    expect(total).toBe(45);
    await collectUntil(() => removedBroadcasts().length > before, 'the broadcast to be removed');
    // The driver keeps no copy of the value for workers that join later.
    await collectUntil(() => table.deref() === undefined, 'the broadcast value to be collected');
  });

  it('keeps a broadcast a dataset still reads, for its next job', async () => {
    const lookup = (() => {
      const squares = sc.broadcast(Array.from({ length: 100 }, (_, i) => i * i));
      return sc.range(0, 100, 1, 4).map((i: number) => squares.value[i] as number);
    })();
    expect(await lookup.sum()).toBe(328_350);
    const removedBefore = removedBroadcasts().length;
    for (let i = 0; i < 5; i++) await collectOnce();
    expect(removedBroadcasts().length).toBe(removedBefore);
    expect(await lookup.sum()).toBe(328_350);
  });

  it('keeps a shuffle a dataset still reaches, and the next job reuses its map outputs', async () => {
    const sums = sc
      .range(0, 10_000, 1, 4)
      .map((i: number): [number, number] => [i % 10, i])
      .reduceByKey((a: number, b: number) => a + b);
    expect(await sums.count()).toBe(10);
    const removedBefore = removedShuffles().length;
    for (let i = 0; i < 5; i++) await collectOnce();
    expect(removedShuffles().length).toBe(removedBefore);

    const mark = events.length;
    let sumOfThrees = 0;
    for (let i = 3; i < 10_000; i += 10) sumOfThrees += i;
    expect(new Map(await sums.collect()).get(3)).toBe(sumOfThrees);
    const starts = events.slice(mark).filter((event) => event.type === 'taskStart');
    const submitted = events
      .slice(mark)
      .flatMap((event) => (event.type === 'stageSubmitted' ? [event.stage] : []));
    // Only the result stage ran: the map stage's outputs were still there.
    expect(submitted.map((stage) => stage.kind)).toEqual(['ResultStage']);
    expect(starts).toHaveLength(4);
  });
});
