/**
 * Automatic capture over real workers: each kind of value a function may use from its
 * surroundings travels by value (Spark's closure semantics), functions travel by source with
 * their own captures, shared references and cycles stay intact, and broadcast handles and
 * accumulators travel by reference. Capture happens again when each job is submitted, so a job
 * sees the values its variables hold at that moment.
 *
 * This file runs through vitest's transform: its imports reach functions as
 * `__vite_ssr_import_N__.name`, which capture resolves like the original import.
 */
import { createContext, type FlintContext } from '@flint/rdd';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bumpCalls,
  currentCalls,
  fileName,
  isEven,
  unit,
  withUnit,
} from './fixtures/projectHelpers.js';

let sc: FlintContext;

beforeAll(async () => {
  sc = await createContext({ workers: 2, ui: false, progress: false });
});

afterAll(async () => {
  await sc?.stop();
});

/** Resolves when the next job starts, i.e. once it was submitted. */
function nextJobStart(): Promise<void> {
  return new Promise((resolve) => {
    const stop = sc.addListener((event) => {
      if (event.type !== 'jobStart') return;
      stop();
      resolve();
    });
  });
}

/** Runs `fn` once per element of `input` on the workers (two partitions) and collects. */
function onWorkers<T, U>(input: T[], fn: (value: T) => U): Promise<U[]> {
  return sc.parallelize(input, 2).map(fn).collect();
}

describe('values', () => {
  test('primitives: numbers, strings, booleans, null, undefined, NaN, -0, Infinity', async () => {
    const k = 3;
    const label = 'x';
    const flag = true;
    const nothing = null;
    const missing = undefined;
    const notANumber = Number.NaN;
    const negativeZero = -0;
    const infinite = Number.POSITIVE_INFINITY;
    const result = await onWorkers([1, 2], (x) => [
      x * k,
      `${label}${x}`,
      flag,
      nothing,
      missing === undefined,
      Number.isNaN(notANumber),
      Object.is(negativeZero, -0),
      infinite,
    ]);
    expect(result).toEqual([
      [3, 'x1', true, null, true, true, true, Infinity],
      [6, 'x2', true, null, true, true, true, Infinity],
    ]);
  });

  test('bigint', async () => {
    const big = 2n ** 70n;
    expect(await onWorkers([1n, 2n], (x) => x * big)).toEqual([2n ** 70n, 2n ** 71n]);
  });

  test('plain objects and arrays, nested', async () => {
    const config = { scale: 10, tags: ['a', 'b'], nested: { deep: [1, { deeper: 'yes' }] } };
    const list = [5, 6, 7];
    expect(
      await onWorkers([0, 1], (i) => [
        config.scale * (list[i] ?? 0),
        config.tags[i],
        config.nested.deep[1],
      ]),
    ).toEqual([
      [50, 'a', { deeper: 'yes' }],
      [60, 'b', { deeper: 'yes' }],
    ]);
  });

  test('Map, Set, Date and RegExp', async () => {
    const names = new Map<number, string>([
      [1, 'one'],
      [2, 'two'],
    ]);
    const allowed = new Set([2]);
    const since = new Date('2024-01-02T03:04:05.000Z');
    const pattern = /^t(w)o$/i;
    const result = await onWorkers([1, 2], (x) => [
      names instanceof Map && names.get(x),
      allowed instanceof Set && allowed.has(x),
      since instanceof Date && since.toISOString(),
      pattern instanceof RegExp && pattern.test(names.get(x) ?? ''),
      pattern.flags,
    ]);
    expect(result).toEqual([
      ['one', false, '2024-01-02T03:04:05.000Z', false, 'i'],
      ['two', true, '2024-01-02T03:04:05.000Z', true, 'i'],
    ]);
  });

  test('typed arrays, ArrayBuffer and DataView', async () => {
    const weights = new Float64Array([0.5, 1.5]);
    const bytes = new Uint8Array([7, 8, 9]).buffer;
    const bigs = new BigInt64Array([-3n]);
    const view = new DataView(new ArrayBuffer(2));
    view.setInt16(0, -2);
    const result = await onWorkers([0, 1], (i) => [
      weights instanceof Float64Array && weights[i],
      bytes instanceof ArrayBuffer && new Uint8Array(bytes)[i],
      bigs[0],
      view.getInt16(0),
    ]);
    expect(result).toEqual([
      [0.5, 7, -3n, -2],
      [1.5, 8, -3n, -2],
    ]);
  });

  test('shared references and cycles arrive intact', async () => {
    const shared = { n: 1 };
    const node: Record<string, unknown> = { shared, pair: [shared, shared] };
    node.self = node;
    const graph = new Map<string, unknown>([['node', node]]);
    const result = await onWorkers([0], () => {
      const pair = node.pair as unknown[];
      return [
        node.self === node,
        pair[0] === pair[1],
        pair[0] === node.shared,
        graph.get('node') === node,
      ];
    });
    expect(result).toEqual([[true, true, true, true]]);
  });
});

