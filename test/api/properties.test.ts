/**
 * Property-based tests: every keyed operation against a plain in-memory reference, on random data
 * (mixed keys: numbers, strings, null, structurally equal arrays) and random partition counts.
 * Output order is unspecified for shuffles, so results compare as bags, except where the order is
 * the point (sortBy, sortByKey, and combineByKey's map-partition order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canon, compare, useContext } from './support.js';

const ctx = useContext();

type Key = number | string | null | [number, string];
type Pair = [Key, number];

// Fresh arrays per generated key, so structurally equal keys are distinct objects.
const keyArb: fc.Arbitrary<Key> = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('a', 'b', 'A', '1'),
  fc.constant(null),
  fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom('a', 'b')),
);
const pairsArb: fc.Arbitrary<Pair[]> = fc.array(
  fc.tuple(keyArb, fc.integer({ min: -50, max: 50 })),
  { maxLength: 40 },
);
const elementArb: fc.Arbitrary<unknown> = fc.oneof(
  keyArb,
  fc.tuple(keyArb, fc.integer({ min: 0, max: 2 })),
);
const elementsArb = fc.array(elementArb, { maxLength: 24 });
const inPartitions = fc.integer({ min: 1, max: 6 });
const outPartitions = fc.integer({ min: 1, max: 4 });

const runs = { numRuns: 25, interruptAfterTimeLimit: 20_000 };
const timeout = { timeout: 40_000 };

const add = (a: number, b: number) => a + b;

/** Canonical strings, sorted: equal exactly when the two collections are equal as multisets. */
const bag = (values: readonly unknown[]) => values.map(canon).sort();

/** The reference grouping: each distinct key (structurally) with its values in input order. */
function group<V>(pairs: readonly [Key, V][]): Map<string, { key: Key; values: V[] }> {
  const groups = new Map<string, { key: Key; values: V[] }>();
  for (const [key, value] of pairs) {
    const entry = groups.get(canon(key)) ?? { key, values: [] };
    entry.values.push(value);
    groups.set(canon(key), entry);
  }
  return groups;
}

/** parallelize's slices: partition i holds [floor(i*len/n), floor((i+1)*len/n)). */
const slices = <T>(values: readonly T[], n: number): T[][] =>
  Array.from({ length: n }, (_, i) =>
    values.slice(Math.floor((i * values.length) / n), Math.floor(((i + 1) * values.length) / n)),
  );

/** -0 as 0: they compare equal, so either may come first among equal keys. */
const plusZero = <T>(value: T): T => (typeof value === 'number' ? ((value + 0) as T) : value);

const sortedValues = (values: readonly number[]) => [...values].sort((a, b) => a - b);

