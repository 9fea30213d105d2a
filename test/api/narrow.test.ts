/**
 * Narrow transformations and the ones that only move partitions around: map, filter, flatMap,
 * mapPartitions(WithIndex), glom, keyBy, the pair-wise narrow ones (mapValues, flatMapValues, keys,
 * values), union, coalesce, partition/repartition, zip, zipWithIndex, zipWithUniqueId, sample,
 * cartesian.
 */
import { describe, expect, it } from 'vitest';
import { numbers, sorted, stageKindsSince, useContext } from './support.js';

const ctx = useContext();

describe('map, filter, flatMap', () => {
  it('map applies the function to every element (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize(['b', 'a', 'c']);
    expect(sorted(await ds.map((x) => [x, 1] as [string, number]).collect())).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('map keeps the order of elements across partitions, empty ones included', async () => {
    expect(
      await ctx.sc
        .parallelize([0, 2, 4], 5)
        .map((x) => x * 10)
        .collect(),
    ).toEqual([0, 20, 40]);
    expect(
      await ctx.sc
        .parallelize([] as number[], 3)
        .map((x) => x * 10)
        .collect(),
    ).toEqual([]);
  });

  it('map may return null, arrays and objects', async () => {
    const result = await ctx.sc
      .parallelize([1, 2], 2)
      .map((x) => (x === 1 ? null : { x, list: [x, String(x)] }))
      .collect();
    expect(result).toEqual([null, { x: 2, list: [2, '2'] }]);
  });

  it('filter keeps the elements for which the function is truthy (Spark doctest)', async () => {
    expect(
      await ctx.sc
        .parallelize([1, 2, 3, 4, 5])
        .filter((x) => x % 2 === 0)
        .collect(),
    ).toEqual([2, 4]);
    expect(
      await ctx.sc
        .parallelize([0, 1, '', 'a', null], 2)
        .filter((x) => x)
        .collect(),
    ).toEqual([1, 'a']);
    expect(
      await ctx.sc
        .parallelize([1, 2, 3], 4)
        .filter(() => false)
        .collect(),
    ).toEqual([]);
  });

  it('flatMap flattens what the function returns (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize([2, 3, 4]);
    expect(sorted(await ds.flatMap((x) => numbers(1, x)).collect())).toEqual([1, 1, 1, 2, 2, 3]);
    expect(
      sorted(
        await ds
          .flatMap((x) => [
            [x, x],
            [x, x],
          ])
          .collect(),
      ),
    ).toEqual([
      [2, 2],
      [2, 2],
      [3, 3],
      [3, 3],
      [4, 4],
      [4, 4],
    ]);
  });

  it('flatMap accepts any iterable, a generator or a Set, and an empty one drops the element', async () => {
    const fromGenerator = await ctx.sc
      .parallelize([1, 2, 3], 2)
      .flatMap(function* (x) {
        for (let i = 0; i < x; i++) yield x;
      })
      .collect();
    expect(fromGenerator).toEqual([1, 2, 2, 3, 3, 3]);
    expect(
      await ctx.sc
        .parallelize([1, 2, 1], 2)
        .flatMap((x) => new Set([x, x + 1]))
        .collect(),
    ).toEqual([1, 2, 2, 3, 1, 2]);
    expect(
      await ctx.sc
        .parallelize([1, 2], 2)
        .flatMap(() => [])
        .collect(),
    ).toEqual([]);
  });
});

describe('mapPartitions, mapPartitionsWithIndex, glom', () => {
  it('semantics "mapPartitions": [1,2,3,4] in 2 with a per-partition sum gives [3, 7]', async () => {
    const sums = ctx.sc.parallelize([1, 2, 3, 4], 2).mapPartitions((partition) => {
      let sum = 0;
      for (const x of partition) sum += x;
      return [sum];
    });
    expect(await sums.collect()).toEqual([3, 7]);
  });

  it('mapPartitions may return a generator or an AsyncIterable', async () => {
    const generated = ctx.sc.parallelize([1, 2, 3, 4], 2).mapPartitions(function* (partition) {
      for (const x of partition) yield x * 2;
    });
    expect(await generated.collect()).toEqual([2, 4, 6, 8]);
    const asynchronous = ctx.sc
      .parallelize([1, 2, 3, 4], 2)
      .mapPartitions(async function* (partition) {
        for (const x of partition) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          yield x + 100;
        }
      });
    expect(await asynchronous.collect()).toEqual([101, 102, 103, 104]);
  });

  it('mapPartitions is called for empty partitions too', async () => {
    const sizes = ctx.sc
      .parallelize([0, 2, 4], 5)
      .mapPartitions((partition) => [[...partition].length]);
    expect(await sizes.collect()).toEqual([0, 1, 0, 1, 1]);
  });

  it('semantics "mapPartitionsWithIndex": the sum of the indices over 4 partitions is 6', async () => {
    const indices = ctx.sc.parallelize([1, 2, 3, 4], 4).mapPartitionsWithIndex(function* (index) {
      yield index;
    });
    expect(await indices.sum()).toBe(6);
  });

  it('mapPartitionsWithIndex passes 0..n-1 in partition order, empty partitions included', async () => {
    const tagged = ctx.sc
      .parallelize(['a', 'b', 'c'], 4)
      .mapPartitionsWithIndex((index, partition) =>
        [...partition].map((x) => `${index}:${x}`).concat(`end${index}`),
      );
    expect(await tagged.collect()).toEqual(['end0', '1:a', 'end1', '2:b', 'end2', '3:c', 'end3']);
  });

  it('semantics "glom": one array per partition, in order (Spark doctest [[1,2],[3,4]])', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3, 4], 2).glom().collect()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await ctx.sc.parallelize([1], 3).glom().collect()).toEqual([[], [], [1]]);
  });
});