describe('functions', () => {
  test('helper functions travel by source with their own captures, recursively', async () => {
    const offset = 100;
    const addOffset = (x: number) => x + offset;
    const table = { scale: 3, apply: (x: number) => addOffset(x * table.scale) };
    expect(await onWorkers([1, 2], (x) => table.apply(x))).toEqual([103, 106]);
  });

  test('mutually recursive helpers, local and imported from another module', async () => {
    function ping(n: number): number {
      return n <= 0 ? 0 : 1 + pong(n - 1);
    }
    function pong(n: number): number {
      return n <= 0 ? 0 : 10 + ping(n - 1);
    }
    expect(await onWorkers([3, 4], (n) => [ping(n), isEven(n)])).toEqual([
      [12, false],
      [22, true],
    ]);
  });

  test('helpers imported from another file of the project, with what they use', async () => {
    // vitest's transform rewrote the imports of this file; capture follows them to the module.
    const fn = (x: number) => [withUnit(x), unit, fileName(`/data/${x}.csv`)];
    expect(fn.toString()).toMatch(/__vite_ssr_import_\d+__\.withUnit/);
    expect(await onWorkers([1, 2], fn)).toEqual([
      ['1 cm', 'cm', '1.csv'],
      ['2 cm', 'cm', '2.csv'],
    ]);
  });
});

describe('shared variables', () => {
  test('broadcast handles and accumulators travel by reference', async () => {
    const names = sc.broadcast(new Map([[1, 'one']]));
    const seen = sc.accumulator(0);
    const options = { names, seen };
    const result = await sc
      .parallelize([1, 2, 3], 3)
      .map((x) => {
        options.seen.add(1);
        return names.value.get(x) ?? '?';
      })
      .collect();
    expect(result).toEqual(['one', '?', '?']);
    expect(seen.value).toBe(3);
  });
});

describe('capture at job submission', () => {
  test('a let changed between two actions: each job sees the value at its submission', async () => {
    let factor = 2;
    const scaled = sc.parallelize([1, 2], 2).map((x) => x * factor);
    expect(await scaled.collect()).toEqual([2, 4]);
    factor = 10;
    expect(await scaled.collect()).toEqual([10, 20]);
    // A job already submitted keeps its values when the variable changes while it runs.
    const submitted = nextJobStart();
    const running = scaled.collect();
    await submitted;
    factor = 1000;
    expect(await running).toEqual([10, 20]);
    expect(await scaled.collect()).toEqual([1000, 2000]);
  });

  test('an object changed between two actions, and a module let read through a helper', async () => {
    const limits = { max: 1 };
    const kept = sc.parallelize([1, 2, 3], 2).filter((x) => x <= limits.max);
    expect(await kept.collect()).toEqual([1]);
    limits.max = 3;
    expect(await kept.collect()).toEqual([1, 2, 3]);
    const calls = sc.parallelize([0], 1).map(() => currentCalls());
    const before = currentCalls();
    expect(await calls.collect()).toEqual([before]);
    bumpCalls();
    expect(await calls.collect()).toEqual([before + 1]);
  });

  test('functions after a shuffle and in an action are captured at submission too', async () => {
    let bonus = 0;
    const totals = sc
      .parallelize(['a', 'b', 'a'], 2)
      .map((word) => [word, 1] as [string, number])
      .reduceByKey((x, y) => x + y, 2)
      .mapValues((n) => n + bonus);
    expect(new Map(await totals.collect())).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    bonus = 100;
    expect(new Map(await totals.collect())).toEqual(
      new Map([
        ['a', 102],
        ['b', 101],
      ]),
    );
    expect(await totals.map(([, n]) => n).reduce((x, y) => x + y + bonus)).toBe(303);
  });
});

describe('the explicit env', () => {
  test('the env wins over automatic capture for the names it gives, and only those', async () => {
    const k = 2;
    const offset = 1;
    const result = await sc
      .parallelize([1, 2], 2)
      .map((x) => x * k + offset, { k: 10 })
      .collect();
    expect(result).toEqual([11, 21]);
  });
});
