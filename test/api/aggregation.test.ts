/**
 * Whole-dataset aggregation: reduce, fold, aggregate, treeAggregate, treeReduce, and the numeric
 * actions sum, mean, variance, stdev, sampleVariance, sampleStdev, stats, histogram.
 */
import { describe, expect, it } from 'vitest';
import { failure, numbers, sorted, useContext } from './support.js';

const ctx = useContext();

const add = (a: number, b: number) => a + b;

describe('reduce, fold, aggregate', () => {
  it('reduce merges all elements (Spark doctests 15 and 10 after cache)', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3, 4, 5]).reduce(add)).toBe(15);
    const ones = ctx.sc
      .parallelize(Array.from({ length: 10 }, () => 2))
      .map(() => 1)
      .cache();
    expect(await ones.reduce(add)).toBe(10);
  });

  it('semantics "Aggregation": reduce on an empty dataset rejects with FLINT_EMPTY', async () => {
    const error = await failure(() => ctx.sc.parallelize([] as number[]).reduce(add));
    expect(error).toMatchObject({ code: 'FLINT_EMPTY' });
    expect(
      await failure(() =>
        ctx.sc
          .parallelize([1, 2], 2)
          .filter((x) => x > 5)
          .reduce(add),
      ),
    ).toMatchObject({ code: 'FLINT_EMPTY' });
  });

  it('reduce of one element over empty partitions is that element', async () => {
    expect(await ctx.sc.parallelize([42], 6).reduce(add)).toBe(42);
    expect(await ctx.sc.parallelize([0, 2, 4], 5).reduce((a, b) => Math.max(a, b))).toBe(4);
  });

  it('fold with a neutral zero (Spark doctest 15)', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3, 4, 5]).fold(0, add)).toBe(15);
    expect(await ctx.sc.parallelize([] as number[], 3).fold(0, add)).toBe(0);
  });

  it('semantics "Aggregation": fold applies the zero once per partition and once more in the final merge', async () => {
    // [1],[2],[3]: (1+1) + (1+2) + (1+3) + 1 = 10.
    expect(await ctx.sc.parallelize([1, 2, 3], 3).fold(1, add)).toBe(10);
    // [],[1],[],[2]: 1 + 2 + 1 + 3 + 1 = 8: empty partitions contribute their zero too.
    expect(await ctx.sc.parallelize([1, 2], 4).fold(1, add)).toBe(8);
  });

  it('aggregate with a pair zero gives [10, 4] (Spark doctest)', async () => {
    const seqOp = (acc: [number, number], x: number): [number, number] => [acc[0] + x, acc[1] + 1];
    const combOp = (a: [number, number], b: [number, number]): [number, number] => [
      a[0] + b[0],
      a[1] + b[1],
    ];
    expect(
      await ctx.sc.parallelize([1, 2, 3, 4]).aggregate([0, 0] as [number, number], seqOp, combOp),
    ).toEqual([10, 4]);
  });

  it('semantics "Aggregation": aggregate([0,0], …) on an empty dataset returns the zero, [0,0]', async () => {
    const seqOp = (acc: [number, number], x: number): [number, number] => [acc[0] + x, acc[1] + 1];
    const combOp = (a: [number, number], b: [number, number]): [number, number] => [
      a[0] + b[0],
      a[1] + b[1],
    ];
    expect(
      await ctx.sc.parallelize([] as number[]).aggregate([0, 0] as [number, number], seqOp, combOp),
    ).toEqual([0, 0]);
  });

  it('semantics "Aggregation": aggregate applies the zero once per partition and in the final merge', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3], 3).aggregate(1, add, add)).toBe(10);
  });

  it('aggregate gives each partition its own copy of a mutable zero', async () => {
    const zero: number[] = [];
    const result = await ctx.sc.parallelize(numbers(1, 7), 3).aggregate(
      zero,
      (acc, x) => {
        acc.push(x);
        return acc;
      },
      (a, b) => {
        a.push(...b);
        return a;
      },
    );
    expect(sorted(result)).toEqual([1, 2, 3, 4, 5, 6]);
    // Spark clones the zero for the driver-side merge too, so the caller's zero is untouched.
    expect(zero).toEqual([]);
  });
});

