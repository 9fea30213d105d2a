/**
 * Keyed shuffles: reduceByKey, groupByKey, groupBy, aggregateByKey, foldByKey, combineByKey,
 * distinct, partitionBy, and the keyed actions countByKey, countByValue, collectAsMap, lookup.
 * Keys compare by value (structurally); a known partitioner avoids a second shuffle.
 */
import { describe, expect, it } from 'vitest';
import {
  entriesOf,
  jobsSince,
  numbers,
  resultPartitions,
  sorted,
  stageKindsSince,
  useContext,
} from './support.js';

const ctx = useContext();

const add = (a: number, b: number) => a + b;

describe('reduceByKey', () => {
  it('merges the values of each key (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[string, number]>([
      ['a', 1],
      ['b', 1],
      ['a', 1],
    ]);
    expect(sorted(await ds.reduceByKey(add).collect())).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('gives exactly numPartitions partitions and one element per key', async () => {
    const ds = ctx.sc.range(0, 100, 1, 3).map((x) => [x % 7, x] as [number, number]);
    const sums = ds.reduceByKey(add, 5);
    expect(sums.getNumPartitions()).toBe(5);
    const expected = numbers(0, 7).map((k) => [
      k,
      numbers(0, 100)
        .filter((x) => x % 7 === k)
        .reduce(add, 0),
    ]);
    expect(sorted(await sums.collect())).toEqual(expected);
    // More output partitions than keys: the extra partitions are empty.
    const sparse = await ds.reduceByKey(add, 20).glom().collect();
    expect(sparse).toHaveLength(20);
    expect(sparse.flat()).toHaveLength(7);
  });

  it('treats structurally equal keys as one key: [1,"a"] and [1,"a"]', async () => {
    const ds = ctx.sc.parallelize<[unknown, number]>(
      [
        [[1, 'a'], 1],
        [[1, 'a'], 2],
        [[1, 'b'], 4],
        [{ x: 1, y: [2] }, 8],
        [{ x: 1, y: [2] }, 16],
        [[1, 'a'], 32],
      ],
      3,
    );
    expect(sorted(await ds.reduceByKey(add, 2).collect())).toEqual([
      [[1, 'a'], 35],
      [[1, 'b'], 4],
      [{ x: 1, y: [2] }, 24],
    ]);
  });

  it('treats plain objects with the same entries in another order as one key', async () => {
    const ds = ctx.sc.parallelize<[object, number]>(
      [
        [{ a: 1, b: 2 }, 1],
        [{ b: 2, a: 1 }, 2],
      ],
      2,
    );
    expect(await ds.reduceByKey(add).values().collect()).toEqual([3]);
  });

  it('keeps null, duplicate, and distinct-typed keys apart: 1, "1", true, null', async () => {
    const ds = ctx.sc.parallelize<[unknown, number]>(
      [
        [1, 1],
        ['1', 2],
        [true, 4],
        [null, 8],
        [null, 16],
        [1, 32],
      ],
      4,
    );
    expect(sorted(await ds.reduceByKey(add, 3).collect())).toEqual([
      [null, 24],
      [true, 4],
      [1, 33],
      ['1', 2],
    ]);
  });

  it('on an empty dataset, a single element, and more partitions than elements', async () => {
    expect(await ctx.sc.parallelize<[string, number]>([], 3).reduceByKey(add).collect()).toEqual(
      [],
    );
    expect(
      await ctx.sc
        .parallelize<[string, number]>([['k', 5]], 1)
        .reduceByKey(add)
        .collect(),
    ).toEqual([['k', 5]]);
    expect(
      await ctx.sc
        .parallelize<[string, number]>(
          [
            ['k', 5],
            ['k', 6],
          ],
          8,
        )
        .reduceByKey(add, 6)
        .collect(),
    ).toEqual([['k', 11]]);
  });
});