describe('keyed aggregations match the reference', () => {
  it('reduceByKey', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, inPartitions, outPartitions, async (pairs, nIn, nOut) => {
        const result = ctx.sc.parallelize(pairs, nIn).reduceByKey(add, nOut);
        expect(result.getNumPartitions()).toBe(nOut);
        const expected = [...group(pairs).values()].map(({ key, values }) => [
          key,
          values.reduce(add),
        ]);
        expect(bag(await result.collect())).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('groupByKey', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, inPartitions, outPartitions, async (pairs, nIn, nOut) => {
        const result = ctx.sc.parallelize(pairs, nIn).groupByKey(nOut);
        expect(result.getNumPartitions()).toBe(nOut);
        const actual = (await result.collect()).map(([key, values]) => [key, sortedValues(values)]);
        const expected = [...group(pairs).values()].map(({ key, values }) => [
          key,
          sortedValues(values),
        ]);
        expect(bag(actual)).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('aggregateByKey', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, inPartitions, outPartitions, async (pairs, nIn, nOut) => {
        const result = ctx.sc.parallelize(pairs, nIn).aggregateByKey(
          [0, 0] as [number, number],
          (acc, value) => [acc[0] + value, acc[1] + 1] as [number, number],
          (a, b) => [a[0] + b[0], a[1] + b[1]] as [number, number],
          nOut,
        );
        expect(result.getNumPartitions()).toBe(nOut);
        const expected = [...group(pairs).values()].map(({ key, values }) => [
          key,
          [values.reduce(add), values.length],
        ]);
        expect(bag(await result.collect())).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('foldByKey, with the zero applied once per key per input partition', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, inPartitions, outPartitions, async (pairs, nIn, nOut) => {
        const result = ctx.sc.parallelize(pairs, nIn).foldByKey(100, add, nOut);
        expect(result.getNumPartitions()).toBe(nOut);
        const partitionsOfKey = new Map<string, number>();
        for (const part of slices(pairs, nIn)) {
          for (const key of new Set(part.map(([key]) => canon(key))))
            partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? 0) + 1);
        }
        const expected = [...group(pairs).values()].map(({ key, values }) => [
          key,
          values.reduce(add) + 100 * (partitionsOfKey.get(canon(key)) ?? 0),
        ]);
        expect(bag(await result.collect())).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('combineByKey, values in input order (map-partition order)', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, inPartitions, outPartitions, async (pairs, nIn, nOut) => {
        const result = ctx.sc.parallelize(pairs, nIn).combineByKey(
          (value) => [value],
          (list, value) => {
            list.push(value);
            return list;
          },
          (a, b) => {
            a.push(...b);
            return a;
          },
          nOut,
        );
        expect(result.getNumPartitions()).toBe(nOut);
        const expected = [...group(pairs).values()].map(({ key, values }) => [key, values]);
        expect(bag(await result.collect())).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('countByKey', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(pairsArb, inPartitions, async (pairs, nIn) => {
        const counts = await ctx.sc.parallelize(pairs, nIn).countByKey();
        expect(counts).toBeInstanceOf(Map);
        const expected = [...group(pairs).values()].map(({ key, values }) => [key, values.length]);
        expect(bag([...counts.entries()])).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('countByValue', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(elementsArb, inPartitions, async (elements, nIn) => {
        const counts = await ctx.sc.parallelize(elements, nIn).countByValue();
        expect(counts).toBeInstanceOf(Map);
        const expected = [
          ...group(elements.map((e) => [e as Key, 1] as [Key, number])).values(),
        ].map(({ key, values }) => [key, values.length]);
        expect(bag([...counts.entries()])).toEqual(bag(expected));
      }),
      runs,
    );
  });
});

describe('joins match the reference', () => {
  const twoSides = fc.tuple(pairsArb, inPartitions, pairsArb, inPartitions);

  /** Every [v, w] for pairs of equal keys. */
  const matches = (left: readonly Pair[], right: readonly Pair[]) =>
    left.flatMap(([k, v]) =>
      right.filter(([k2]) => canon(k2) === canon(k)).map(([, w]) => [k, [v, w]]),
    );
  const hasKey = (side: readonly Pair[], key: Key) => side.some(([k]) => canon(k) === canon(key));

  it('join', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .join(ctx.sc.parallelize(right, nRight))
          .collect();
        expect(bag(result)).toEqual(bag(matches(left, right)));
      }),
      runs,
    );
  });

  it('leftOuterJoin', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .leftOuterJoin(ctx.sc.parallelize(right, nRight))
          .collect();
        const expected = [
          ...matches(left, right),
          ...left.filter(([k]) => !hasKey(right, k)).map(([k, v]) => [k, [v, null]]),
        ];
        expect(bag(result)).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('rightOuterJoin', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .rightOuterJoin(ctx.sc.parallelize(right, nRight))
          .collect();
        const expected = [
          ...matches(left, right),
          ...right.filter(([k]) => !hasKey(left, k)).map(([k, w]) => [k, [null, w]]),
        ];
        expect(bag(result)).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('fullOuterJoin', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .fullOuterJoin(ctx.sc.parallelize(right, nRight))
          .collect();
        const expected = [
          ...matches(left, right),
          ...left.filter(([k]) => !hasKey(right, k)).map(([k, v]) => [k, [v, null]]),
          ...right.filter(([k]) => !hasKey(left, k)).map(([k, w]) => [k, [null, w]]),
        ];
        expect(bag(result)).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('cogroup', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .cogroup(ctx.sc.parallelize(right, nRight))
          .collect();
        const leftGroups = group(left);
        const rightGroups = group(right);
        const keys = new Map<string, Key>();
        for (const [key] of [...left, ...right]) keys.set(canon(key), key);
        const expected = [...keys].map(([id, key]) => [
          key,
          [
            sortedValues(leftGroups.get(id)?.values ?? []),
            sortedValues(rightGroups.get(id)?.values ?? []),
          ],
        ]);
        const actual = result.map(([key, [vs, ws]]) => [key, [sortedValues(vs), sortedValues(ws)]]);
        expect(bag(actual)).toEqual(bag(expected));
      }),
      runs,
    );
  });

  it('subtractByKey', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .subtractByKey(ctx.sc.parallelize(right, nRight))
          .collect();
        expect(bag(result)).toEqual(bag(left.filter(([k]) => !hasKey(right, k))));
      }),
      runs,
    );
  });
});

