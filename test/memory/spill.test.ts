/**
 * Shuffles whose data is several times the workers' memory limit: map-side buffers and
 * combiners, reduce-side aggregation, sorting and cogroup spill sorted runs to the workers' disks
 * (seen in the tasks' spilledBytes metric) and merge them on read, and every answer equals a
 * plain in-memory reference computed here. The spill directories go when the context stops.
 */
import { createContext, type FlintContext, type SchedulerEvent } from '@flint/rdd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spillDirsOf } from './memoryHelpers.js';

/** Each worker may hold 8 MB; each shuffle below moves about 30 MB or more (as objects). */
const MEMORY = '8m';
const PAD = 'p'.repeat(60);

let sc: FlintContext;
const events: SchedulerEvent[] = [];
let pids: number[] = [];

beforeAll(async () => {
  sc = await createContext({ workers: 2, memoryPerWorker: MEMORY, ui: false, progress: false });
  sc.addListener((event) => events.push(event));
  pids = sc.workerPids;
});

afterAll(async () => {
  await sc?.stop();
});

/** Bytes spilled per stage by the tasks that ended since `mark`. */
function spilledByStage(mark: number): Map<number, number> {
  const byStage = new Map<number, number>();
  for (const event of events.slice(mark)) {
    if (event.type !== 'taskEnd' || event.result !== 'success') continue;
    const bytes = event.metrics?.spilledBytes ?? 0;
    byStage.set(event.stageId, (byStage.get(event.stageId) ?? 0) + bytes);
  }
  return byStage;
}

const stagesThatSpilled = (mark: number) =>
  [...spilledByStage(mark).values()].filter((bytes) => bytes > 0).length;

/** Bytes spilled by the result stages of the jobs since `mark` (reduce side, sort, cogroup). */
const resultStageSpilled = (mark: number) => {
  const byStage = spilledByStage(mark);
  let bytes = 0;
  for (const event of events.slice(mark))
    if (event.type === 'stageSubmitted' && event.stage.kind === 'ResultStage')
      bytes += byStage.get(event.stage.stageId) ?? 0;
  return bytes;
};

/** A canonical, sortable form of a result, for comparing results whose order is unspecified. */
const sorted = (records: readonly unknown[]) => records.map((r) => JSON.stringify(r)).sort();

describe('shuffles larger than the memory limit', { timeout: 180_000 }, () => {
  it('reduceByKey spills its map-side and reduce-side maps and sums exactly', async () => {
    const n = 300_000;
    const keyOf = (i: number) => `k${i % 250_000}-${PAD}`;
    const mark = events.length;
    const result = await sc
      .range(0, n, 1, 3)
      .map((i: number): [string, number] => [keyOf(i), i], { keyOf })
      .reduceByKey((a: number, b: number) => a + b, 2)
      .collect();
    const expected = new Map<string, number>();
    for (let i = 0; i < n; i++) expected.set(keyOf(i), (expected.get(keyOf(i)) ?? 0) + i);
    expect(result).toHaveLength(expected.size);
    expect(new Map(result)).toEqual(expected);
    expect(stagesThatSpilled(mark)).toBe(2);
  });

  it('groupByKey spills record buffers and groups, keeping every value', async () => {
    const n = 200_000;
    const mark = events.length;
    const result = await sc
      .range(0, n, 1, 4)
      .map((i: number): [string, string] => [`k${i % 20_000}`, `v${i}-${PAD}`], { PAD })
      .groupByKey(2)
      .collect();
    expect(result).toHaveLength(20_000);
    for (const [key, values] of result) {
      const k = Number(key.slice(1));
      // Values of one key come in map-partition order, each map's in its own order.
      const expected = Array.from({ length: n / 20_000 }, (_, j) => `v${k + j * 20_000}-${PAD}`);
      expect(values).toEqual(expected);
    }
    expect(stagesThatSpilled(mark)).toBe(2);
  });

  it('sortByKey spills sorted runs and merges them into one stable order', async () => {
    const n = 200_000;
    const keyOf = (i: number) => (Math.imul(i, 0x9e3779b1) >>> 0) % 50_000;
    const mark = events.length;
    const result = await sc
      .range(0, n, 1, 4)
      .map((i: number): [number, string] => [keyOf(i), `${i}-${PAD}`], { keyOf, PAD })
      .sortByKey(true, 2)
      .collect();
    const expected = Array.from({ length: n }, (_, i): [number, string] => [
      keyOf(i),
      `${i}-${PAD}`,
    ]);
    expected.sort((a, b) => a[0] - b[0]); // stable: equal keys keep their input order
    expect(result).toEqual(expected);
    expect(resultStageSpilled(mark)).toBeGreaterThan(0);
  });

  it('join spills its cogroup and matches every pair exactly', async () => {
    const left = Array.from({ length: 100_000 }, (_, i): [number, string] => [
      i % 30_000,
      `L${i}-${PAD}`,
    ]);
    const right = Array.from({ length: 60_000 }, (_, i): [number, string] => [i % 40_000, `R${i}`]);
    const mark = events.length;
    const joined = await sc
      .range(0, left.length, 1, 4)
      .map((i: number): [number, string] => [i % 30_000, `L${i}-${PAD}`], { PAD })
      .join(
        sc.range(0, right.length, 1, 3).map((i: number): [number, string] => [i % 40_000, `R${i}`]),
        2,
      )
      .collect();
    const rightByKey = new Map<number, string[]>();
    for (const [k, w] of right) rightByKey.set(k, [...(rightByKey.get(k) ?? []), w]);
    const expected: [number, [string, string]][] = [];
    for (const [k, v] of left) for (const w of rightByKey.get(k) ?? []) expected.push([k, [v, w]]);
    expect(joined).toHaveLength(expected.length);
    expect(sorted(joined)).toEqual(sorted(expected));
    expect(resultStageSpilled(mark)).toBeGreaterThan(0);
  });

  it('combines within partitions already partitioned by key (no shuffle) and spills there', async () => {
    const n = 240_000;
    const keyOf = (i: number) => `k${i % 200_000}-${PAD}`;
    const partitioned = sc
      .range(0, n, 1, 3)
      .map((i: number): [string, number] => [keyOf(i), 1], { keyOf })
      .partitionBy(2);
    const mark = events.length;
    const counts = await partitioned.reduceByKey((a: number, b: number) => a + b).collect();
    expect(counts).toHaveLength(200_000);
    const twice = counts.filter(([, count]) => count === 2).length;
    expect(twice).toBe(40_000);
    expect(counts.every(([, count]) => count === 1 || count === 2)).toBe(true);
    // One shuffle (partitionBy's): the reduceByKey combined in the result stage, and spilled.
    expect(spilledByStage(mark).size).toBe(2);
    expect(resultStageSpilled(mark)).toBeGreaterThan(0);
  });

  it('removes every spill directory when the context stops', async () => {
    expect(pids).toHaveLength(2);
    expect(spillDirsOf(pids).length).toBeGreaterThan(0);
    await sc.stop();
    expect(spillDirsOf(pids)).toEqual([]);
  });
});