describe('groupByKey and groupBy', () => {
  const ds = () =>
    ctx.sc.parallelize<[string, number]>([
      ['a', 1],
      ['b', 1],
      ['a', 1],
    ]);

  it('semantics "Aggregation": values are arrays, so mapValues(vs => vs.length) works (Spark doctest)', async () => {
    expect(
      sorted(
        await ds()
          .groupByKey()
          .mapValues((values) => values.length)
          .collect(),
      ),
    ).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(sorted(await ds().groupByKey().collect())).toEqual([
      ['a', [1, 1]],
      ['b', [1]],
    ]);
  });

  it('groups structured and null keys by value, over many partitions', async () => {
    const grouped = await ctx.sc
      .parallelize<[unknown, string]>(
        [
          [null, 'n1'],
          [[1, 'a'], 'x'],
          [[1, 'a'], 'y'],
          [null, 'n2'],
          [[2], 'z'],
        ],
        5,
      )
      .groupByKey(3)
      .collect();
    expect(sorted(grouped.map(([key, values]) => [key, sorted(values)]))).toEqual([
      [null, ['n1', 'n2']],
      [
        [1, 'a'],
        ['x', 'y'],
      ],
      [[2], ['z']],
    ]);
  });

  it('gives numPartitions partitions, and nothing for an empty dataset', async () => {
    expect(ds().groupByKey(4).getNumPartitions()).toBe(4);
    expect(await ctx.sc.parallelize<[string, number]>([], 2).groupByKey(3).collect()).toEqual([]);
  });

  it('groupBy groups elements by the function (Spark doctest)', async () => {
    const result = await ctx.sc
      .parallelize([1, 1, 2, 3, 5, 8])
      .groupBy((x) => x % 2)
      .collect();
    expect(sorted(result.map(([key, values]) => [key, sorted(values)]))).toEqual([
      [0, [2, 8]],
      [1, [1, 1, 3, 5]],
    ]);
  });

  it('groupBy takes numPartitions, and structured keys', async () => {
    const grouped = ctx.sc
      .parallelize(['apple', 'avocado', 'banana', 'blueberry', 'cherry'], 2)
      .groupBy((s) => [s[0], s.length > 6], 3);
    expect(grouped.getNumPartitions()).toBe(3);
    expect(sorted((await grouped.collect()).map(([key, values]) => [key, sorted(values)]))).toEqual(
      [
        [['a', false], ['apple']],
        [['a', true], ['avocado']],
        [['b', false], ['banana']],
        [['b', true], ['blueberry']],
        [['c', false], ['cherry']],
      ],
    );
  });
});

describe('aggregateByKey, foldByKey, combineByKey', () => {
  it('aggregateByKey with a pair zero (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[string, number]>([
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ]);
    const result = ds.aggregateByKey(
      [0, 0] as [number, number],
      (acc, value) => [acc[0] + value, acc[1] + 1] as [number, number],
      (x, y) => [x[0] + y[0], x[1] + y[1]] as [number, number],
    );
    expect(sorted(await result.collect())).toEqual([
      ['a', [3, 2]],
      ['b', [1, 1]],
    ]);
  });

  it('semantics "Aggregation": each key starts from its own copy of a mutable zero', async () => {
    const ds = ctx.sc.parallelize<[string, number]>(
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
        ['b', 4],
      ],
      1,
    );
    const lists = ds.aggregateByKey(
      [] as number[],
      (acc, value) => {
        acc.push(value);
        return acc;
      },
      (x, y) => x.concat(y),
    );
    expect(sorted(await lists.collect())).toEqual([
      ['a', [1, 3]],
      ['b', [2, 4]],
    ]);
  });

  it('semantics "Aggregation": seqOp works within a partition and combOp across partitions', async () => {
    // Partitions: [a:3, a:4] and [a:1, a:1]. seqOp sums within each (7, 2), combOp takes the max.
    const ds = ctx.sc.parallelize<[string, number]>(
      [
        ['a', 3],
        ['a', 4],
        ['a', 1],
        ['a', 1],
      ],
      2,
    );
    const result = ds.aggregateByKey(
      0,
      (acc, value) => acc + value,
      (x, y) => Math.max(x, y),
      3,
    );
    expect(result.getNumPartitions()).toBe(3);
    expect(await result.collect()).toEqual([['a', 7]]);
  });

  it('foldByKey with a neutral zero (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[string, number]>([
      ['a', 1],
      ['b', 1],
      ['a', 1],
    ]);
    expect(sorted(await ds.foldByKey(0, add).collect())).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('semantics "Aggregation": foldByKey applies the zero once per key per partition', async () => {
    // Partitions: [a:1] and [a:2, b:5]; the zero 10 starts a in both and b in one.
    const ds = ctx.sc.parallelize<[string, number]>(
      [
        ['a', 1],
        ['a', 2],
        ['b', 5],
      ],
      2,
    );
    expect(sorted(await ds.foldByKey(10, add, 2).collect())).toEqual([
      ['a', 23],
      ['b', 15],
    ]);
  });

  it('semantics "Aggregation": combineByKey doctest gives ["a", [1, 2]] with mutating callbacks', async () => {
    const ds = ctx.sc.parallelize<[string, number]>([
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ]);
    const combined = ds.combineByKey(
      (value) => [value],
      (list, value) => {
        list.push(value);
        return list;
      },
      (a, b) => {
        a.push(...b);
        return a;
      },
    );
    expect(sorted(await combined.collect())).toEqual([
      ['a', [1, 2]],
      ['b', [1]],
    ]);
  });

  it('semantics "Aggregation": combineByKey merges combiners in map-partition order', async () => {
    const values = numbers(0, 40);
    const ds = ctx.sc.parallelize(
      values.map((v) => [v % 2 === 0 ? 'even' : 'odd', v] as [string, number]),
      7,
    );
    const combined = ds.combineByKey(
      (value) => [value],
      (list, value) => {
        list.push(value);
        return list;
      },
      (a, b) => {
        a.push(...b);
        return a;
      },
      3,
    );
    expect(combined.getNumPartitions()).toBe(3);
    expect(sorted(await combined.collect())).toEqual([
      ['even', values.filter((v) => v % 2 === 0)],
      ['odd', values.filter((v) => v % 2 === 1)],
    ]);
  });

  it('combineByKey never shares a combiner between keys', async () => {
    const ds = ctx.sc.parallelize<[number, number]>(
      numbers(0, 12).map((v) => [v % 3, v]),
      2,
    );
    const sets = ds.combineByKey(
      (value) => ({ seen: [value] }),
      (combiner, value) => {
        combiner.seen.push(value);
        return combiner;
      },
      (a, b) => {
        a.seen.push(...b.seen);
        return a;
      },
    );
    expect(
      sorted((await sets.collect()).map(([key, combiner]) => [key, sorted(combiner.seen)])),
    ).toEqual([
      [0, [0, 3, 6, 9]],
      [1, [1, 4, 7, 10]],
      [2, [2, 5, 8, 11]],
    ]);
  });
});

