/**
 * Two-sided operations: join, leftOuterJoin, rightOuterJoin, fullOuterJoin, cogroup,
 * subtractByKey, subtract, intersection. Keys compare structurally; a side that is already
 * partitioned the right way is not shuffled again.
 */
import { describe, expect, it } from 'vitest';
import { numbers, sorted, stageKindsSince, useContext } from './support.js';

const ctx = useContext();

const pairs = <K, V>(data: [K, V][], numPartitions?: number) =>
  ctx.sc.parallelize<[K, V]>(data, numPartitions);

describe('join', () => {
  it('semantics "Keys": emits one [k, [v, w]] per matching pair (Spark doctest)', async () => {
    const x = pairs([
      ['a', 1],
      ['b', 4],
    ]);
    const y = pairs([
      ['a', 2],
      ['a', 3],
    ]);
    expect(sorted(await x.join(y).collect())).toEqual([
      ['a', [1, 2]],
      ['a', [1, 3]],
    ]);
  });

  it('gives the cross product of duplicate keys on both sides', async () => {
    const x = pairs(
      [
        ['k', 1],
        ['k', 2],
        ['z', 0],
      ],
      3,
    );
    const y = pairs(
      [
        ['k', 'a'],
        ['k', 'b'],
        ['k', 'c'],
      ],
      2,
    );
    const joined = await x.join(y).collect();
    expect(joined).toHaveLength(6);
    expect(sorted(joined)).toEqual([
      ['k', [1, 'a']],
      ['k', [1, 'b']],
      ['k', [1, 'c']],
      ['k', [2, 'a']],
      ['k', [2, 'b']],
      ['k', [2, 'c']],
    ]);
  });

  it('matches null keys and structurally equal keys', async () => {
    const x = pairs<unknown, string>(
      [
        [null, 'left-null'],
        [[1, 'a'], 'left-arr'],
        [{ id: 7 }, 'left-obj'],
        [1, 'left-1'],
      ],
      2,
    );
    const y = pairs<unknown, string>(
      [
        [[1, 'a'], 'right-arr'],
        [null, 'right-null'],
        [{ id: 7 }, 'right-obj'],
        ['1', 'right-"1"'],
      ],
      3,
    );
    expect(sorted(await x.join(y).collect())).toEqual([
      [null, ['left-null', 'right-null']],
      [
        [1, 'a'],
        ['left-arr', 'right-arr'],
      ],
      [{ id: 7 }, ['left-obj', 'right-obj']],
    ]);
  });

  it('of empty sides is empty', async () => {
    const some = pairs([['a', 1]], 2);
    const none = pairs<string, number>([], 3);
    expect(await some.join(none).collect()).toEqual([]);
    expect(await none.join(some).collect()).toEqual([]);
  });
});

describe('outer joins', () => {
  it('semantics "Keys": leftOuterJoin puts null on the missing side: ["b", [4, null]]', async () => {
    const x = pairs([
      ['a', 1],
      ['b', 4],
    ]);
    const y = pairs([['a', 2]]);
    expect(sorted(await x.leftOuterJoin(y).collect())).toEqual([
      ['a', [1, 2]],
      ['b', [4, null]],
    ]);
  });

  it('semantics "Keys": rightOuterJoin puts null on the missing side: ["b", [null, 4]]', async () => {
    const x = pairs([
      ['a', 1],
      ['b', 4],
    ]);
    const y = pairs([['a', 2]]);
    expect(sorted(await y.rightOuterJoin(x).collect())).toEqual([
      ['a', [2, 1]],
      ['b', [null, 4]],
    ]);
  });

  it('semantics "Keys": fullOuterJoin gives ["b", [4, null]] and ["c", [null, 8]]', async () => {
    const x = pairs([
      ['a', 1],
      ['b', 4],
    ]);
    const y = pairs([
      ['a', 2],
      ['c', 8],
    ]);
    expect(sorted(await x.fullOuterJoin(y).collect())).toEqual([
      ['a', [1, 2]],
      ['b', [4, null]],
      ['c', [null, 8]],
    ]);
  });

  it('outer joins with an empty side keep every element of the other', async () => {
    const some = pairs(
      [
        ['a', 1],
        ['a', 2],
      ],
      2,
    );
    const none = pairs<string, number>([], 2);
    expect(sorted(await some.leftOuterJoin(none).collect())).toEqual([
      ['a', [1, null]],
      ['a', [2, null]],
    ]);
    expect(sorted(await none.rightOuterJoin(some).collect())).toEqual([
      ['a', [null, 1]],
      ['a', [null, 2]],
    ]);
    expect(sorted(await none.fullOuterJoin(some).collect())).toEqual([
      ['a', [null, 1]],
      ['a', [null, 2]],
    ]);
    expect(await none.fullOuterJoin(none).collect()).toEqual([]);
  });

  it('outer joins multiply duplicates and keep null keys', async () => {
    const x = pairs<string | null, number>(
      [
        [null, 1],
        ['d', 1],
        ['d', 2],
      ],
      2,
    );
    const y = pairs<string | null, number>(
      [
        ['d', 10],
        ['d', 20],
        ['only-right', 5],
      ],
      3,
    );
    expect(sorted(await x.fullOuterJoin(y).collect())).toEqual([
      [null, [1, null]],
      ['d', [1, 10]],
      ['d', [1, 20]],
      ['d', [2, 10]],
      ['d', [2, 20]],
      ['only-right', [null, 5]],
    ]);
  });
});

