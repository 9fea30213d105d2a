/** Sources on the context: parallelize, range, emptyDataset, union; plus the sync info of a Dataset. */
import { describe, expect, it } from 'vitest';
import { numbers, useContext } from './support.js';

const ctx = useContext();

describe('parallelize', () => {
  it('semantics "Slicing": [1..7] in 4 gives [[1],[2,3],[4,5],[6,7]]', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3, 4, 5, 6, 7], 4).glom().collect()).toEqual([
      [1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
  });

  it('semantics "Slicing": [1..5] in 3 gives [[1],[2,3],[4,5]]', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3, 4, 5], 3).glom().collect()).toEqual([
      [1],
      [2, 3],
      [4, 5],
    ]);
  });

  it("semantics \"Slicing\": ['a','b','c'] in 2 gives [['a'],['b','c']]", async () => {
    expect(await ctx.sc.parallelize(['a', 'b', 'c'], 2).glom().collect()).toEqual([
      ['a'],
      ['b', 'c'],
    ]);
  });

  it('semantics "Slicing": [0,2,4] in 5 gives [[],[0],[],[2],[4]] (empty partitions are real)', async () => {
    const ds = ctx.sc.parallelize([0, 2, 4], 5);
    expect(ds.getNumPartitions()).toBe(5);
    expect(await ds.glom().collect()).toEqual([[], [0], [], [2], [4]]);
    expect(await ds.count()).toBe(3);
    expect(await ds.collect()).toEqual([0, 2, 4]);
  });

  it('slices an empty array into n empty partitions', async () => {
    const ds = ctx.sc.parallelize([], 3);
    expect(ds.getNumPartitions()).toBe(3);
    expect(await ds.glom().collect()).toEqual([[], [], []]);
    expect(await ds.count()).toBe(0);
  });

  it('keeps one element in one partition, and spreads it over many', async () => {
    expect(await ctx.sc.parallelize(['only'], 1).glom().collect()).toEqual([['only']]);
    expect(await ctx.sc.parallelize(['only'], 4).glom().collect()).toEqual([[], [], [], ['only']]);
  });

  it('collects the whole array with the default partitioning, whatever it is', async () => {
    const data = numbers(0, 100);
    const ds = ctx.sc.parallelize(data);
    expect(ds.getNumPartitions()).toBeGreaterThanOrEqual(1);
    expect(await ds.collect()).toEqual(data);
  });

  it('carries values of every plain type unchanged', async () => {
    const data = [
      0,
      -1.5,
      'text',
      '',
      true,
      false,
      null,
      [1, 'a', [null]],
      { a: 1, b: [2, { c: 'd' }] },
      12345678901234567890n,
    ];
    expect(await ctx.sc.parallelize(data, 3).collect()).toEqual(data);
  });

  it('copies the array when called: a later change to it is not seen', async () => {
    const data = [1, 2, 3];
    const ds = ctx.sc.parallelize(data, 2);
    data.push(4);
    // Spark slices the collection when parallelize is called.
    expect(await ds.collect()).toEqual([1, 2, 3]);
  });
});