describe('distinct', () => {
  it('semantics "Keys": distinct drops duplicates (Spark doctest)', async () => {
    expect(sorted(await ctx.sc.parallelize([1, 1, 2, 3]).distinct().collect())).toEqual([1, 2, 3]);
  });

  it('compares structurally, keeps null, and tells 1 from "1"', async () => {
    const ds = ctx.sc.parallelize<unknown>(
      [[1, 'a'], [1, 'a'], null, null, 1, '1', { a: [1] }, { a: [1] }, [1, 'a', null]],
      4,
    );
    const result = ds.distinct(3);
    expect(result.getNumPartitions()).toBe(3);
    expect(sorted(await result.collect())).toEqual([
      null,
      1,
      '1',
      [1, 'a'],
      [1, 'a', null],
      { a: [1] },
    ]);
  });

  it('of an empty dataset and of a single element', async () => {
    expect(
      await ctx.sc
        .parallelize([] as number[], 2)
        .distinct()
        .collect(),
    ).toEqual([]);
    expect(await ctx.sc.parallelize([7], 3).distinct(5).collect()).toEqual([7]);
  });
});

describe('partitionBy', () => {
  it('semantics "partitionBy": equal keys never land in two partitions (Spark doctest)', async () => {
    const pairs = ctx.sc.parallelize([1, 2, 3, 4, 2, 4, 1]).map((x) => [x, x] as [number, number]);
    const sets = await pairs.partitionBy(2).glom().collect();
    expect(sets).toHaveLength(2);
    const keys0 = new Set(sets[0]!.map(([key]) => key));
    const keys1 = new Set(sets[1]!.map(([key]) => key));
    expect([...keys0].filter((key) => keys1.has(key))).toEqual([]);
    expect(sorted(sets.flat())).toEqual(sorted(await pairs.collect()));
  });

  it('semantics "partitionBy": exactly n partitions, structured keys kept together', async () => {
    const keys = [[1, 'a'], [2, 'b'], null, 'x', 3, [1, 'a'], null, 'x'];
    const parts = await ctx.sc
      .parallelize(
        keys.map((key, i) => [key, i] as [unknown, number]),
        3,
      )
      .partitionBy(7)
      .glom()
      .collect();
    expect(parts).toHaveLength(7);
    const where = new Map<string, Set<number>>();
    parts.forEach((part, index) => {
      for (const [key] of part)
        where.set(JSON.stringify(key), (where.get(JSON.stringify(key)) ?? new Set()).add(index));
    });
    expect(where.size).toBe(5);
    for (const partitions of where.values()) expect(partitions.size).toBe(1);
  });

  it('keeps the partitioner: a later reduceByKey on the same partitioning does not shuffle again', async () => {
    const partitioned = ctx.sc
      .range(0, 60, 1, 4)
      .map((x) => [x % 5, 1] as [number, number])
      .partitionBy(3);
    const mark = ctx.events.length;
    const counts = await partitioned.reduceByKey(add).collect();
    expect(sorted(counts)).toEqual(numbers(0, 5).map((k) => [k, 12]));
    expect(stageKindsSince(ctx.events, mark)).toEqual(['ShuffleMapStage', 'ResultStage']);

    const again = ctx.sc
      .range(0, 60, 1, 4)
      .map((x) => [x % 5, 1] as [number, number])
      .partitionBy(3);
    const mark2 = ctx.events.length;
    expect(
      sorted(
        await again
          .reduceByKey(add, 3)
          .mapValues((n) => n * 2)
          .collect(),
      ),
    ).toEqual(numbers(0, 5).map((k) => [k, 24]));
    expect(stageKindsSince(ctx.events, mark2)).toEqual(['ShuffleMapStage', 'ResultStage']);
  });

  it('a partitionBy to another count does shuffle again', async () => {
    const partitioned = ctx.sc
      .range(0, 60, 1, 4)
      .map((x) => [x % 5, 1] as [number, number])
      .partitionBy(3);
    const mark = ctx.events.length;
    expect(await partitioned.reduceByKey(add, 4).count()).toBe(5);
    expect(stageKindsSince(ctx.events, mark)).toEqual([
      'ShuffleMapStage',
      'ShuffleMapStage',
      'ResultStage',
    ]);
  });

  it('mapValues keeps the partitioner, so groupByKey after it does not shuffle again', async () => {
    const partitioned = ctx.sc
      .parallelize(
        numbers(0, 20).map((x) => [x % 4, x] as [number, number]),
        3,
      )
      .partitionBy(2)
      .mapValues((v) => v * 10);
    const mark = ctx.events.length;
    const grouped = await partitioned.groupByKey().collect();
    expect(sorted(grouped.map(([key, values]) => [key, sorted(values)]))).toEqual(
      numbers(0, 4).map((k) => [
        k,
        numbers(0, 20)
          .filter((x) => x % 4 === k)
          .map((x) => x * 10),
      ]),
    );
    expect(stageKindsSince(ctx.events, mark)).toEqual(['ShuffleMapStage', 'ResultStage']);
  });

  it('to the partitioning a dataset already has is free, as in Spark', async () => {
    const once = ctx.sc
      .parallelize<[string, number]>(
        [
          ['a', 1],
          ['b', 2],
        ],
        2,
      )
      .partitionBy(4);
    const mark = ctx.events.length;
    expect(sorted(await once.partitionBy(4).collect())).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(stageKindsSince(ctx.events, mark)).toEqual(['ShuffleMapStage', 'ResultStage']);
  });
});