describe('cogroup', () => {
  it('semantics "Keys": [k, [V[], W[]]] for every key, [] for an absent side (Spark doctest)', async () => {
    const x = pairs([
      ['a', 1],
      ['b', 4],
    ]);
    const y = pairs([['a', 2]]);
    expect(sorted(await x.cogroup(y).collect())).toEqual([
      ['a', [[1], [2]]],
      ['b', [[4], []]],
    ]);
  });

  it('keyBy then cogroup (Spark doctest)', async () => {
    const x = ctx.sc.parallelize(numbers(0, 3)).keyBy((v) => v * v);
    const y = ctx.sc.parallelize(numbers(0, 5).map((v) => [v, v] as [number, number]));
    expect(sorted(await x.cogroup(y).collect())).toEqual([
      [0, [[0], [0]]],
      [1, [[1], [1]]],
      [2, [[], [2]]],
      [3, [[], [3]]],
      [4, [[2], [4]]],
    ]);
  });

  it('groups duplicates, null and structured keys, and handles empty sides', async () => {
    const x = pairs<unknown, number>(
      [
        [null, 1],
        [[1, 'a'], 2],
        [[1, 'a'], 3],
      ],
      3,
    );
    const y = pairs<unknown, number>([[[1, 'a'], 4]], 1);
    const result = await x.cogroup(y).collect();
    expect(sorted(result.map(([key, [vs, ws]]) => [key, [sorted(vs), sorted(ws)]]))).toEqual([
      [null, [[1], []]],
      [
        [1, 'a'],
        [[2, 3], [4]],
      ],
    ]);
    expect(
      await pairs<string, number>([], 2).cogroup(pairs<string, number>([], 2)).collect(),
    ).toEqual([]);
  });
});