describe('treeAggregate and treeReduce', () => {
  const nine = () => ctx.sc.parallelize([-5, -4, -3, -2, -1, 1, 2, 3, 4], 10);

  it('semantics "Aggregation": treeAggregate over 9 elements in 10 partitions gives -5 at depth 1, 2, 5, 10', async () => {
    expect(await nine().treeAggregate(0, add, add)).toBe(-5);
    for (const depth of [1, 2, 5, 10])
      expect(await nine().treeAggregate(0, add, add, depth)).toBe(-5);
  });

  it('semantics "Aggregation": treeReduce over 9 elements in 10 partitions gives -5 at depth 1, 2, 5, 10', async () => {
    expect(await nine().treeReduce(add)).toBe(-5);
    for (const depth of [1, 2, 5, 10]) expect(await nine().treeReduce(add, depth)).toBe(-5);
  });

  it('agrees with aggregate and reduce on many partitions, most of them empty', async () => {
    const ds = ctx.sc.parallelize([3, 1, 4, 1, 5, 9, 2, 6], 40);
    const seqOp = (acc: [number, number], x: number): [number, number] => [acc[0] + x, acc[1] + 1];
    const combOp = (a: [number, number], b: [number, number]): [number, number] => [
      a[0] + b[0],
      a[1] + b[1],
    ];
    const expected = await ds.aggregate([0, 0] as [number, number], seqOp, combOp);
    expect(expected).toEqual([31, 8]);
    for (const depth of [1, 2, 5, 10]) {
      expect(await ds.treeAggregate([0, 0] as [number, number], seqOp, combOp, depth)).toEqual(
        expected,
      );
      expect(await ds.treeReduce((a, b) => Math.max(a, b), depth)).toBe(9);
    }
  });

  it('treeAggregate keeps every element once with a mutable zero', async () => {
    const ds = ctx.sc.range(0, 200, 1, 16);
    for (const depth of [2, 5]) {
      const all = await ds.treeAggregate(
        [] as number[],
        (acc, x) => {
          acc.push(x);
          return acc;
        },
        (a, b) => a.concat(b),
        depth,
      );
      expect(sorted(all)).toEqual(numbers(0, 200));
    }
  });

  it('treeAggregate of an empty dataset is the zero; treeReduce of one rejects with FLINT_EMPTY', async () => {
    const empty = ctx.sc.parallelize([] as number[], 5);
    expect(await empty.treeAggregate(0, add, add, 3)).toBe(0);
    expect(await failure(() => empty.treeReduce(add, 2))).toMatchObject({ code: 'FLINT_EMPTY' });
  });
});

describe('numeric actions', () => {
  it('semantics "Aggregation": sum([1.0,2.0,3.0]) is 6 and mean is 2.0', async () => {
    expect(await ctx.sc.parallelize([1.0, 2.0, 3.0]).sum()).toBe(6);
    expect(await ctx.sc.parallelize([1, 2, 3]).mean()).toBe(2);
  });

  it('semantics "Aggregation": variance and stdev of [1,2,3] are population statistics (0.666…, 0.816…)', async () => {
    const ds = ctx.sc.parallelize([1, 2, 3]);
    expect(await ds.variance()).toBeCloseTo(2 / 3, 12);
    expect(await ds.stdev()).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });

  it('semantics "Aggregation": sampleVariance and sampleStdev of [1,2,3] divide by n-1 and give 1.0', async () => {
    const ds = ctx.sc.parallelize([1, 2, 3]);
    expect(await ds.sampleVariance()).toBeCloseTo(1, 12);
    expect(await ds.sampleStdev()).toBeCloseTo(1, 12);
  });

  it('sum of an empty dataset is 0; one element has variance 0', async () => {
    expect(await ctx.sc.parallelize([] as number[], 3).sum()).toBe(0);
    expect(await ctx.sc.parallelize([7], 3).variance()).toBe(0);
    expect(await ctx.sc.parallelize([7], 3).mean()).toBe(7);
    // Spark's StatCounter: the sample variance of fewer than two values is NaN.
    expect(await ctx.sc.parallelize([7], 3).sampleVariance()).toBeNaN();
  });

  it('merges partial statistics stably over empty partitions', async () => {
    const ds = ctx.sc.parallelize([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16], 7);
    expect(await ds.mean()).toBeCloseTo(1e9 + 10, 6);
    // Spark's StatCounter merges (count, mean, m2): no catastrophic cancellation from sums of squares.
    expect(await ds.variance()).toBeCloseTo(22.5, 6);
    expect(await ds.sampleVariance()).toBeCloseTo(30, 6);
  });

  it('stats() gives { count, mean, stdev, max, min, sum }', async () => {
    const stats = await ctx.sc.parallelize([1, 2, 3, 4], 3).stats();
    expect(stats.count).toBe(4);
    expect(stats.mean).toBe(2.5);
    expect(stats.stdev).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(stats.max).toBe(4);
    expect(stats.min).toBe(1);
    expect(stats.sum).toBe(10);
  });

  it('stats() over empty partitions and of an empty dataset', async () => {
    const stats = await ctx.sc.parallelize([0, 2, 4], 5).stats();
    expect([stats.count, stats.mean, stats.min, stats.max, stats.sum]).toEqual([3, 2, 0, 4, 6]);
    expect(stats.stdev).toBeCloseTo(Math.sqrt(8 / 3), 12);
    const empty = await ctx.sc.parallelize([] as number[], 2).stats();
    expect(empty.count).toBe(0);
    expect(empty.sum).toBe(0);
  });
});