describe('countByKey, countByValue, collectAsMap', () => {
  it('semantics "Aggregation": countByKey returns a Map of the count of each key (Spark doctest)', async () => {
    const ds = ctx.sc.parallelize<[string, number]>([
      ['a', 1],
      ['b', 1],
      ['a', 1],
    ]);
    const counts = await ds.countByKey();
    expect(counts).toBeInstanceOf(Map);
    expect(entriesOf(counts)).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('semantics "Aggregation": countByValue returns a Map keyed by the actual value (Spark doctest)', async () => {
    const counts = await ctx.sc.parallelize([1, 2, 1, 2, 2], 2).countByValue();
    expect(counts).toBeInstanceOf(Map);
    expect(counts.get(1)).toBe(2);
    expect(counts.get(2)).toBe(3);
    expect(counts.size).toBe(2);
    expect([...counts.keys()].every((key) => typeof key === 'number')).toBe(true);
  });

  it('countByKey and countByValue count structurally equal keys as one, and null as a key', async () => {
    const pairs = ctx.sc.parallelize<[unknown, number]>(
      [
        [[1, 'a'], 0],
        [[1, 'a'], 0],
        [null, 0],
        [1, 0],
        ['1', 0],
      ],
      3,
    );
    expect(entriesOf(await pairs.countByKey())).toEqual([
      [null, 1],
      [1, 1],
      ['1', 1],
      [[1, 'a'], 2],
    ]);
    expect(entriesOf(await pairs.countByValue())).toEqual([
      [[null, 0], 1],
      [[1, 0], 1],
      [['1', 0], 1],
      [[[1, 'a'], 0], 2],
    ]);
  });

  it('count maps of an empty dataset are empty Maps', async () => {
    expect((await ctx.sc.parallelize<[string, number]>([], 2).countByKey()).size).toBe(0);
    expect((await ctx.sc.parallelize<number>([], 2).countByValue()).size).toBe(0);
    expect((await ctx.sc.parallelize<[string, number]>([], 2).collectAsMap()).size).toBe(0);
  });

  it('semantics "Aggregation": collectAsMap keeps number keys numbers (Spark doctest)', async () => {
    const map = await ctx.sc
      .parallelize<[number, number]>([
        [1, 2],
        [3, 4],
      ])
      .collectAsMap();
    expect(map).toBeInstanceOf(Map);
    expect(map.get(1)).toBe(2);
    expect(map.get(3)).toBe(4);
    expect(map.size).toBe(2);
  });

  it('collectAsMap keeps the last value of a duplicate key, as Spark does', async () => {
    const map = await ctx.sc
      .parallelize<[string, number]>(
        [
          ['k', 1],
          ['j', 5],
          ['k', 2],
        ],
        3,
      )
      .collectAsMap();
    expect(entriesOf(map)).toEqual([
      ['j', 5],
      ['k', 2],
    ]);
  });
});

describe('lookup', () => {
  const pairs = () =>
    ctx.sc.parallelize(
      numbers(0, 1000).map((x) => [x, x] as [number, number]),
      10,
    );

  it('semantics "Keys": lookup(42) gives [42], before and after sortByKey (Spark doctest)', async () => {
    const ds = pairs();
    expect(await ds.lookup(42)).toEqual([42]);
    const sortedByKey = ds.sortByKey();
    expect(await sortedByKey.lookup(42)).toEqual([42]);
    expect(await sortedByKey.lookup(1024)).toEqual([]);
  });

  it("semantics \"Keys\": lookup(['a','b']) finds a key that is an array (Spark doctest)", async () => {
    const grouped = ctx.sc.parallelize<[string[], string]>([[['a', 'b'], 'c']]).groupByKey();
    const found = await grouped.lookup(['a', 'b']);
    expect(found).toEqual([['c']]);
  });

  it('returns every value of a duplicate key, [] for a missing key, and finds null', async () => {
    const ds = ctx.sc.parallelize<[unknown, string]>(
      [
        ['k', 'v1'],
        [null, 'n'],
        ['k', 'v2'],
        [['x', 1], 'arr'],
      ],
      3,
    );
    expect(sorted(await ds.lookup('k'))).toEqual(['v1', 'v2']);
    expect(await ds.lookup(null)).toEqual(['n']);
    expect(await ds.lookup(['x', 1])).toEqual(['arr']);
    expect(await ds.lookup('missing')).toEqual([]);
    expect(await ctx.sc.parallelize<[string, string]>([], 2).lookup('k')).toEqual([]);
  });

  it('on a partitioned dataset reads only the partition the key belongs to', async () => {
    const partitioned = pairs().partitionBy(6);
    await partitioned.count();
    const mark = ctx.events.length;
    expect(await partitioned.lookup(42)).toEqual([42]);
    const jobs = jobsSince(ctx.events, mark);
    expect(jobs).toHaveLength(1);
    expect(resultPartitions(jobs[0]!)).toHaveLength(1);

    const reduced = pairs().reduceByKey(add, 5);
    const mark2 = ctx.events.length;
    expect(await reduced.lookup(7)).toEqual([7]);
    const jobs2 = jobsSince(ctx.events, mark2);
    expect(jobs2).toHaveLength(1);
    expect(resultPartitions(jobs2[0]!)).toHaveLength(1);
  });

  it('on a dataset without a partitioner reads every partition', async () => {
    const mark = ctx.events.length;
    expect(await pairs().lookup(3)).toEqual([3]);
    const jobs = jobsSince(ctx.events, mark);
    expect(jobs).toHaveLength(1);
    expect(resultPartitions(jobs[0]!)).toEqual(numbers(0, 10));
  });
});