describe('set operations match the reference', () => {
  const twoSides = fc.tuple(elementsArb, inPartitions, elementsArb, inPartitions);

  it('distinct', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(elementsArb, inPartitions, outPartitions, async (elements, nIn, nOut) => {
        const result = ctx.sc.parallelize(elements, nIn).distinct(nOut);
        expect(result.getNumPartitions()).toBe(nOut);
        expect(bag(await result.collect())).toEqual([...new Set(elements.map(canon))].sort());
      }),
      runs,
    );
  });

  it('intersection', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .intersection(ctx.sc.parallelize(right, nRight))
          .collect();
        const rightSet = new Set(right.map(canon));
        expect(bag(result)).toEqual(
          [...new Set(left.map(canon).filter((e) => rightSet.has(e)))].sort(),
        );
      }),
      runs,
    );
  });

  it('subtract', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(twoSides, async ([left, nLeft, right, nRight]) => {
        const result = await ctx.sc
          .parallelize(left, nLeft)
          .subtract(ctx.sc.parallelize(right, nRight))
          .collect();
        const rightSet = new Set(right.map(canon));
        expect(bag(result)).toEqual(bag(left.filter((e) => !rightSet.has(canon(e)))));
      }),
      runs,
    );
  });
});

describe('sorting matches the reference', () => {
  // One key type per run: semantics.md pins the order within numbers and within strings.
  const sortablePairs = fc.oneof(
    fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer()), { maxLength: 30 }),
    fc.array(fc.tuple(fc.string({ maxLength: 3, unit: 'binary' }), fc.integer()), {
      maxLength: 30,
    }),
    fc.array(
      fc.tuple(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        fc.integer(),
      ),
      { maxLength: 30 },
    ),
  ) as fc.Arbitrary<[number | string, number][]>;

  it('sortByKey', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(
        sortablePairs,
        inPartitions,
        outPartitions,
        fc.boolean(),
        async (pairs, nIn, nOut, ascending) => {
          const result = await ctx.sc.parallelize(pairs, nIn).sortByKey(ascending, nOut).collect();
          const keys = pairs.map(([key]) => plusZero(key)).sort(compare);
          if (!ascending) keys.reverse();
          expect(result.map(([key]) => plusZero(key))).toEqual(keys);
          expect(bag(result)).toEqual(bag(pairs));
        },
      ),
      runs,
    );
  });

  it('sortBy', timeout, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 30 }),
        inPartitions,
        outPartitions,
        fc.boolean(),
        async (values, nIn, nOut, ascending) => {
          const result = await ctx.sc
            .parallelize(values, nIn)
            .sortBy((x) => x % 7, ascending, nOut)
            .collect();
          const keys = values
            .map((x) => plusZero(x % 7))
            .sort((a, b) => (ascending ? a - b : b - a));
          expect(result.map((x) => plusZero(x % 7))).toEqual(keys);
          expect(bag(result)).toEqual(bag(values));
        },
      ),
      runs,
    );
  });
});
