/**
 * Bad arguments fail fast with a FlintError that names the argument and says what was expected:
 * FLINT_ARGUMENT at the call, or FLINT_TASK_FAILED (with a message naming the problem) for shape
 * errors only visible at run time, such as a non-pair element given to a pair method. Never a hang.
 */
import { fileURLToPath } from 'node:url';
import { createContext, type Dataset } from '@flint/rdd';
import { describe, expect, it } from 'vitest';
import { expectFlintError, failure, useContext } from './support.js';

const ctx = useContext();

const add = (a: number, b: number) => a + b;
const notAFunction = 42 as never;
/** What an argument error must say was expected of a partition count. */
const expectedCount = /integer|at least|positive|>=|greater/i;

/** Names a test; each case runs as a call whose failure is checked. */
type Case = readonly [name: string, run: () => unknown];

describe('partition counts', () => {
  const pairs = () =>
    ctx.sc.parallelize<[string, number]>(
      [
        ['a', 1],
        ['b', 2],
      ],
      2,
    );
  const ds = () => ctx.sc.parallelize([1, 2, 3], 2);
  const cases: Case[] = [
    ['parallelize(array, -1)', () => ctx.sc.parallelize([1], -1)],
    ['parallelize(array, 0)', () => ctx.sc.parallelize([1], 0)],
    ['parallelize(array, 1.5)', () => ctx.sc.parallelize([1], 1.5)],
    ['parallelize(array, "2")', () => ctx.sc.parallelize([1], '2' as never)],
    ['range(0, 10, 1, -2)', () => ctx.sc.range(0, 10, 1, -2)],
    ['textFile(path, -1)', () => ctx.sc.textFile(fileURLToPath(import.meta.url), -1)],
    ['repartition(-1)', () => ds().repartition(-1)],
    ['partition(0)', () => ds().partition(0)],
    ['coalesce(-1)', () => ds().coalesce(-1)],
    ['coalesce(0)', () => ds().coalesce(0)],
    ['distinct(-1)', () => ds().distinct(-1)],
    ['groupBy(fn, -1)', () => ds().groupBy((x) => x, -1)],
    ['sortBy(fn, true, -1)', () => ds().sortBy((x) => x, true, -1)],
    ['reduceByKey(fn, -1)', () => pairs().reduceByKey(add, -1)],
    [
      'reduceByKey(fn, { numPartitions: -1 })',
      () => pairs().reduceByKey(add, { numPartitions: -1 }),
    ],
    ['groupByKey(0)', () => pairs().groupByKey(0)],
    ['aggregateByKey(zero, seqOp, combOp, -1)', () => pairs().aggregateByKey(0, add, add, -1)],
    ['foldByKey(zero, fn, -3)', () => pairs().foldByKey(0, add, -3)],
    ['combineByKey(c, m, m, -1)', () => pairs().combineByKey((v) => v, add, add, -1)],
    ['partitionBy(-1)', () => pairs().partitionBy(-1)],
    ['partitionBy(0)', () => pairs().partitionBy(0)],
    ['sortByKey(true, -1)', () => pairs().sortByKey(true, -1)],
  ];
  for (const [name, run] of cases) {
    it(`${name} fails with FLINT_ARGUMENT naming numPartitions`, { timeout: 15_000 }, async () => {
      expectFlintError(
        await failure(run),
        'FLINT_ARGUMENT',
        /numPartitions|minPartitions|partitions/i,
        expectedCount,
      );
    });
  }
});

describe('a non-function where a function is expected', () => {
  const ds = () => ctx.sc.parallelize([1, 2, 3], 2);
  const pairs = () =>
    ctx.sc.parallelize<[string, number]>(
      [
        ['a', 1],
        ['b', 2],
      ],
      2,
    );
  const cases: [method: string, run: () => unknown][] = [
    ['map', () => ds().map(notAFunction)],
    ['filter', () => ds().filter('x' as never)],
    ['flatMap', () => ds().flatMap(null as never)],
    ['mapPartitions', () => ds().mapPartitions({} as never)],
    ['mapPartitionsWithIndex', () => ds().mapPartitionsWithIndex(notAFunction)],
    ['keyBy', () => ds().keyBy(undefined as never)],
    ['groupBy', () => ds().groupBy(notAFunction)],
    ['sortBy', () => ds().sortBy(notAFunction)],
    ['mapValues', () => pairs().mapValues(notAFunction)],
    ['flatMapValues', () => pairs().flatMapValues(notAFunction)],
    ['reduceByKey', () => pairs().reduceByKey('add' as never)],
    ['aggregateByKey', () => pairs().aggregateByKey(0, add, notAFunction)],
    ['foldByKey', () => pairs().foldByKey(0, null as never)],
    ['combineByKey', () => pairs().combineByKey((v) => v, notAFunction, add)],
    ['sortByKey', () => pairs().sortByKey(true, 2, notAFunction)],
    ['reduce', () => ds().reduce(notAFunction)],
    ['fold', () => ds().fold(0, notAFunction)],
    ['aggregate', () => ds().aggregate(0, add, notAFunction)],
    ['treeAggregate', () => ds().treeAggregate(0, notAFunction, add)],
    ['treeReduce', () => ds().treeReduce(notAFunction)],
    ['takeOrdered', () => ds().takeOrdered(2, notAFunction)],
    ['top', () => ds().top(2, notAFunction)],
    ['min', () => ds().min(notAFunction)],
    ['max', () => ds().max(notAFunction)],
    ['foreach', () => ds().foreach(notAFunction)],
    ['foreachPartition', () => ds().foreachPartition(notAFunction)],
  ];
  for (const [method, run] of cases) {
    it(`${method}() fails with FLINT_ARGUMENT naming the method and asking for a function`, {
      timeout: 15_000,
    }, async () => {
      expectFlintError(
        await failure(run),
        'FLINT_ARGUMENT',
        new RegExp(`\\b${method}\\b`),
        /function/i,
      );
    });
  }
});

