/**
 * Actions that return elements or run side effects: collect, count, first, take (and how many
 * partitions it scans), isEmpty, foreach, foreachPartition, toLocalIterator; and caching: cache,
 * persist, unpersist.
 */
import { describe, expect, it } from 'vitest';
import { failure, jobsSince, numbers, resultPartitions, useContext } from './support.js';

const ctx = useContext();

describe('collect and count', () => {
  it('count (Spark doctest 3), over empty partitions and of an empty dataset', async () => {
    expect(await ctx.sc.parallelize([2, 3, 4]).count()).toBe(3);
    expect(await ctx.sc.parallelize([0, 2, 4], 5).count()).toBe(3);
    expect(await ctx.sc.parallelize([], 4).count()).toBe(0);
    expect(await ctx.sc.parallelize(numbers(0, 5), 20).count()).toBe(5);
  });

  it('collect returns every element in partition order', async () => {
    expect(await ctx.sc.parallelize(numbers(0, 5), 20).collect()).toEqual(numbers(0, 5));
    expect(await ctx.sc.parallelize([], 2).collect()).toEqual([]);
    expect(await ctx.sc.parallelize(['x'], 1).collect()).toEqual(['x']);
  });
});

describe('first and take', () => {
  it('first is the first element (Spark doctest 2), over leading empty partitions', async () => {
    expect(await ctx.sc.parallelize([2, 3, 4]).first()).toBe(2);
    expect(await ctx.sc.parallelize([0, 2, 4], 5).first()).toBe(0);
    expect(await ctx.sc.parallelize([null, 1], 2).first()).toBeNull();
  });

  it('semantics "Aggregation": first on an empty dataset rejects with FLINT_EMPTY', async () => {
    expect(await failure(() => ctx.sc.parallelize([]).first())).toMatchObject({
      code: 'FLINT_EMPTY',
    });
    expect(
      await failure(() =>
        ctx.sc
          .parallelize([1, 2], 3)
          .filter(() => false)
          .first(),
      ),
    ).toMatchObject({ code: 'FLINT_EMPTY' });
  });

  it('semantics "Actions": take(2) after cache is [2, 3]; asking for more than exist returns all of them', async () => {
    expect(await ctx.sc.parallelize([2, 3, 4, 5, 6]).cache().take(2)).toEqual([2, 3]);
    expect(await ctx.sc.parallelize([2, 3, 4, 5, 6]).take(10)).toEqual([2, 3, 4, 5, 6]);
  });

  it('semantics "Actions": over 100 partitions, filter(x > 90).take(3) gives [91,92,93]', async () => {
    expect(
      await ctx.sc
        .parallelize(numbers(0, 100), 100)
        .filter((x) => x > 90)
        .take(3),
    ).toEqual([91, 92, 93]);
  });

  it('take(0) and take of an empty dataset are []', async () => {
    expect(await ctx.sc.parallelize([1, 2, 3], 2).take(0)).toEqual([]);
    expect(await ctx.sc.parallelize([], 3).take(5)).toEqual([]);
  });

  it('scans one partition first and stops when it is enough', async () => {
    const ds = ctx.sc.parallelize(numbers(0, 100), 10);
    const mark = ctx.events.length;
    expect(await ds.take(3)).toEqual([0, 1, 2]);
    const jobs = jobsSince(ctx.events, mark);
    expect(jobs).toHaveLength(1);
    expect(resultPartitions(jobs[0]!)).toEqual([0]);
  });

  it('then scans more partitions each round, never one twice', async () => {
    const ds = ctx.sc.parallelize(numbers(0, 100), 10).filter((x) => x >= 50);
    const mark = ctx.events.length;
    expect(await ds.take(3)).toEqual([50, 51, 52]);
    const scans = jobsSince(ctx.events, mark).map(resultPartitions);
    expect(scans[0]).toEqual([0]);
    // Spark's limit.scaleUpFactor is 4: after a round that found nothing, try 4x as many.
    expect(scans).toEqual([[0], [1, 2, 3, 4], [5, 6, 7, 8, 9]]);
    const all = scans.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('take over an earlier shuffle still scans only the partitions it needs', async () => {
    const reduced = ctx.sc
      .parallelize(
        numbers(0, 40).map((x) => [x % 8, 1] as [number, number]),
        4,
      )
      .reduceByKey((a, b) => a + b, 8);
    const mark = ctx.events.length;
    const taken = await reduced.take(1);
    expect(taken).toHaveLength(1);
    expect(taken[0]![1]).toBe(5);
    const jobs = jobsSince(ctx.events, mark);
    expect(resultPartitions(jobs[0]!)).toEqual([0]);
  });
});

describe('isEmpty', () => {
  it('semantics "Actions": isEmpty() is true for parallelize([]), false for [1] (Spark doctest)', async () => {
    expect(await ctx.sc.parallelize([]).isEmpty()).toBe(true);
    expect(await ctx.sc.parallelize([1]).isEmpty()).toBe(false);
  });

  it('looks past empty partitions', async () => {
    expect(await ctx.sc.parallelize([7], 9).isEmpty()).toBe(false);
    expect(
      await ctx.sc
        .parallelize([1, 2, 3], 3)
        .filter((x) => x > 3)
        .isEmpty(),
    ).toBe(true);
  });
});

describe('foreach and foreachPartition', () => {
  it('semantics "Actions": foreach resolves to undefined and runs for every element', async () => {
    const acc = ctx.sc.accumulator(0);
    const result = await ctx.sc.parallelize([1, 2, 3, 4, 5], 3).foreach((x) => {
      acc.add(x);
    });
    expect(result).toBeUndefined();
    expect(acc.value).toBe(15);
  });

  it('semantics "Actions": foreachPartition resolves to undefined and sees each partition once', async () => {
    const partitions = ctx.sc.accumulator(0);
    const elements = ctx.sc.accumulator(0);
    const result = await ctx.sc.parallelize([0, 2, 4], 5).foreachPartition((partition) => {
      partitions.add(1);
      for (const _ of partition) elements.add(1);
    });
    expect(result).toBeUndefined();
    expect(partitions.value).toBe(5);
    expect(elements.value).toBe(3);
  });

  it('foreach on an empty dataset resolves to undefined', async () => {
    expect(await ctx.sc.parallelize([], 2).foreach(() => {})).toBeUndefined();
    expect(await ctx.sc.parallelize([], 2).foreachPartition(() => {})).toBeUndefined();
  });

  it('a throwing foreach function fails the action with the user message', async () => {
    const error = await failure(() =>
      ctx.sc.parallelize([1, 2, 3], 3).foreach((x) => {
        if (x === 2) throw new Error('foreach refused 2');
      }),
    );
    expect(error).toMatchObject({ code: 'FLINT_TASK_FAILED' });
    expect((error as Error).message).toContain('foreach refused 2');
  });
});

describe('toLocalIterator', () => {
  it('yields every element in order (Spark doctest)', async () => {
    const seen: number[] = [];
    for await (const x of ctx.sc.parallelize(numbers(0, 10)).toLocalIterator()) seen.push(x);
    expect(seen).toEqual(numbers(0, 10));
  });

  it('skips empty partitions and yields nothing for an empty dataset', async () => {
    const seen: number[] = [];
    for await (const x of ctx.sc.parallelize([0, 2, 4], 5).toLocalIterator()) seen.push(x);
    expect(seen).toEqual([0, 2, 4]);
    const none: unknown[] = [];
    for await (const x of ctx.sc.parallelize([], 3).toLocalIterator()) none.push(x);
    expect(none).toEqual([]);
  });

  it('fetches one partition at a time: stopping early leaves later partitions uncomputed', async () => {
    const ds = ctx.sc.parallelize(numbers(0, 60), 6);
    const mark = ctx.events.length;
    let first: number | undefined;
    for await (const x of ds.toLocalIterator()) {
      first = x;
      break;
    }
    expect(first).toBe(0);
    const scanned = jobsSince(ctx.events, mark).flatMap(resultPartitions);
    expect(scanned[0]).toBe(0);
    expect(scanned.length).toBeLessThan(6);
  });
});

describe('cache, persist, unpersist', () => {
  it('cache, persist and unpersist return the same dataset', () => {
    const ds = ctx.sc.parallelize([1, 2, 3], 2);
    expect(ds.cache()).toBe(ds);
    expect(ds.persist()).toBe(ds);
    expect(ds.unpersist()).toBe(ds);
  });

  it('semantics "Actions": cache() behaves like the original (take, reduce and map after cache)', async () => {
    const ds = ctx.sc.parallelize([5, 3, 1, 4], 3).cache();
    expect(await ds.take(2)).toEqual([5, 3]);
    expect(await ds.reduce((a, b) => a + b)).toBe(13);
    expect(await ds.map((x) => x * 2).collect()).toEqual([10, 6, 2, 8]);
    expect(await ds.collect()).toEqual([5, 3, 1, 4]);
  });

  it('a cached dataset is computed once: a side-effect counter does not grow on the second action', async () => {
    const computed = ctx.sc.accumulator(0);
    const ds = ctx.sc
      .parallelize(numbers(0, 20), 4)
      .map((x) => {
        computed.add(1);
        return x * 2;
      })
      .cache();
    expect(await ds.count()).toBe(20);
    expect(computed.value).toBe(20);
    expect(await ds.collect()).toEqual(numbers(0, 20).map((x) => x * 2));
    expect(await ds.map((x) => x + 1).sum()).toBe(400);
    expect(computed.value).toBe(20);
  });

  it('without cache, every action recomputes', async () => {
    const computed = ctx.sc.accumulator(0);
    const ds = ctx.sc.parallelize(numbers(0, 10), 2).map((x) => {
      computed.add(1);
      return x;
    });
    await ds.count();
    await ds.count();
    expect(computed.value).toBe(20);
  });

  it('persist() caches like cache()', async () => {
    const computed = ctx.sc.accumulator(0);
    const ds = ctx.sc
      .parallelize(numbers(0, 8), 2)
      .map((x) => {
        computed.add(1);
        return x;
      })
      .persist();
    await ds.count();
    await ds.collect();
    expect(computed.value).toBe(8);
  });

  it('unpersist() makes the next action compute again', async () => {
    const computed = ctx.sc.accumulator(0);
    const ds = ctx.sc
      .parallelize(numbers(0, 10), 3)
      .map((x) => {
        computed.add(1);
        return x;
      })
      .cache();
    await ds.count();
    await ds.count();
    expect(computed.value).toBe(10);
    ds.unpersist();
    expect(await ds.collect()).toEqual(numbers(0, 10));
    expect(computed.value).toBe(20);
  });

  it('a cache only partly filled by take() is completed by a later action, values exact', async () => {
    const computed = ctx.sc.accumulator(0);
    const ds = ctx.sc
      .parallelize(numbers(0, 12), 4)
      .map((x) => {
        computed.add(1);
        return x;
      })
      .cache();
    expect(await ds.take(1)).toEqual([0]);
    expect(computed.value).toBe(3);
    expect(await ds.collect()).toEqual(numbers(0, 12));
    expect(computed.value).toBe(12);
    expect(await ds.count()).toBe(12);
    expect(computed.value).toBe(12);
  });

  it('a cached shuffle output is reused by a later job', async () => {
    const computed = ctx.sc.accumulator(0);
    const grouped = ctx.sc
      .parallelize(numbers(0, 30), 3)
      .map((x) => {
        computed.add(1);
        return [x % 3, x] as [number, number];
      })
      .groupByKey(2)
      .mapValues((values) => values.length)
      .cache();
    expect((await grouped.collect()).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 10],
      [1, 10],
      [2, 10],
    ]);
    expect(await grouped.count()).toBe(3);
    expect(computed.value).toBe(30);
  });
});