describe('subtractByKey, subtract, intersection', () => {
  it('semantics "Keys": subtractByKey matches on the key only (Spark doctest)', async () => {
    const x = pairs([
      ['a', 1],
      ['b', 4],
      ['b', 5],
      ['a', 2],
    ]);
    const y = pairs<string, number | null>([
      ['a', 3],
      ['c', null],
    ]);
    expect(sorted(await x.subtractByKey(y).collect())).toEqual([
      ['b', 4],
      ['b', 5],
    ]);
  });

  it('subtractByKey with structured and null keys, and with an empty side', async () => {
    const x = pairs<unknown, number>(
      [
        [[1, 'a'], 1],
        [null, 2],
        ['keep', 3],
      ],
      2,
    );
    const y = pairs<unknown, string>(
      [
        [[1, 'a'], 'x'],
        [null, 'y'],
      ],
      2,
    );
    expect(await x.subtractByKey(y).collect()).toEqual([['keep', 3]]);
    expect(sorted(await x.subtractByKey(pairs<unknown, string>([], 1)).collect())).toEqual(
      sorted(await x.collect()),
    );
  });

  it("semantics \"Keys\": subtract removes ['a',3] and keeps the left side's duplicates (Spark doctest)", async () => {
    const x = pairs<string, number | null>([
      ['a', 1],
      ['b', 4],
      ['b', 5],
      ['a', 3],
    ]);
    const y = pairs<string, number | null>([
      ['a', 3],
      ['c', null],
    ]);
    expect(sorted(await x.subtract(y).collect())).toEqual([
      ['a', 1],
      ['b', 4],
      ['b', 5],
    ]);
  });

  it('semantics "Keys": subtract matches whole elements structurally, pairs with null values included', async () => {
    const x = ctx.sc.parallelize<unknown>(
      [['a', null], ['a', null], ['b', null], 1, 1, '1', [1, 'a'], null],
      3,
    );
    const y = ctx.sc.parallelize<unknown>([['a', null], '1', [1, 'a']], 2);
    expect(sorted(await x.subtract(y).collect())).toEqual([null, 1, 1, ['b', null]]);
    expect(
      await ctx.sc
        .parallelize<number>([], 2)
        .subtract(ctx.sc.parallelize([1], 1))
        .collect(),
    ).toEqual([]);
  });

  it('semantics "Keys": intersection drops duplicates (Spark doctest)', async () => {
    const a = ctx.sc.parallelize([1, 10, 2, 3, 4, 5]);
    const b = ctx.sc.parallelize([1, 6, 2, 3, 7, 8]);
    expect(sorted(await a.intersection(b).collect())).toEqual([1, 2, 3]);
  });

  it('intersection compares structurally, keeps null, and is empty against an empty side', async () => {
    const a = ctx.sc.parallelize<unknown>([[1, 'a'], [1, 'a'], null, 'x', 2, { k: [1] }], 3);
    const b = ctx.sc.parallelize<unknown>([null, [1, 'a'], null, '2', { k: [1] }], 2);
    expect(sorted(await a.intersection(b).collect())).toEqual([null, [1, 'a'], { k: [1] }]);
    expect(await a.intersection(ctx.sc.parallelize<unknown>([], 2)).collect()).toEqual([]);
  });
});

describe('co-partitioned joins', () => {
  it('two sides partitioned alike are joined without another shuffle', async () => {
    const left = pairs(
      numbers(0, 30).map((x) => [x % 6, x] as [number, number]),
      3,
    ).partitionBy(4);
    const right = pairs(
      numbers(0, 6).map((x) => [x, `r${x}`] as [number, string]),
      2,
    ).partitionBy(4);
    const mark = ctx.events.length;
    const joined = await left.join(right).collect();
    expect(joined).toHaveLength(30);
    expect(sorted(joined)).toEqual(sorted(numbers(0, 30).map((x) => [x % 6, [x, `r${x % 6}`]])));
    // One map stage per partitionBy, then the result: the join itself adds no shuffle.
    expect(stageKindsSince(ctx.events, mark)).toEqual([
      'ShuffleMapStage',
      'ShuffleMapStage',
      'ResultStage',
    ]);
  });

  it('a join with one partitioned side shuffles only the other side', async () => {
    const left = pairs(
      numbers(0, 20).map((x) => [x % 5, x] as [number, number]),
      3,
    ).partitionBy(3);
    const right = pairs(
      numbers(0, 5).map((x) => [x, -x] as [number, number]),
      2,
    );
    const mark = ctx.events.length;
    expect(await left.join(right).count()).toBe(20);
    expect(
      stageKindsSince(ctx.events, mark).filter((kind) => kind === 'ShuffleMapStage'),
    ).toHaveLength(2);
  });

  it('reduceByKey output joined with the same partitioning needs no third shuffle', async () => {
    const a = pairs(
      numbers(0, 40).map((x) => [x % 4, 1] as [number, number]),
      4,
    ).reduceByKey((x, y) => x + y, 2);
    const b = pairs(
      numbers(0, 8).map((x) => [x % 4, 1] as [number, number]),
      2,
    ).reduceByKey((x, y) => x + y, 2);
    const mark = ctx.events.length;
    expect(sorted(await a.join(b).collect())).toEqual(numbers(0, 4).map((k) => [k, [10, 2]]));
    expect(stageKindsSince(ctx.events, mark)).toEqual([
      'ShuffleMapStage',
      'ShuffleMapStage',
      'ResultStage',
    ]);
  });
});