describe('keyBy and the narrow pair transformations', () => {
  it('keyBy pairs every element with its key', async () => {
    expect(
      await ctx.sc
        .parallelize([0, 1, 2], 2)
        .keyBy((x) => x * x)
        .collect(),
    ).toEqual([
      [0, 0],
      [1, 1],
      [4, 2],
    ]);
    expect(
      await ctx.sc
        .parallelize(['ab', 'c'], 2)
        .keyBy((s) => [s.length, s[0]])
        .collect(),
    ).toEqual([
      [[2, 'a'], 'ab'],
      [[1, 'c'], 'c'],
    ]);
  });

  it('mapValues applies the function to values only (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[string, string[]]>([
      ['a', ['apple', 'banana', 'lemon']],
      ['b', ['grapes']],
    ]);
    expect(await ds.mapValues((fruits) => fruits.length).collect()).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
  });

  it('flatMapValues flattens the values and repeats the key (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[string, string[]]>([
      ['a', ['x', 'y', 'z']],
      ['b', ['p', 'r']],
    ]);
    expect(await ds.flatMapValues((values) => values).collect()).toEqual([
      ['a', 'x'],
      ['a', 'y'],
      ['a', 'z'],
      ['b', 'p'],
      ['b', 'r'],
    ]);
    expect(await ds.flatMapValues(() => []).collect()).toEqual([]);
  });

  it('keys() and values() (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[number, number]>([
      [1, 2],
      [3, 4],
    ]);
    expect(await ds.keys().collect()).toEqual([1, 3]);
    expect(await ds.values().collect()).toEqual([2, 4]);
  });

  it('keys() and values() keep null and structured keys', async () => {
    const ds = ctx.sc.parallelize<[unknown, unknown]>(
      [
        [null, 1],
        [[1, 'a'], null],
        [{ k: 1 }, [2]],
      ],
      2,
    );
    expect(await ds.keys().collect()).toEqual([null, [1, 'a'], { k: 1 }]);
    expect(await ds.values().collect()).toEqual([1, null, [2]]);
  });
});

