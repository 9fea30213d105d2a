import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalKey, hashKey, KeyMap } from '../src/keys.js';
import { compareValues, numberOrder } from '../src/ordering.js';
import { createPartitionFunction } from '../src/partitioner.js';

describe('keys compared by value', () => {
  it('treats structurally equal arrays and objects as one key', () => {
    const map = new KeyMap<number>();
    map.set([1, 'a'], 1);
    map.set([1, 'a'], 2);
    map.set({ b: 1, a: [2] }, 3);
    map.set({ a: [2], b: 1 }, 4);
    map.set('[1,"a"]', 5); // a string that looks like a canonical key is another key
    expect(map.size).toBe(3);
    expect(map.get([1, 'a'])).toBe(2);
    expect(map.get({ a: [2], b: 1 })).toBe(4);
    expect(map.get('[1,"a"]')).toBe(5);
  });

  it('keeps insertion order across primitive and structured keys', () => {
    const map = new KeyMap<string>();
    map.set('x', 'first');
    map.set([1], 'second');
    map.set(null, 'third');
    expect([...map.entries()]).toEqual([
      ['x', 'first'],
      [[1], 'second'],
      [null, 'third'],
    ]);
  });

  it('behaves as a Map of canonical keys, in insertion order, whatever mix of keys (fast-check)', () => {
    const key = fc.oneof(
      fc.nat({ max: 3000 }), // dense while not too sparse
      fc.constantFrom(0, -0, 1, 4_194_303, 4_194_304, 2 ** 31, -1, 0.5, Number.NaN),
      fc.string({ maxLength: 2 }),
      fc.array(fc.nat({ max: 3 }), { maxLength: 2 }),
      fc.constantFrom(null, undefined, true, 1n),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.option(fc.integer())), { maxLength: 300 }), (ops) => {
        const map = new KeyMap<number | null>();
        const model = new Map<string, [unknown, number | null]>();
        const canonical = (k: unknown) =>
          typeof k === 'object' && k !== null
            ? `o${canonicalKey(k)}`
            : `p${typeof k}:${Object.is(k, -0) ? 0 : String(k)}`;
        for (const [k, v] of ops) {
          const id = canonical(k);
          expect(map.has(k)).toBe(model.has(id));
          expect(map.get(k)).toBe(model.get(id)?.[1]);
          map.set(k, v);
          model.set(id, [model.get(id)?.[0] ?? (Object.is(k, -0) ? 0 : k), v]);
        }
        expect(map.size).toBe(model.size);
        expect([...map.entries()]).toEqual([...model.values()]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps small integer keys densely, and turns sparse without losing an entry', () => {
    const map = new KeyMap<string>();
    for (let k = 0; k < 10_000; k += 2) map.set(k, `v${k}`);
    map.set(5_000_000, 'far');
    map.set('s', 'string');
    expect(map.size).toBe(5_002);
    expect(map.get(9_998)).toBe('v9998');
    expect(map.get(5_000_000)).toBe('far');
    expect([...map.entries()].slice(0, 2)).toEqual([
      [0, 'v0'],
      [2, 'v2'],
    ]);
    expect([...map.entries()].at(-1)).toEqual(['s', 'string']);
  });

  it('reads and replaces a value by slot with one lookup, dense or sparse', () => {
    for (const keys of [
      [3, 1, 2],
      ['c', 'a', 'b'],
      [[3], { a: 1 }, 2n],
    ]) {
      const map = new KeyMap<number>();
      for (const key of keys) {
        expect(map.slotOf(key)).toBe(-1);
        map.insert(key, 1);
      }
      for (const key of keys) {
        const slot = map.slotOf(key);
        map.setAt(slot, map.valueAt(slot) + 10);
      }
      expect(map.toArrays()).toEqual({ keys, values: [11, 11, 11] });
      expect([...map.entries()]).toEqual(keys.map((key) => [key, 11]));
    }
  });

  it('keeps a dense value that is not a number, and every entry when a key turns it sparse', () => {
    const map = new KeyMap<unknown>();
    map.insert(1, 10);
    map.setAt(map.slotOf(1), 'ten'); // the first value that is not a number boxes them
    map.insert(2, 20);
    map.insert('x', 30); // the first key that is not a small integer makes it sparse
    expect(map.toArrays()).toEqual({ keys: [1, 2, 'x'], values: ['ten', 20, 30] });
    expect(map.get(2)).toBe(20);
    expect(map.slotOf(3)).toBe(-1);
  });

  it('hashes equal keys equally, and types apart', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(hashKey(structuredClone(value))).toBe(hashKey(value));
        expect(canonicalKey(structuredClone(value))).toBe(canonicalKey(value));
      }),
    );
    expect(canonicalKey(1)).not.toBe(canonicalKey('1'));
    expect(canonicalKey(1n)).not.toBe(canonicalKey(1));
  });

  it('hash-partitions into the asked number of partitions, equal keys together', () => {
    const partitionOf = createPartitionFunction({ kind: 'hash', numPartitions: 7 });
    fc.assert(
      fc.property(fc.jsonValue(), (key) => {
        const p = partitionOf(key);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(7);
        expect(partitionOf(structuredClone(key))).toBe(p);
      }),
    );
  });

  it('range-partitions in sort order, both directions', () => {
    const up = createPartitionFunction({
      kind: 'range',
      numPartitions: 3,
      bounds: [10, 20],
      ascending: true,
    });
    expect([5, 10, 11, 20, 21].map(up)).toEqual([0, 0, 1, 1, 2]);
    const down = createPartitionFunction({
      kind: 'range',
      numPartitions: 3,
      bounds: [10, 20],
      ascending: false,
    });
    expect([25, 20, 15, 10, 5].map(down)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('the total order', () => {
  it('compares numbers numerically and strings by code unit', () => {
    expect([10, 1, 2, 9, 3].sort(compareValues)).toEqual([1, 2, 3, 9, 10]);
    expect(['b', 'a', 'd', '1', '2', 'B'].sort(compareValues)).toEqual([
      '1',
      '2',
      'B',
      'a',
      'b',
      'd',
    ]);
  });

  it('orders mixed types by type, and arrays element by element', () => {
    // Array.prototype.sort keeps undefined out of the comparator, so it is checked on its own.
    expect(compareValues(undefined, null)).toBeLessThan(0);
    expect(['x', 3, null, [1, 2], [1], true].sort(compareValues)).toEqual([
      null,
      true,
      3,
      'x',
      [1],
      [1, 2],
    ]);
    expect(compareValues(2n, 3)).toBeLessThan(0);
  });

  it('orders numbers by radix as a stable sort by compareValues would, both ways (property)', () => {
    const key = fc.oneof(
      fc.double(),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(-0, 0, Number.NaN, Number.MIN_VALUE, -Number.MAX_VALUE),
    );
    fc.assert(
      fc.property(
        fc.array(key, { minLength: 1, maxLength: 300 }),
        // Mostly past the radix sort's threshold (2048 keys), sometimes below it.
        fc.oneof(fc.integer({ min: 2048, max: 6000 }), fc.integer({ min: 1, max: 2047 })),
        fc.boolean(),
        (sample, length, ascending) => {
          const keys = Float64Array.from({ length }, (_, i) => sample[i % sample.length] as number);
          const sign = ascending ? 1 : -1;
          const expected = Array.from(keys, (_, i) => i).sort(
            (a, b) => sign * compareValues(keys[a], keys[b]) || a - b,
          );
          expect([...numberOrder(keys, ascending)]).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
