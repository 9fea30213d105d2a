import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Aggregator } from '../../src/aggregation.js';
import { encodeRecords, numberPairsView } from '../../src/codec.js';
import { canonicalKey, hashKey, KeyMap } from '../../src/keys.js';
import { ExternalAppendOnlyMap } from '../../src/spill/externalAppendOnlyMap.js';
import { spillFiles, useBlockManagers } from '../spillHelpers.js';

/** Makes keys big, so that a few thousand of them outgrow the smallest memory limit. */
const PADDING = 'p'.repeat(100);

const sum: Aggregator = {
  createCombiner: (v) => v,
  mergeValue: (c, v) => (c as number) + (v as number),
  mergeCombiners: (a, b) => (a as number) + (b as number),
};

const group: Aggregator = {
  createCombiner: (v) => [v],
  mergeValue: (c, v) => {
    (c as unknown[]).push(v);
    return c;
  },
  mergeCombiners: (a, b) => {
    for (const v of b as unknown[]) (a as unknown[]).push(v);
    return a;
  },
};

/** What one in-memory KeyMap makes of the same records: the reference. */
function reference(records: readonly [unknown, unknown][], aggregator: Aggregator) {
  const map = new KeyMap<unknown>();
  for (const [key, value] of records)
    map.set(
      key,
      map.has(key) ? aggregator.mergeValue(map.get(key), value) : aggregator.createCombiner(value),
    );
  return byCanonicalKey(map.entries());
}