describe('a non-pair element given to a pair method, at run time', () => {
  /** A dataset the types call pairs, holding `bad` among real pairs. */
  const withElement = (bad: unknown) =>
    ctx.sc.parallelize<unknown>([['ok', 1], bad, ['ok', 2]], 2) as unknown as Dataset<
      [string, number]
    >;
  const badElements: [string, unknown][] = [
    ['a number', 5],
    ['a two-character string', 'ab'],
    ['null', null],
    ['a three-element array', ['k', 1, 2]],
    ['a plain object', { key: 'k', value: 1 }],
  ];
  const methods: [name: string, run: (ds: Dataset<[string, number]>) => Promise<unknown>][] = [
    ['reduceByKey', (ds) => ds.reduceByKey(add).collect()],
    ['groupByKey', (ds) => ds.groupByKey().collect()],
    ['mapValues', (ds) => ds.mapValues((v) => v).collect()],
    ['keys', (ds) => ds.keys().collect()],
    ['join', (ds) => ds.join(ctx.sc.parallelize<[string, number]>([['ok', 0]], 1)).collect()],
    ['sortByKey', (ds) => ds.sortByKey().collect()],
    ['countByKey', (ds) => ds.countByKey()],
    ['partitionBy', (ds) => ds.partitionBy(2).collect()],
  ];
  for (const [what, bad] of badElements) {
    it(`reduceByKey over ${what} fails with a message asking for [key, value] pairs`, {
      timeout: 20_000,
    }, async () => {
      const error = await failure(() => withElement(bad).reduceByKey(add).collect());
      expectFlintError(error, ['FLINT_TASK_FAILED', 'FLINT_ARGUMENT'], /pair|\[key, ?value\]/i);
    });
  }
  for (const [name, run] of methods) {
    it(`${name} over a number fails with a message asking for [key, value] pairs`, {
      timeout: 20_000,
    }, async () => {
      const error = await failure(() => run(withElement(7)));
      expectFlintError(error, ['FLINT_TASK_FAILED', 'FLINT_ARGUMENT'], /pair|\[key, ?value\]/i);
    });
  }

  it('a map right before reduceByKey that returns a non-pair fails the same way', {
    timeout: 20_000,
  }, async () => {
    // range + map is a fused loop that hands pairs to the shuffle as key and value.
    for (const bad of [[1, 2, 3], 'w', undefined]) {
      const error = await failure(() =>
        ctx.sc
          .range(0, 100)
          .map((x: number) => (x === 57 ? bad : [x % 3, x]) as [number, number], { bad })
          .reduceByKey(add)
          .collect(),
      );
      expectFlintError(error, ['FLINT_TASK_FAILED', 'FLINT_ARGUMENT'], /pair|\[key, ?value\]/i);
    }
    const sums = await ctx.sc
      .range(0, 100)
      .map((x: number): [number, number] => [x % 3, x])
      .reduceByKey(add)
      .collect();
    expect(new Map(sums)).toEqual(
      new Map([
        [0, 1683],
        [1, 1617],
        [2, 1650],
      ]),
    );
  });

  it('the context keeps working after such failures', async () => {
    expect(
      await ctx.sc
        .parallelize<[string, number]>(
          [
            ['a', 1],
            ['a', 2],
          ],
          2,
        )
        .reduceByKey(add)
        .collect(),
    ).toEqual([['a', 3]]);
  });
});