describe('histogram', () => {
  const fifty = () => ctx.sc.range(51);

  it('semantics "histogram": range(51).histogram(2) gives [[0,25,50],[25,26]]', async () => {
    expect(await fifty().histogram(2)).toEqual([
      [0, 25, 50],
      [25, 26],
    ]);
  });

  it('semantics "histogram": range(51) over [0,5,25,50] gives [5,20,26]: 50 counts in the last bucket', async () => {
    expect(await fifty().histogram([0, 5, 25, 50])).toEqual([
      [0, 5, 25, 50],
      [5, 20, 26],
    ]);
  });

  it('semantics "histogram": values outside are ignored: [0,15,30,45,60] gives [15,15,15,6]', async () => {
    expect(await fifty().histogram([0, 15, 30, 45, 60])).toEqual([
      [0, 15, 30, 45, 60],
      [15, 15, 15, 6],
    ]);
  });

  it("semantics \"histogram\": ['a','b','c'] over ['ab','ac','b','bd','ef'] gives [2,2]", async () => {
    const ds = ctx.sc.parallelize(['ab', 'ac', 'b', 'bd', 'ef']);
    expect(await ds.histogram(['a', 'b', 'c'])).toEqual([
      ['a', 'b', 'c'],
      [2, 2],
    ]);
  });

  it('semantics "histogram": n equal buckets from min to max; integer edges when (max-min)/n is whole', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3, 4], 2).histogram(3)).toEqual([
      [1, 2, 3, 4],
      [1, 1, 2],
    ]);
    // (9-0)/4 is not whole: fractional edges, and the last edge is exactly max.
    expect(await ctx.sc.range(10).histogram(4)).toEqual([
      [0, 2.25, 4.5, 6.75, 9],
      [3, 2, 2, 3],
    ]);
  });

  it('the last edge is exactly max even when the steps do not add up to it', async () => {
    const [buckets, counts] = await ctx.sc.parallelize([0, 0.1, 0.2, 0.3, 1], 2).histogram(3);
    expect(buckets).toHaveLength(4);
    expect(buckets[0]).toBe(0);
    expect(buckets[3]).toBe(1);
    expect(buckets[1]).toBeCloseTo(1 / 3, 12);
    expect(buckets[2]).toBeCloseTo(2 / 3, 12);
    expect(counts).toEqual([4, 0, 1]);
  });

  it('counts over empty partitions, and a value equal to every edge lands once', async () => {
    expect(await ctx.sc.parallelize([0, 10, 20], 9).histogram([0, 10, 20])).toEqual([
      [0, 10, 20],
      [1, 2],
    ]);
    expect(await ctx.sc.parallelize([] as number[], 2).histogram([0, 10])).toEqual([[0, 10], [0]]);
  });
});
