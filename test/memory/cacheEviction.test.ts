/**
 * Cached datasets larger than the workers' memory limit: the block manager drops least recently
 * used partitions (of other datasets) to make room, refuses partitions of a dataset that would
 * only evict its own, and every later action still gets exact answers, recomputing from lineage
 * exactly the partitions that are no longer cached. A side-effect accumulator counts, per
 * partition, how often each was computed (partition i adds 16 ** i).
 */
import { createContext, type FlintContext, type SchedulerEvent } from '@flint/rdd';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionCounts } from './memoryHelpers.js';

const PARTITIONS = 8;
/** Records per partition: about 1.3 MB per partition as the block manager estimates it. */
const PER_PARTITION = 10_000;
const PADDING = 'x'.repeat(90);

/** The sum of the numbers the records start with: what every action must find. */
const EXPECTED_SUM = ((PARTITIONS * PER_PARTITION - 1) * PARTITIONS * PER_PARTITION) / 2;

let sc: FlintContext | undefined;
afterEach(async () => {
  await sc?.stop();
  sc = undefined;
});

/** A cached dataset of padded strings whose computations `counter` records per partition. */
function paddedDataset(context: FlintContext, counter: ReturnType<FlintContext['accumulator']>) {
  return context
    .range(0, PARTITIONS * PER_PARTITION, 1, PARTITIONS)
    .mapPartitionsWithIndex(
      (index: number, numbers: Iterable<number>) => {
        counter.add(16 ** index);
        return Array.from(numbers, (n) => `${n}-${PADDING}`);
      },
      { counter, PADDING },
    )
    .cache();
}

/** Runs an exact action on `dataset` and returns how often each partition was computed. */
async function sumAndCount(
  dataset: ReturnType<typeof paddedDataset>,
  counter: ReturnType<FlintContext['accumulator']>,
): Promise<number[]> {
  const before = counter.value;
  const sum = await dataset.map((s: string) => Number.parseInt(s, 10)).reduce((a, b) => a + b);
  expect(sum).toBe(EXPECTED_SUM);
  return partitionCounts(counter.value - before, PARTITIONS);
}

/** The partitions of `dataset` that workers reported stored (true) or dropped (false), in order. */
function blockReports(events: readonly SchedulerEvent[], dataset: { id: number }): string[] {
  const prefix = `rdd_${dataset.id}_`;
  return events.flatMap((event) =>
    event.type === 'blockUpdated' && event.blockId.startsWith(prefix)
      ? [`${event.removed ? '-' : '+'}${event.blockId.slice(prefix.length)}`]
      : [],
  );
}

/** True when `counts` is some ones followed by zeros: the oldest partitions, and only they. */
const isOldestFirst = (counts: readonly number[]) =>
  counts.every((count, i) => count === (i < counts.indexOf(0) || !counts.includes(0) ? 1 : 0));

/**
 * A context of one worker with 24 MB (14 MB for blocks), whose events go to `events`. One worker,
 * so that tasks run in partition order and the LRU order is known.
 */
function oneWorker(events: SchedulerEvent[]): Promise<FlintContext> {
  return createContext({
    workers: 1,
    memoryPerWorker: '24m',
    ui: false,
    progress: false,
    listeners: [(event) => events.push(event)],
  });
}

