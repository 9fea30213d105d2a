/**
 * What travels with user functions: broadcast variables, accumulators, automatically captured
 * free variables, and the explicit env object (including `{ numPartitions, env }`).
 */
import { describe, expect, it } from 'vitest';
import { numbers, sorted, useContext } from './support.js';

const ctx = useContext();

describe('broadcast', () => {
  it('semantics "Shared variables": a Map survives the trip and is read via bc.value through env', async () => {
    const bc = ctx.sc.broadcast(
      new Map([
        [1, 10001],
        [2, 10002],
      ]),
    );
    const looked = await ctx.sc
      .parallelize([1, 2, 3], 2)
      .map((k) => bc.value.get(k) ?? null, { bc })
      .collect();
    expect(looked).toEqual([10001, 10002, null]);
    const isMap = await ctx.sc
      .parallelize([0], 1)
      .map(() => bc.value instanceof Map && bc.value.size, { bc })
      .collect();
    expect(isMap).toEqual([2]);
  });

  it('is read through a captured free variable too', async () => {
    const table = ctx.sc.broadcast(new Map([['x', 'ex']]));
    expect(
      await ctx.sc
        .parallelize(['x', 'y'], 2)
        .map((k) => table.value.get(k) ?? '?')
        .collect(),
    ).toEqual(['ex', '?']);
  });

  it('b.value on the driver, and flatMap(x => b.value) (Spark doctest)', async () => {
    const b = ctx.sc.broadcast([1, 2, 3, 4, 5]);
    expect(b.value).toEqual([1, 2, 3, 4, 5]);
    expect(
      await ctx.sc
        .parallelize([0, 0])
        .flatMap(() => b.value)
        .collect(),
    ).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
  });

  it('carries Sets, Dates, nested objects and bigints', async () => {
    const bc = ctx.sc.broadcast({
      allowed: new Set(['a', 'c']),
      since: new Date('2020-01-02T03:04:05.000Z'),
      nested: { deep: [1, { deeper: 'yes' }] },
      big: 2n ** 70n,
    });
    const result = await ctx.sc
      .parallelize(['a', 'b', 'c'], 3)
      .map((x) => [
        bc.value.allowed.has(x),
        bc.value.since instanceof Date ? bc.value.since.toISOString() : 'not a date',
        bc.value.nested.deep[1],
        String(bc.value.big),
      ])
      .collect();
    expect(result).toEqual([
      [true, '2020-01-02T03:04:05.000Z', { deeper: 'yes' }, '1180591620717411303424'],
      [false, '2020-01-02T03:04:05.000Z', { deeper: 'yes' }, '1180591620717411303424'],
      [true, '2020-01-02T03:04:05.000Z', { deeper: 'yes' }, '1180591620717411303424'],
    ]);
  });

  it('is usable in a shuffle and in several jobs', async () => {
    const weights = ctx.sc.broadcast(
      new Map([
        ['a', 10],
        ['b', 100],
      ]),
    );
    const ds = ctx.sc
      .parallelize(['a', 'b', 'a', 'b', 'b'], 3)
      .map((k) => [k, weights.value.get(k) ?? 0] as [string, number])
      .reduceByKey((x, y) => x + y, 2);
    expect(sorted(await ds.collect())).toEqual([
      ['a', 20],
      ['b', 300],
    ]);
    expect(
      await ctx.sc
        .parallelize(['b'], 1)
        .map((k) => weights.value.get(k))
        .collect(),
    ).toEqual([100]);
  });
});

describe('accumulator', () => {
  it('semantics "Shared variables": accumulator(9) then add(1) on the driver gives 10 at once', () => {
    const acc = ctx.sc.accumulator(9);
    acc.add(1);
    expect(acc.value).toBe(10);
  });

  it('semantics "Shared variables": 10 + 5 from foreach over range(5) gives 15', async () => {
    const acc = ctx.sc.accumulator(9);
    acc.add(1);
    await ctx.sc.range(5).foreach(() => acc.add(1), { acc });
    expect(acc.value).toBe(15);
  });

  it('starts at 0 by default and sums additions from every task', async () => {
    const acc = ctx.sc.accumulator();
    expect(acc.value).toBe(0);
    await ctx.sc.parallelize(numbers(1, 101), 7).foreach((x) => acc.add(x));
    expect(acc.value).toBe(5050);
  });

  it('counts additions made inside a transformation once the action resolves', async () => {
    const seen = ctx.sc.accumulator(0);
    const evens = await ctx.sc
      .range(0, 50, 1, 4)
      .filter((x) => {
        seen.add(1);
        return x % 2 === 0;
      })
      .count();
    expect(evens).toBe(25);
    expect(seen.value).toBe(50);
  });

  it('counts a retried task once', async () => {
    // The first attempt of partition 2 on each worker fails after adding; a later attempt succeeds.
    const flag = `__flintApiRetry_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const acc = ctx.sc.accumulator(0);
    const mark = ctx.events.length;
    const result = await ctx.sc
      .range(0, 4, 1, 4)
      .map((x) => {
        acc.add(1);
        const state = globalThis as unknown as Record<string, boolean>;
        if (x === 2 && !state[flag]) {
          state[flag] = true;
          throw new Error('transient failure');
        }
        return x;
      })
      .collect();
    expect(result).toEqual([0, 1, 2, 3]);
    // The retry really happened: at least one attempt of partition 2 failed.
    const failed = ctx.events
      .slice(mark)
      .filter((event) => event.type === 'taskEnd' && event.result === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(acc.value).toBe(4);
  });
});

describe('captured variables and env', () => {
  it('captures free variables by value when the job is submitted', async () => {
    const factor = 3;
    const prefix = { text: 'n=' };
    const lookup = new Map([[1, 'one']]);
    const result = await ctx.sc
      .parallelize([1, 2], 2)
      .map((x) => `${prefix.text}${x * factor}:${lookup.get(x) ?? '-'}`)
      .collect();
    expect(result).toEqual(['n=3:one', 'n=6:-']);
  });

  it('captures helper functions, recursively', async () => {
    const square = (x: number) => x * x;
    const twiceSquare = (x: number) => 2 * square(x);
    expect(
      await ctx.sc
        .parallelize([1, 2, 3], 2)
        .map((x) => twiceSquare(x))
        .collect(),
    ).toEqual([2, 8, 18]);
  });

  it('takes names from an explicit env object', async () => {
    const k = 5;
    expect(
      await ctx.sc
        .parallelize([1, 2, 3], 2)
        .map((x) => x * k, { k })
        .collect(),
    ).toEqual([5, 10, 15]);
    const threshold = 2;
    expect(
      await ctx.sc
        .parallelize([1, 2, 3], 3)
        .filter((x) => x > threshold, { threshold })
        .collect(),
    ).toEqual([3]);
  });

  it('takes { numPartitions, env } where numPartitions is accepted', async () => {
    const bonus = 100;
    const ds = ctx.sc
      .parallelize<[string, number]>(
        [
          ['a', 1],
          ['a', 2],
          ['b', 3],
        ],
        2,
      )
      .reduceByKey((x, y) => x + y + bonus, { numPartitions: 3, env: { bonus } });
    expect(ds.getNumPartitions()).toBe(3);
    expect(sorted(await ds.collect())).toEqual([
      ['a', 103],
      ['b', 3],
    ]);
  });

  it('passes env to actions that take functions', async () => {
    const offset = 1000;
    expect(
      await ctx.sc.parallelize([1, 2, 3], 2).reduce((a, b) => a + b + offset, { offset }),
    ).toBe(2006);
  });
});