describe('other bad arguments', () => {
  const ds = () => ctx.sc.parallelize([1, 2, 3], 2);

  it('an env that is not an object', async () => {
    expectFlintError(await failure(() => ds().map((x) => x, 5 as never)), 'FLINT_ARGUMENT', /env/);
  });

  it('parallelize of something that is not an array', async () => {
    expectFlintError(
      await failure(() => ctx.sc.parallelize('abc' as never)),
      'FLINT_ARGUMENT',
      /parallelize/,
      /array/i,
    );
  });

  it('range with a step of 0, or a start that is not a number', async () => {
    expectFlintError(await failure(() => ctx.sc.range(0, 10, 0)), 'FLINT_ARGUMENT', /step/);
    expectFlintError(await failure(() => ctx.sc.range('a' as never)), 'FLINT_ARGUMENT', /range/);
  });

  it('textFile of an empty path', async () => {
    expectFlintError(await failure(() => ctx.sc.textFile('')), 'FLINT_ARGUMENT', /textFile/);
  });

  it('union with something that is not a dataset', async () => {
    expectFlintError(await failure(() => ds().union(42 as never)), 'FLINT_ARGUMENT', /union/);
    expectFlintError(
      await failure(() => ctx.sc.union([ds(), 'x' as never])),
      'FLINT_ARGUMENT',
      /union/,
    );
  });

  it('zip of datasets with different partition counts', { timeout: 15_000 }, async () => {
    const error = await failure(() =>
      ctx.sc
        .parallelize([1, 2, 3], 3)
        .zip(ctx.sc.parallelize([1, 2, 3], 2))
        .collect(),
    );
    expectFlintError(error, 'FLINT_ARGUMENT', /zip/, /partitions/i);
  });

  it('zip of partitions with different element counts fails at run time, saying so', {
    timeout: 20_000,
  }, async () => {
    // Spark: "Can only zip RDDs with same number of elements in each partition".
    const error = await failure(() =>
      ctx.sc
        .parallelize([1, 2, 3, 4], 2)
        .zip(ctx.sc.parallelize([1, 2, 3], 2))
        .collect(),
    );
    expectFlintError(
      error,
      ['FLINT_TASK_FAILED', 'FLINT_ARGUMENT'],
      /zip/i,
      /number of elements|same/i,
    );
  });

  it('sample with a negative fraction, or above 1 without replacement (as Spark)', async () => {
    expectFlintError(await failure(() => ds().sample(false, -0.5)), 'FLINT_ARGUMENT', /fraction/);
    expectFlintError(await failure(() => ds().sample(true, -1)), 'FLINT_ARGUMENT', /fraction/);
    expectFlintError(await failure(() => ds().sample(false, 1.5)), 'FLINT_ARGUMENT', /fraction/);
  });

  it('histogram with no buckets, one edge, or unsorted edges', async () => {
    expectFlintError(await failure(() => ds().histogram(0)), 'FLINT_ARGUMENT', /bucket/i);
    expectFlintError(await failure(() => ds().histogram([1])), 'FLINT_ARGUMENT', /bucket/i);
    expectFlintError(
      await failure(() => ds().histogram([3, 1, 2])),
      'FLINT_ARGUMENT',
      /bucket/i,
      /sort/i,
    );
  });

  it('treeAggregate and treeReduce with a depth below 1', async () => {
    expectFlintError(
      await failure(() => ds().treeAggregate(0, add, add, 0)),
      'FLINT_ARGUMENT',
      /depth/,
    );
    expectFlintError(await failure(() => ds().treeReduce(add, -1)), 'FLINT_ARGUMENT', /depth/);
  });

  it('take with a count that is not a number', async () => {
    expectFlintError(await failure(() => ds().take('3' as never)), 'FLINT_ARGUMENT', /take/);
  });

  it('createContext with a negative number of workers starts nothing', async () => {
    expectFlintError(
      await failure(() => createContext({ workers: -1 })),
      'FLINT_ARGUMENT',
      /workers/,
      expectedCount,
    );
  });
});

describe('undefined counts as not given', () => {
  it('for optional numbers and functions', async () => {
    const ds = ctx.sc.parallelize([3, 1, 2], 2);
    expect(await ds.takeOrdered(2, undefined)).toEqual([1, 2]);
    expect(await ds.top(2, undefined)).toEqual([3, 2]);
    expect(await ds.sortBy((x) => x, undefined, undefined).collect()).toEqual([1, 2, 3]);
    expect(await ds.distinct(undefined).count()).toBe(3);
    expect(await ds.treeReduce(add, undefined)).toBe(6);
    expect(await ds.min(undefined)).toBe(1);
    const pairs = ctx.sc.parallelize<[string, number]>(
      [
        ['b', 1],
        ['a', 2],
        ['b', 3],
      ],
      2,
    );
    expect(await pairs.sortByKey(undefined, 2).keys().collect()).toEqual(['a', 'b', 'b']);
    expect((await pairs.reduceByKey(add, undefined).collect()).sort()).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
    expect(await pairs.groupByKey(undefined).count()).toBe(2);
  });
});
