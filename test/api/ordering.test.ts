/**
 * The total order: sortBy, sortByKey, takeOrdered, top, min, max. Numbers compare numerically,
 * strings by code unit, a key function changes the comparison but not the elements returned, and
 * sorting is global across partitions (range partitioning).
 */
import { describe, expect, it } from 'vitest';
import { failure, numbers, useContext } from './support.js';

const ctx = useContext();

const wordPairs: [string, number][] = [
  ['a', 1],
  ['b', 2],
  ['1', 3],
  ['d', 4],
  ['2', 5],
];

/** A deterministic shuffle of 0..n-1. */
const scrambled = (n: number) => numbers(0, n).map((i) => (i * 7919) % n);

describe('takeOrdered and top', () => {
  it('semantics "Ordering": takeOrdered(6) on [10,1,2,9,3,4,5,6,7] is [1,2,3,4,5,6]', async () => {
    const ds = ctx.sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 2);
    expect(await ds.takeOrdered(6)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('semantics "Ordering": takeOrdered(6, x => -x) is [10,9,7,6,5,4]', async () => {
    const ds = ctx.sc.parallelize([10, 1, 2, 9, 3, 4, 5, 6, 7], 2);
    expect(await ds.takeOrdered(6, (x) => -x)).toEqual([10, 9, 7, 6, 5, 4]);
  });

  it('semantics "Ordering": takeOrdered(3) on an empty dataset is []', async () => {
    expect(await ctx.sc.parallelize([] as number[], 3).takeOrdered(3)).toEqual([]);
    expect(await ctx.sc.emptyDataset<number>().takeOrdered(3)).toEqual([]);
  });

  it('semantics "Ordering": top is descending (Spark doctests [12] and [6, 5])', async () => {
    expect(await ctx.sc.parallelize([10, 4, 2, 12, 3]).top(1)).toEqual([12]);
    expect(await ctx.sc.parallelize([2, 3, 4, 5, 6], 2).top(2)).toEqual([6, 5]);
  });

  it('semantics "Ordering": top(3, x => String(x)) on [10,4,2,12,3] is [4,3,2]', async () => {
    expect(await ctx.sc.parallelize([10, 4, 2, 12, 3]).top(3, (x) => String(x))).toEqual([4, 3, 2]);
  });

  it('asking for more than exist returns all of them, in order, over empty partitions', async () => {
    const ds = ctx.sc.parallelize([3, 1, 2], 6);
    expect(await ds.takeOrdered(10)).toEqual([1, 2, 3]);
    expect(await ds.top(10)).toEqual([3, 2, 1]);
    expect(await ds.top(0)).toEqual([]);
    expect(await ds.takeOrdered(0)).toEqual([]);
  });

  it('keeps duplicates', async () => {
    const ds = ctx.sc.parallelize([5, 1, 5, 1, 3], 3);
    expect(await ds.takeOrdered(3)).toEqual([1, 1, 3]);
    expect(await ds.top(3)).toEqual([5, 5, 3]);
  });

  it('semantics "Ordering": strings compare by code unit, uppercase before lowercase unless a keyFn lowercases', async () => {
    const ds = ctx.sc.parallelize(['b', 'B', 'a', 'A', '_', '1', 'aa'], 3);
    expect(await ds.takeOrdered(7)).toEqual(['1', 'A', 'B', '_', 'a', 'aa', 'b']);
    expect(await ds.top(2)).toEqual(['b', 'aa']);
    const mixedCase = ctx.sc.parallelize(['b', 'C', 'a', 'D'], 2);
    expect(await mixedCase.takeOrdered(4)).toEqual(['C', 'D', 'a', 'b']);
    expect(await mixedCase.takeOrdered(3, (s) => s.toLowerCase())).toEqual(['a', 'b', 'C']);
  });
});

describe('min and max', () => {
  it('semantics "Ordering": max() is 43 and max(x => String(x)) is 5 on [1,5,43,10]', async () => {
    const ds = ctx.sc.parallelize([1.0, 5.0, 43.0, 10.0]);
    expect(await ds.max()).toBe(43);
    expect(await ds.max((x) => String(x))).toBe(5);
  });

  it('semantics "Ordering": min() is 2 and min(x => String(x)) is 10 on [2,5,43,10]', async () => {
    const ds = ctx.sc.parallelize([2.0, 5.0, 43.0, 10.0]);
    expect(await ds.min()).toBe(2);
    expect(await ds.min((x) => String(x))).toBe(10);
  });

  it('compares numbers numerically, negatives and fractions included', async () => {
    const ds = ctx.sc.parallelize([-1.5, 10, 9, -20, 0.25], 3);
    expect(await ds.min()).toBe(-20);
    expect(await ds.max()).toBe(10);
  });

  it('of one element, over empty partitions', async () => {
    const ds = ctx.sc.parallelize(['only'], 5);
    expect(await ds.min()).toBe('only');
    expect(await ds.max()).toBe('only');
  });

  it('returns the original element, not the key, for pairs', async () => {
    const ds = ctx.sc.parallelize<[string, number]>(
      [
        ['x', 3],
        ['y', 1],
        ['z', 2],
      ],
      2,
    );
    expect(await ds.min((pair) => pair[1])).toEqual(['y', 1]);
    expect(await ds.max((pair) => pair[1])).toEqual(['x', 3]);
    expect(await ds.max()).toEqual(['z', 2]);
  });

  it('reject on an empty dataset with FLINT_EMPTY, as reduce does', async () => {
    // Spark's min and max are reduces, so they fail like reduce on an empty RDD.
    const empty = ctx.sc.parallelize([] as number[], 2);
    expect(await failure(() => empty.min())).toMatchObject({ code: 'FLINT_EMPTY' });
    expect(await failure(() => empty.max())).toMatchObject({ code: 'FLINT_EMPTY' });
  });
});

describe('sortByKey', () => {
  it('semantics "Ordering": sortByKey().first() is the pair with the smallest key', async () => {
    expect(await ctx.sc.parallelize(wordPairs).sortByKey().first()).toEqual(['1', 3]);
  });

  it('semantics "Ordering": sortByKey(true, 1) and (true, 2) sort globally (Spark doctest)', async () => {
    const expected = [
      ['1', 3],
      ['2', 5],
      ['a', 1],
      ['b', 2],
      ['d', 4],
    ];
    expect(await ctx.sc.parallelize(wordPairs).sortByKey(true, 1).collect()).toEqual(expected);
    expect(await ctx.sc.parallelize(wordPairs).sortByKey(true, 2).collect()).toEqual(expected);
    expect(await ctx.sc.parallelize(wordPairs, 3).sortByKey(true, 3).collect()).toEqual(expected);
  });

  it("semantics \"Ordering\": sortByKey(true, 3, k => k.toLowerCase()) puts 'Mary' between 'little' and 'was'", async () => {
    const words: [string, number][] = [
      ['Mary', 1],
      ['had', 2],
      ['a', 3],
      ['little', 4],
      ['lamb', 5],
      ['whose', 6],
      ['fleece', 7],
      ['was', 8],
      ['white', 9],
    ];
    const result = await ctx.sc
      .parallelize(words)
      .sortByKey(true, 3, (k) => k.toLowerCase())
      .collect();
    expect(result).toEqual([
      ['a', 3],
      ['fleece', 7],
      ['had', 2],
      ['lamb', 5],
      ['little', 4],
      ['Mary', 1],
      ['was', 8],
      ['white', 9],
      ['whose', 6],
    ]);
  });

  it('sortByKey(false) is descending, across partitions', async () => {
    const data = scrambled(200).map((x) => [x, `v${x}`] as [number, string]);
    const result = await ctx.sc.parallelize(data, 4).sortByKey(false, 3).collect();
    expect(result.map(([key]) => key)).toEqual(numbers(0, 200).reverse());
    expect(result.every(([key, value]) => value === `v${key}`)).toBe(true);
  });

  it('semantics "Ordering": sorts globally: each partition holds a range, for n = 1, 2 and 3', async () => {
    const data = scrambled(300).map((x) => [x, x] as [number, number]);
    for (const n of [1, 2, 3]) {
      const parts = await ctx.sc.parallelize(data, 4).sortByKey(true, n).glom().collect();
      expect(parts.flat().map(([key]) => key)).toEqual(numbers(0, 300));
      const nonEmpty = parts.filter((part) => part.length > 0);
      expect(nonEmpty.length).toBe(n);
    }
  });

  it('compares numbers numerically, not as strings (10 after 9)', async () => {
    const result = await ctx.sc
      .parallelize<[number, string]>(
        [
          [10, 'ten'],
          [9, 'nine'],
          [-1, 'minus one'],
          [100, 'hundred'],
          [2.5, 'two and a half'],
        ],
        2,
      )
      .sortByKey()
      .keys()
      .collect();
    expect(result).toEqual([-1, 2.5, 9, 10, 100]);
  });

  it('keeps duplicate keys, and sorts array keys element by element', async () => {
    const result = await ctx.sc
      .parallelize<[number[], string]>(
        [
          [[2], 'a'],
          [[1, 5], 'b'],
          [[1], 'c'],
          [[1, 5], 'd'],
          [[1, 10], 'e'],
        ],
        3,
      )
      .sortByKey(true, 2)
      .collect();
    expect(result.map(([key]) => key)).toEqual([[1], [1, 5], [1, 5], [1, 10], [2]]);
    expect(
      result
        .filter(([key]) => key.length === 2 && key[1] === 5)
        .map(([, v]) => v)
        .sort(),
    ).toEqual(['b', 'd']);
  });

  it('of an empty dataset, one element, and more partitions than elements', async () => {
    expect(await ctx.sc.parallelize<[number, number]>([], 3).sortByKey().collect()).toEqual([]);
    expect(
      await ctx.sc
        .parallelize<[number, number]>([[1, 1]], 1)
        .sortByKey(false)
        .collect(),
    ).toEqual([[1, 1]]);
    expect(
      await ctx.sc
        .parallelize<[number, number]>(
          [
            [3, 0],
            [1, 0],
            [2, 0],
          ],
          8,
        )
        .sortByKey(true, 6)
        .keys()
        .collect(),
    ).toEqual([1, 2, 3]);
  });

  it('orders mixed key types: null, booleans, numbers, strings, then arrays', async () => {
    // semantics.md does not rank types against each other; this is the engine's documented
    // order (packages/worker/src/ordering.ts), which must at least be total and consistent.
    const keys = ['b', 10, [1], 'B', null, true, 2, false, [0, 'z'], 'a'];
    const result = await ctx.sc
      .parallelize(
        keys.map((key, i) => [key, i] as [unknown, number]),
        3,
      )
      .sortByKey(true, 2)
      .keys()
      .collect();
    expect(result).toEqual([null, false, true, 2, 10, 'B', 'a', 'b', [0, 'z'], [1]]);
  });
});

describe('sortBy', () => {
  it('semantics "Ordering": sortBy(x => x[0]) (Spark doctest)', async () => {
    expect(
      await ctx.sc
        .parallelize(wordPairs)
        .sortBy((x) => x[0])
        .collect(),
    ).toEqual([
      ['1', 3],
      ['2', 5],
      ['a', 1],
      ['b', 2],
      ['d', 4],
    ]);
  });

  it('semantics "Ordering": sortBy(x => x[1]) (Spark doctest)', async () => {
    expect(
      await ctx.sc
        .parallelize(wordPairs)
        .sortBy((x) => x[1])
        .collect(),
    ).toEqual([
      ['a', 1],
      ['b', 2],
      ['1', 3],
      ['d', 4],
      ['2', 5],
    ]);
  });

  it('semantics "Ordering": sortBy sorts globally for n = 1, 2 and 3, ascending and descending', async () => {
    const data = scrambled(250);
    for (const n of [1, 2, 3]) {
      const ascending = ctx.sc.parallelize(data, 5).sortBy((x) => x, true, n);
      expect(await ascending.collect()).toEqual(numbers(0, 250));
      expect((await ascending.glom().collect()).filter((part) => part.length > 0)).toHaveLength(n);
      const descending = ctx.sc.parallelize(data, 5).sortBy((x) => x, false, n);
      expect(await descending.collect()).toEqual(numbers(0, 250).reverse());
    }
  });

  it('returns the elements, not the keys, and keeps equal keys', async () => {
    const result = await ctx.sc
      .parallelize(['ccc', 'a', 'bb', 'dd', 'e'], 3)
      .sortBy((s) => s.length, true, 2)
      .collect();
    expect(result.map((s) => s.length)).toEqual([1, 1, 2, 2, 3]);
    expect(result.slice(0, 2).sort()).toEqual(['a', 'e']);
    expect(result.slice(2, 4).sort()).toEqual(['bb', 'dd']);
    expect(result[4]).toBe('ccc');
  });

  it('by a numeric key: -x sorts descending, and fractions sort between integers', async () => {
    expect(
      await ctx.sc
        .parallelize([1, 10, 2, 9], 2)
        .sortBy((x) => -x)
        .collect(),
    ).toEqual([10, 9, 2, 1]);
    expect(
      await ctx.sc
        .parallelize([3, 0.5, 2, 1.5, -0.5], 2)
        .sortBy((x) => x)
        .collect(),
    ).toEqual([-0.5, 0.5, 1.5, 2, 3]);
  });

  it('of an empty dataset is empty', async () => {
    expect(
      await ctx.sc
        .parallelize([] as number[], 4)
        .sortBy((x) => x)
        .collect(),
    ).toEqual([]);
  });
});