describe('cache larger than the memory limit', () => {
  it('evicts the least recently used partitions and recomputes only those', async () => {
    const events: SchedulerEvent[] = [];
    sc = await oneWorker(events);
    const countA = sc.accumulator(0);
    const countB = sc.accumulator(0);
    const a = paddedDataset(sc, countA);
    const b = paddedDataset(sc, countB);

    // A fits (about 10 MB of the 14 MB its blocks may take): every partition computed once, then none.
    expect(await sumAndCount(a, countA)).toEqual(Array(PARTITIONS).fill(1));
    expect(await sumAndCount(a, countA)).toEqual(Array(PARTITIONS).fill(0));
    // The worker reported each partition it stored, so the driver knows where they are.
    expect(blockReports(events, a)).toEqual(['+0', '+1', '+2', '+3', '+4', '+5', '+6', '+7']);

    // B does not fit beside A: caching it evicts A's least recently used partitions.
    const beforeB = events.length;
    expect(await sumAndCount(b, countB)).toEqual(Array(PARTITIONS).fill(1));
    const droppedA = blockReports(events.slice(beforeB), a);

    // A again: exactly the evicted partitions (the oldest ones) are recomputed, and re-cached
    // by evicting B's oldest; then A is whole again.
    const recomputedA = await sumAndCount(a, countA);
    expect(isOldestFirst(recomputedA)).toBe(true);
    const evictedA = recomputedA.filter((count) => count === 1).length;
    expect(evictedA).toBeGreaterThan(0);
    expect(evictedA).toBeLessThan(PARTITIONS);
    // The worker reported exactly those evictions to the driver.
    expect(droppedA).toEqual(Array.from({ length: evictedA }, (_, i) => `-${i}`));
    expect(await sumAndCount(a, countA)).toEqual(Array(PARTITIONS).fill(0));

    // And B lost its oldest partitions to make that room (one fewer when free memory was left).
    const recomputedB = await sumAndCount(b, countB);
    expect(isOldestFirst(recomputedB)).toBe(true);
    const evictedB = recomputedB.filter((count) => count === 1).length;
    expect(evictedB).toBeLessThanOrEqual(evictedA);
    expect(evictedB).toBeGreaterThanOrEqual(evictedA - 1);
  });

  it('makes room for a broadcast value, which counts against the memory limit, and frees it after', async () => {
    const events: SchedulerEvent[] = [];
    sc = await oneWorker(events);
    const countA = sc.accumulator(0);
    const a = paddedDataset(sc, countA);
    expect(await sumAndCount(a, countA)).toEqual(Array(PARTITIONS).fill(1));
    expect(blockReports(events, a)).toHaveLength(PARTITIONS);

    // About 7 MB as the worker estimates it: A's 10 MB and the table do not fit in 14 MB together.
    const beforeTable = events.length;
    const table = sc.broadcast(Array.from({ length: 60_000 }, (_, i) => `${i}-${PADDING}`));
    const lookups = await sc
      .range(0, 4, 1, 2)
      .map((i: number) => (table.value[i * 1000] as string).length)
      .collect();
    expect(lookups).toEqual([92, 95, 95, 95]);
    // Its arrival evicted A's oldest partitions (before the job could run), and A is recomputed
    // exactly there, while the table holds its memory: only the newest partitions fit again.
    const droppedForTable = blockReports(events.slice(beforeTable), a);
    expect(droppedForTable.length).toBeGreaterThan(0);
    expect(droppedForTable).toEqual(Array.from(droppedForTable, (_, i) => `-${i}`));
    const recomputed = await sumAndCount(a, countA);
    expect(isOldestFirst(recomputed)).toBe(true);
    expect(recomputed.filter((count) => count === 1)).toHaveLength(droppedForTable.length);

    // Destroyed, the table gives its memory back: A is cached whole again and then read as is.
    table.destroy();
    await sumAndCount(a, countA);
    expect(await sumAndCount(a, countA)).toEqual(Array(PARTITIONS).fill(0));
  });

  it('gives exact answers when one dataset is larger than every worker together', async () => {
    sc = await createContext({ workers: 2, memoryPerWorker: '4m', ui: false, progress: false });
    const counter = sc.accumulator(0);
    const big = paddedDataset(sc, counter);
    expect(await sumAndCount(big, counter)).toEqual(Array(PARTITIONS).fill(1));
    // About 10 MB for 8 MB in all: some partitions stay cached, the others are recomputed,
    // each at most once per action.
    for (let run = 0; run < 2; run++) {
      const counts = await sumAndCount(big, counter);
      expect(counts.every((count) => count <= 1)).toBe(true);
      expect(counts).toContain(0);
      expect(counts).toContain(1);
    }
    expect(await big.count()).toBe(PARTITIONS * PER_PARTITION);
  });
});
