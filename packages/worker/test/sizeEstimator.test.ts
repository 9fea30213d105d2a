import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { estimateSize, SizeTracker } from '../src/sizeEstimator.js';

// A forced GC, so that the heap measured holds only what is alive.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes `make` keeps alive. */
function measured(make: () => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = make();
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(kept).toBeDefined();
  return after - before;
}

describe('estimateSize', () => {
  it('counts V8 objects as they are laid out on 64-bit Node', () => {
    expect(estimateSize(7)).toBe(0); // a small integer lives in its slot
    expect(estimateSize(0.5)).toBe(16);
    expect(estimateSize('w123')).toBe(24);
    expect(estimateSize(['w123', 7])).toBe(48 + 16 + 24);
    expect(estimateSize({ a: 1, b: 'x' })).toBe(24 + 16 + 24);
    expect(estimateSize(null)).toBe(0);
  });

  it('samples large arrays instead of walking them', () => {
    const big = Array.from({ length: 100_000 }, (_, i) => `s${i % 10}`);
    const estimate = estimateSize(big);
    expect(estimate).toBeGreaterThan(100_000 * (8 + 24) * 0.9);
    expect(estimate).toBeLessThan(100_000 * (8 + 24) * 1.1);
  });

  it('is within 30% of the heap a partition of pairs takes', () => {
    const n = 200_000;
    const make = () => Array.from({ length: n }, (_, i) => [`word${i}`, i]);
    const tracker = new SizeTracker();
    for (const record of make()) tracker.add(record);
    const heap = measured(make);
    expect(tracker.bytes / heap).toBeGreaterThan(0.7);
    expect(tracker.bytes / heap).toBeLessThan(1.3);
  });
});
