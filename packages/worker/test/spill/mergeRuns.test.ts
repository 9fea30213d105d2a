import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/keys.js';
import { compareValues } from '../../src/ordering.js';
import { Heap, hashOrder, mergeByHash, mergeSorted } from '../../src/spill/mergeRuns.js';

describe('mergeRuns', () => {
  it('heap pops in order', () => {
    const heap = new Heap<number>((a, b) => a - b);
    const values = [5, 3, 9, 1, 1, 7, 0, 4];
    for (const value of values) heap.push(value);
    const popped: number[] = [];
    while (heap.size > 0) popped.push(heap.pop() as number);
    expect(popped).toEqual([...values].sort((a, b) => a - b));
  });

  it('hashOrder sorts indices by key hash, ties by index', () => {
    const keys = ['b', 'a', 'b', [1], { x: 1 }, 'a'];
    const order = [...hashOrder(keys)];
    const hashes = order.map((index) => hashKey(keys[index]));
    expect(hashes).toEqual([...hashes].sort((a, b) => a - b));
    expect(order.indexOf(0)).toBeLessThan(order.indexOf(2));
    expect(order.indexOf(1)).toBeLessThan(order.indexOf(5));
  });

  it('mergeByHash combines equal keys across runs in run order, each key once', () => {
    const run = (pairs: [unknown, unknown][]) => {
      const order = hashOrder(pairs.map(([key]) => key));
      return Array.from(order, (index) => pairs[index]);
    };
    const runs = [
      run([
        ['a', [1]],
        [[1, 2], [2]],
        [1, [3]],
      ]),
      run([
        ['a', [4]],
        [1n, [5]],
        [[1, 2], [6]],
      ]),
      run([
        [1, [7]],
        ['b', [8]],
      ]),
    ];
    const merged = [...mergeByHash(runs, (a, b) => [...(a as unknown[]), ...(b as unknown[])])];
    const asMap = new Map(
      merged.map(([key, value]) => [
        JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
        value,
      ]),
    );
    expect(merged).toHaveLength(5);
    expect(asMap.get('"a"')).toEqual([1, 4]);
    expect(asMap.get('[1,2]')).toEqual([2, 6]);
    expect(asMap.get('1')).toEqual([3, 7]);
    expect(asMap.get('"1n"')).toEqual([5]);
    expect(asMap.get('"b"')).toEqual([8]);
  });

  it('mergeSorted is stable across runs', () => {
    const runs = [
      [
        [1, 'a0'],
        [2, 'a1'],
        [2, 'a2'],
      ],
      [
        [1, 'b0'],
        [2, 'b1'],
        [3, 'b2'],
      ],
      [],
      [
        [0, 'c0'],
        [2, 'c1'],
      ],
    ];
    const merged = [...mergeSorted(runs, (r) => (r as [number])[0], compareValues)];
    expect(merged.map((r) => (r as [number, string])[1])).toEqual([
      'c0',
      'a0',
      'b0',
      'a1',
      'a2',
      'b1',
      'c1',
      'b2',
    ]);
  });
});
