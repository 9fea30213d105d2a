import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SPECULATION,
  resolveSpeculation,
  speculationThreshold,
} from '../src/speculation.js';

describe('speculation thresholds', () => {
  it("uses Spark's defaults for `true` and nothing for `false`", () => {
    expect(resolveSpeculation(true)).toEqual({
      quantile: 0.75,
      multiplier: 1.5,
      minRuntimeMs: 100,
      intervalMs: 100,
    });
    expect(resolveSpeculation(false)).toBeUndefined();
    expect(resolveSpeculation(undefined)).toBeUndefined();
    expect(resolveSpeculation({ multiplier: 3, quantile: undefined })).toEqual({
      ...DEFAULT_SPECULATION,
      multiplier: 3,
    });
  });

  it('refuses thresholds that make no sense, saying which', () => {
    expect(() => resolveSpeculation({ quantile: 0 })).toThrow(/quantile must be in \(0, 1\]/);
    expect(() => resolveSpeculation({ multiplier: 0.5 })).toThrow(/multiplier must be at least 1/);
    expect(() => resolveSpeculation('yes' as unknown as boolean)).toThrow(/takes true, false or/);
  });

  it('judges nothing until the quantile of tasks succeeded', () => {
    expect(speculationThreshold(8, [10, 10, 10, 10, 10], DEFAULT_SPECULATION)).toBeUndefined();
    expect(speculationThreshold(8, [10, 10, 10, 10, 10, 10], DEFAULT_SPECULATION)).toBe(100);
    // A single task can be judged once it is... never: there is nothing to compare it with.
    expect(speculationThreshold(1, [], DEFAULT_SPECULATION)).toBeUndefined();
  });

  it('is the multiplier times the median, but at least the minimum runtime', () => {
    expect(speculationThreshold(4, [1_000, 3_000, 2_000], DEFAULT_SPECULATION)).toBe(3_000);
    expect(speculationThreshold(4, [1_000, 2_000, 3_000, 4_000], DEFAULT_SPECULATION)).toBe(3_750);
    expect(speculationThreshold(4, [20, 30, 40], DEFAULT_SPECULATION)).toBe(100);
  });
});