function byCanonicalKey(entries: Iterable<[unknown, unknown]>) {
  return [...entries]
    .map(([key, value]) => [canonicalKey(key), key, value] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Keys of every kind the engine accepts, structurally equal ones built anew each time. */
const mixedKeys: readonly (() => unknown)[] = [
  () => 1,
  () => 1n,
  () => '1',
  () => -0,
  () => 0,
  () => Number.NaN,
  () => 1.5,
  () => null,
  () => undefined,
  () => true,
  () => false,
  () => [1, 'a'],
  () => [1, ['a']],
  () => ({ a: 1, b: 2 }),
  () => ({ b: 2, a: 1 }),
  () => ({ a: 1, b: '2' }),
  () => new Date(5),
  () => 'w',
];

describe('ExternalAppendOnlyMap', { timeout: 60_000 }, () => {
  const env = useBlockManagers();

  it('spills past its memory and merges to exactly what one in-memory map holds', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const map = new ExternalAppendOnlyMap(sum, task);
    const records: [unknown, unknown][] = [];
    for (let i = 0; i < 60_000; i++) {
      const make = mixedKeys[i % mixedKeys.length] as () => unknown;
      const key = i % 3 === 0 ? `key-${i % 15_013}-${PADDING}` : make();
      records.push([key, i]);
      map.insert(key, i);
    }
    expect(map.spilled).toBe(true);
    expect(task.spilledBytes).toBeGreaterThan(0);
    const expected = reference(records, sum);
    expect(byCanonicalKey(map)).toEqual(expected);
    // Read twice: the same answer (the runs are read again, not consumed).
    expect(byCanonicalKey(map)).toEqual(expected);
    task.close();
    expect(spillFiles(blockManager)).toEqual([]);
  });

  it('keeps values in arrival order across runs (groupByKey)', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const map = new ExternalAppendOnlyMap(group, task);
    const records: [unknown, unknown][] = [];
    for (let i = 0; i < 40_000; i++) {
      const key = [i % 997, `k${i % 7}`];
      records.push([key, i]);
      map.insert(key, i);
    }
    expect(map.spilled).toBe(true);
    expect(byCanonicalKey(map)).toEqual(reference(records, group));
    task.close();
  });

  it('combines keys whose hashes collide by equality, not by hash', () => {
    // Two different strings with the same 32-bit hash, found by the birthday bound.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const key = `c${i}`;
      const other = seen.get(hashKey(key));
      if (other !== undefined) pair = [other, key];
      else seen.set(hashKey(key), key);
    }
    const [a, b] = pair;
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const map = new ExternalAppendOnlyMap(sum, task);
    const records: [unknown, unknown][] = [];
    for (let i = 0; i < 30_000; i++) {
      const key = i % 3 === 0 ? a : i % 3 === 1 ? b : `filler-${i}-${PADDING}`;
      records.push([key, 1]);
      map.insert(key, 1);
    }
    expect(map.spilled).toBe(true);
    const result = new Map(map as Iterable<[unknown, unknown]>);
    expect(result.get(a)).toBe(10_000);
    expect(result.get(b)).toBe(10_000);
    expect(byCanonicalKey(map)).toEqual(reference(records, sum));
  });

  it('merges map-side combiners with mergeCombiners', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const map = new ExternalAppendOnlyMap(sum, task);
    for (let i = 0; i < 60_000; i++) map.insertCombiner(`k${i % 12_000}-${PADDING}`, 2);
    expect(map.spilled).toBe(true);
    const entries = [...map];
    expect(entries).toHaveLength(12_000);
    expect(entries.every(([, total]) => total === 10)).toBe(true);
  });

  it('takes blocks of number pairs from their bytes, as values or as combiners, and spills', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const values = new ExternalAppendOnlyMap(group, task);
    const combiners = new ExternalAppendOnlyMap(sum, task);
    const records: [number, number][] = [];
    for (let block = 0; block < 8; block++) {
      // Integer keys (dense in the map) and, in every other block, fractional ones (sparse).
      const pairs = Array.from({ length: 10_000 }, (_, i): [number, number] => [
        block % 2 === 0 ? i % 30_000 : (i % 5_000) + 0.5,
        block * i,
      ]);
      const view = numberPairsView(encodeRecords(pairs)) as DataView;
      values.insertNumberPairs(view, false);
      combiners.insertNumberPairs(view, true);
      records.push(...pairs);
    }
    expect(values.spilled).toBe(true);
    expect(byCanonicalKey(values)).toEqual(reference(records, group));
    expect(byCanonicalKey(combiners)).toEqual(reference(records, sum));
    expect(numberPairsView(encodeRecords([['a', 1]]))).toBeUndefined();
    task.close();
  });

  it('stays in memory, in first-appearance order, when the data fits', () => {
    const blockManager = env.blockManager(64 * 1024 * 1024);
    const task = env.task(blockManager);
    const map = new ExternalAppendOnlyMap(sum, task);
    for (const [key, value] of [
      ['b', 1],
      ['a', 2],
      ['b', 3],
    ] as const)
      map.insert(key, value);
    expect(map.spilled).toBe(false);
    expect([...map]).toEqual([
      ['b', 4],
      ['a', 2],
    ]);
    expect(spillFiles(blockManager)).toEqual([]);
  });

  it('agrees with an in-memory map on random keys and sizes (property)', () => {
    const key = fc.oneof(
      fc.integer({ min: -50, max: 50 }),
      fc.constantFrom(0.5, -0, Number.NaN, 1n, '1', null, true),
      fc.string({ maxLength: 3 }),
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.string({ maxLength: 1 })),
      fc.record({ x: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.integer({ min: -100, max: 100 })), { maxLength: 400 }),
        fc.integer({ min: 1, max: 20 }),
        (pairs, copies) => {
          const blockManager = env.blockManager(1024 * 1024);
          const task = env.task(blockManager);
          const map = new ExternalAppendOnlyMap(group, task);
          // Padding makes the map spill often; its keys never clash with the random ones.
          const records: [unknown, unknown][] = [];
          for (let c = 0; c < copies; c++)
            for (const [k, v] of pairs)
              records.push([k, v], [`pad-${records.length}`, 'x'.repeat(200)]);
          for (const [k, v] of records) map.insert(k, v);
          expect(byCanonicalKey(map)).toEqual(reference(records, group));
          task.close();
        },
      ),
      { numRuns: 25 },
    );
  });
});