describe('range', () => {
  it('semantics "Slicing": range(5, 0, -1) gives [5,4,3,2,1]', async () => {
    expect(await ctx.sc.range(5, 0, -1).collect()).toEqual([5, 4, 3, 2, 1]);
  });

  it('semantics "Slicing": range(0, 5, -1) gives []', async () => {
    expect(await ctx.sc.range(0, 5, -1).collect()).toEqual([]);
  });

  it('semantics "Slicing": range(0, 5, 1, 10).getNumPartitions() is 10', async () => {
    const ds = ctx.sc.range(0, 5, 1, 10);
    expect(ds.getNumPartitions()).toBe(10);
    expect(await ds.collect()).toEqual([0, 1, 2, 3, 4]);
  });

  it('semantics "Slicing": a single argument is end', async () => {
    expect(await ctx.sc.range(5).collect()).toEqual([0, 1, 2, 3, 4]);
  });

  it('semantics "Slicing": range slices exactly like parallelize of the same numbers', async () => {
    for (const n of [1, 3, 4, 7, 12]) {
      const expected = await ctx.sc.parallelize(numbers(0, 7), n).glom().collect();
      expect(await ctx.sc.range(0, 7, 1, n).glom().collect()).toEqual(expected);
    }
    expect(await ctx.sc.range(10, 0, -3, 2).glom().collect()).toEqual([
      [10, 7],
      [4, 1],
    ]);
  });

  it('steps by more than one and stops before end', async () => {
    expect(await ctx.sc.range(0, 10, 3).collect()).toEqual([0, 3, 6, 9]);
    expect(await ctx.sc.range(-3, 3, 2).collect()).toEqual([-3, -1, 1]);
    expect(await ctx.sc.range(3, 3).collect()).toEqual([]);
  });

  it('API "undefined counts as not given": range(0, 5, undefined, 4)', async () => {
    const ds = ctx.sc.range(0, 5, undefined, 4);
    expect(ds.getNumPartitions()).toBe(4);
    expect(await ds.glom().collect()).toEqual([[0], [1], [2], [3, 4]]);
  });

  it('gives start + i * step for every i, over many of the loop slices, in either direction', async () => {
    // Long enough to cross the worker loop's clock strides (2048 numbers) many times; the
    // fractional step takes the loop that multiplies instead of adding.
    for (const [start, end, step, slices] of [
      [1_000_003, -1_000_000, -7, 3],
      [-5, 300_000, 3, 4],
      [0, 4_000, 0.1, 2],
    ] as const) {
      const count = Math.ceil((end - start) / step);
      const model = Array.from({ length: count }, (_, i) => start + i * step);
      const evens = ctx.sc.range(start, end, step, slices).filter((x: number) => x % 2 === 0);
      expect(await evens.count()).toBe(model.filter((x) => x % 2 === 0).length);
      expect(await ctx.sc.range(start, end, step, slices).sum()).toBe(
        model.reduce((a, b) => a + b, 0),
      );
    }
  });

  it('counts a large range without materialising it on the driver', async () => {
    expect(await ctx.sc.range(0, 1_000_000, 1, 4).count()).toBe(1_000_000);
    expect(await ctx.sc.range(0, 1_000_000, 1, 4).sum()).toBe(499_999_500_000);
  });
});

describe('emptyDataset', () => {
  it('has no elements, and every action on it sees none', async () => {
    const ds = ctx.sc.emptyDataset<number>();
    expect(await ds.collect()).toEqual([]);
    expect(await ds.count()).toBe(0);
    expect(await ds.isEmpty()).toBe(true);
    expect(await ds.take(3)).toEqual([]);
    // Spark's EmptyRDD has no partitions at all.
    expect(ds.getNumPartitions()).toBe(0);
    expect(await ds.map((x) => x + 1).collect()).toEqual([]);
  });
});

describe('sc.union', () => {
  it('concatenates the partitions of every dataset, in order', async () => {
    const a = ctx.sc.parallelize([1, 2], 2);
    const b = ctx.sc.parallelize([] as number[], 2);
    const c = ctx.sc.range(10, 13, 1, 1);
    const all = ctx.sc.union([a, b, c]);
    expect(all.getNumPartitions()).toBe(5);
    expect(await all.glom().collect()).toEqual([[1], [2], [], [], [10, 11, 12]]);
  });

  it('of one dataset is that dataset, and mixes in-memory and generated data', async () => {
    expect(await ctx.sc.union([ctx.sc.parallelize(['x'], 1)]).collect()).toEqual(['x']);
    const mixed = ctx.sc.union([
      ctx.sc.parallelize([1], 1),
      ctx.sc.range(2, 4),
      ctx.sc.emptyDataset<number>(),
    ]);
    expect(await mixed.collect()).toEqual([1, 2, 3]);
  });
});

describe('Dataset info', () => {
  it('gives every dataset its own id', () => {
    const ds = ctx.sc.parallelize([1, 2, 3], 2);
    const mapped = ds.map((x) => x * 2);
    expect(typeof ds.id).toBe('number');
    expect(mapped.id).not.toBe(ds.id);
    expect(ctx.sc.parallelize([1], 1).id).not.toBe(ds.id);
  });

  it('keeps the partition count through narrow transformations', () => {
    const ds = ctx.sc.parallelize(numbers(0, 10), 3);
    expect(
      ds
        .map((x) => x)
        .filter((x) => x > 2)
        .flatMap((x) => [x])
        .getNumPartitions(),
    ).toBe(3);
  });

  it('toDebugString shows the lineage, with a stage boundary at a shuffle', () => {
    const counts = ctx.sc
      .parallelize(['a', 'b', 'a'], 2)
      .map((word) => [word, 1] as [string, number])
      .reduceByKey((a, b) => a + b, 3);
    const lines = counts.toDebugString().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\(3\) ShuffledRDD\[\d+\]/);
    expect(lines[1]).toMatch(/^ \+-\(2\) MapPartitionsRDD\[\d+\]/);
    expect(lines[2]).toMatch(/^ {4}\| {2}ParallelCollectionRDD\[\d+\]/);
  });
});