describe('union, coalesce, repartition', () => {
  it('semantics "union": ds.union(ds) on [1,1,2,3] collects as [1,1,2,3,1,1,2,3]', async () => {
    const ds = ctx.sc.parallelize([1, 1, 2, 3]);
    expect(await ds.union(ds).collect()).toEqual([1, 1, 2, 3, 1, 1, 2, 3]);
  });

  it('semantics "union": the partitions of this, then those of other', async () => {
    const a = ctx.sc.parallelize<string | number>([1, 2, 3], 2);
    const b = ctx.sc.parallelize<string | number>(['x', 'y'], 3);
    const both = a.union(b);
    expect(both.getNumPartitions()).toBe(5);
    expect(await both.glom().collect()).toEqual([[1], [2, 3], [], ['x'], ['y']]);
    expect(await b.union(a).collect()).toEqual(['x', 'y', 1, 2, 3]);
  });

  it('union with an empty dataset changes nothing but the partition count', async () => {
    const ds = ctx.sc.parallelize([1, 2], 2);
    expect(await ds.union(ctx.sc.parallelize([] as number[], 2)).collect()).toEqual([1, 2]);
    expect(await ctx.sc.emptyDataset<number>().union(ds).collect()).toEqual([1, 2]);
  });

  it('semantics "coalesce": [[1],[2,3],[4,5]].coalesce(1) gives [[1,2,3,4,5]]', async () => {
    const ds = ctx.sc.parallelize([1, 2, 3, 4, 5], 3);
    expect(await ds.glom().collect()).toEqual([[1], [2, 3], [4, 5]]);
    expect(await ds.coalesce(1).glom().collect()).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('semantics "coalesce": merges adjacent partitions and keeps their order', async () => {
    const data = numbers(1, 21);
    const merged = ctx.sc.parallelize(data, 7).coalesce(3);
    expect(merged.getNumPartitions()).toBe(3);
    const parts = await merged.glom().collect();
    expect(parts).toHaveLength(3);
    expect(parts.flat()).toEqual(data);
    for (const part of parts) expect(part.length).toBeGreaterThan(0);
  });

  it('coalesce to more partitions than there are keeps the count, as Spark without a shuffle does', async () => {
    const ds = ctx.sc.parallelize([1, 2, 3], 3).coalesce(10);
    expect(ds.getNumPartitions()).toBe(3);
    expect(await ds.collect()).toEqual([1, 2, 3]);
  });

  it('coalesce runs without a shuffle and over empty partitions', async () => {
    const mark = ctx.events.length;
    expect(await ctx.sc.parallelize([0, 2, 4], 5).coalesce(2).collect()).toEqual([0, 2, 4]);
    expect(stageKindsSince(ctx.events, mark)).toEqual(['ResultStage']);
  });

  it('semantics "repartition": exactly n partitions, even 7 elements into 10', async () => {
    const ds = ctx.sc.parallelize([1, 2, 3, 4, 5, 6, 7], 4);
    expect(sorted(await ds.glom().collect())).toEqual([[1], [2, 3], [4, 5], [6, 7]]);
    const two = ds.repartition(2);
    expect(two.getNumPartitions()).toBe(2);
    expect(await two.glom().collect()).toHaveLength(2);
    const ten = ds.repartition(10);
    expect(ten.getNumPartitions()).toBe(10);
    const parts = await ten.glom().collect();
    expect(parts).toHaveLength(10);
    expect(sorted(parts.flat())).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('partition(n) is an alias of repartition(n) and spreads the elements', async () => {
    const data = numbers(0, 1000);
    const ds = ctx.sc.parallelize(data, 3).partition(8);
    expect(ds.getNumPartitions()).toBe(8);
    const parts = await ds.glom().collect();
    expect(sorted(parts.flat())).toEqual(data);
    // A round-robin shuffle leaves no partition empty when there is enough data.
    for (const part of parts) expect(part.length).toBeGreaterThan(0);
    expect(await ctx.sc.parallelize(data).partition(8).count()).toBe(1000);
  });

  it('repartition of an empty dataset gives n empty partitions', async () => {
    expect(
      await ctx.sc
        .parallelize([] as number[], 2)
        .repartition(3)
        .glom()
        .collect(),
    ).toEqual([[], [], []]);
  });
});

describe('zip, zipWithIndex, zipWithUniqueId', () => {
  it('semantics "Zips": two parallelize calls of equal length zip cleanly (Spark doctest)', async () => {
    const x = ctx.sc.parallelize(numbers(0, 5));
    const y = ctx.sc.parallelize(numbers(1000, 1005));
    expect(await x.zip(y).collect()).toEqual([
      [0, 1000],
      [1, 1001],
      [2, 1002],
      [3, 1003],
      [4, 1004],
    ]);
  });

  it('zip pairs by position after narrow transformations, with empty partitions', async () => {
    const x = ctx.sc.parallelize([0, 2, 4], 5);
    expect(await x.zip(x.map((v) => `v${v}`)).collect()).toEqual([
      [0, 'v0'],
      [2, 'v2'],
      [4, 'v4'],
    ]);
    expect(
      await ctx.sc
        .range(0, 3, 1, 2)
        .zip(ctx.sc.parallelize(['a', 'b', 'c'], 2))
        .collect(),
    ).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
  });

  it('semantics "Zips": zipWithIndex numbers by partition order (Spark doctest)', async () => {
    expect(await ctx.sc.parallelize(['a', 'b', 'c', 'd'], 3).zipWithIndex().collect()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
    ]);
  });

  it('zipWithIndex has no gaps over empty partitions and many partitions', async () => {
    expect(await ctx.sc.parallelize(['a', 'b', 'c'], 7).zipWithIndex().collect()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
    const indexed = await ctx.sc
      .range(0, 500, 1, 6)
      .filter((x) => x % 3 !== 0)
      .zipWithIndex()
      .collect();
    expect(indexed.map(([, index]) => index)).toEqual(numbers(0, indexed.length));
    expect(
      await ctx.sc
        .parallelize([] as string[], 3)
        .zipWithIndex()
        .collect(),
    ).toEqual([]);
  });

  it('semantics "Zips": zipWithUniqueId on a..e in 3 gives a0 b1 c4 d2 e5', async () => {
    expect(
      await ctx.sc.parallelize(['a', 'b', 'c', 'd', 'e'], 3).zipWithUniqueId().collect(),
    ).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 4],
      ['d', 2],
      ['e', 5],
    ]);
  });

  it('zipWithUniqueId gives element i of partition k out of n the id i*n+k', async () => {
    // [[],[0],[],[2],[4]] in 5 partitions: each is element 0 of its partition.
    expect(await ctx.sc.parallelize([0, 2, 4], 5).zipWithUniqueId().collect()).toEqual([
      [0, 1],
      [2, 3],
      [4, 4],
    ]);
    const ids = await ctx.sc.parallelize(numbers(0, 50), 4).zipWithUniqueId().values().collect();
    expect(new Set(ids).size).toBe(50);
  });
});

describe('sample', () => {
  const data = numbers(0, 10_000);

  it('is reproducible with a seed and returns a subsequence of the input', async () => {
    const ds = ctx.sc.parallelize(data, 4);
    const first = await ds.sample(false, 0.1, 81).collect();
    const second = await ds.sample(false, 0.1, 81).collect();
    expect(second).toEqual(first);
    // Without replacement: no repeats, input order kept, about fraction * count elements.
    for (let i = 1; i < first.length; i++) expect(first[i]!).toBeGreaterThan(first[i - 1]!);
    expect(first.length).toBeGreaterThan(850);
    expect(first.length).toBeLessThan(1150);
    const other = await ds.sample(false, 0.1, 82).collect();
    expect(other).not.toEqual(first);
  });

  it('without a seed still gives the same sample each time the same dataset is computed', async () => {
    // Spark fixes the seed when the sampled RDD is created, so recomputation is consistent.
    const sampled = ctx.sc.parallelize(data, 4).sample(false, 0.2);
    expect(await sampled.collect()).toEqual(await sampled.collect());
  });

  it('samples each partition independently', async () => {
    // Spark seeds each partition's sampler with the seed and the partition index.
    const parts = await ctx.sc
      .parallelize(numbers(0, 400), 4)
      .sample(false, 0.5, 7)
      .glom()
      .collect();
    const offsets = parts.map((part, index) => part.map((x) => x - index * 100));
    expect(new Set(offsets.map((o) => JSON.stringify(o))).size).toBeGreaterThan(1);
  });

  it('takes nothing with fraction 0 and everything with fraction 1 without replacement', async () => {
    const ds = ctx.sc.parallelize(numbers(0, 100), 3);
    expect(await ds.sample(false, 0, 1).collect()).toEqual([]);
    expect(await ds.sample(false, 1, 1).collect()).toEqual(numbers(0, 100));
    expect(
      await ctx.sc
        .parallelize([] as number[], 2)
        .sample(true, 2, 1)
        .collect(),
    ).toEqual([]);
  });

  it('with replacement may repeat elements, about fraction * count of them', async () => {
    const sampled = await ctx.sc.parallelize(numbers(0, 2000), 4).sample(true, 3, 11).collect();
    expect(sampled.length).toBeGreaterThan(5600);
    expect(sampled.length).toBeLessThan(6400);
    expect(new Set(sampled).size).toBeLessThan(sampled.length);
    for (const x of sampled) expect(x >= 0 && x < 2000 && Number.isInteger(x)).toBe(true);
    expect(await ctx.sc.parallelize(numbers(0, 2000), 4).sample(true, 3, 11).collect()).toEqual(
      sampled,
    );
  });
});

describe('cartesian', () => {
  it('pairs every element with every element (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize([1, 2]);
    expect(sorted(await ds.cartesian(ds).collect())).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ]);
  });

  it('has one partition per pair of partitions, and nothing when a side is empty', async () => {
    const a = ctx.sc.parallelize([1, 2, 3], 3);
    const b = ctx.sc.parallelize(['x', 'y'], 2);
    const product = a.cartesian(b);
    // Spark's CartesianRDD: numPartitions is the product of both sides'.
    expect(product.getNumPartitions()).toBe(6);
    expect(await product.count()).toBe(6);
    expect(sorted(await product.collect())).toEqual([
      [1, 'x'],
      [1, 'y'],
      [2, 'x'],
      [2, 'y'],
      [3, 'x'],
      [3, 'y'],
    ]);
    expect(await a.cartesian(ctx.sc.parallelize([] as string[], 2)).collect()).toEqual([]);
  });
});
