import { describe, expect, it } from 'vitest';
import { FlintError } from '../src/errors.js';
import { formatMemorySize, parseMemorySize, workerNodeOptions } from '../src/memorySize.js';

describe('memory sizes', () => {
  it('reads units the way Spark does (binary, case-insensitive, optional b)', () => {
    expect(parseMemorySize('4g', 'x')).toBe(4 * 2 ** 30);
    expect(parseMemorySize('512m', 'x')).toBe(512 * 2 ** 20);
    expect(parseMemorySize('512MB', 'x')).toBe(512 * 2 ** 20);
    expect(parseMemorySize('1.5g', 'x')).toBe(1.5 * 2 ** 30);
    expect(parseMemorySize(' 2048k ', 'x')).toBe(2 * 2 ** 20);
    expect(parseMemorySize('1t', 'x')).toBe(2 ** 40);
    expect(parseMemorySize('3145728', 'x')).toBe(3 * 2 ** 20);
    expect(parseMemorySize(3 * 2 ** 20, 'x')).toBe(3 * 2 ** 20);
  });

  it.each([
    ['abc', /must be a memory size such as '512m', '2g' or a number of bytes, but got "abc"/],
    ['12q', /but got "12q"/],
    ['-5m', /but got "-5m"/],
    ['1.5', /but got "1.5"/],
    [1.5, /but got 1.5/],
    [Number.NaN, /but got NaN/],
    [{}, /but got \[object Object\]/],
    ['512', /must be at least 1m .* write '512m' for megabytes/],
    [0, /must be at least 1m/],
  ])('refuses %s with a FlintError that says what it expects', (value, message) => {
    let error: unknown;
    try {
      parseMemorySize(value, 'createContext({ memoryPerWorker })');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlintError);
    expect((error as FlintError).code).toBe('FLINT_ARGUMENT');
    expect((error as FlintError).message).toMatch(/^createContext\(\{ memoryPerWorker \}\) must/);
    expect((error as FlintError).message).toMatch(message);
  });

  it('formats sizes for messages', () => {
    expect(formatMemorySize(512 * 2 ** 20)).toBe('512 MiB');
    expect(formatMemorySize(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatMemorySize(12)).toBe('12 B');
  });

  it("sizes V8's heap to the worker's memory", () => {
    expect(workerNodeOptions(128 * 2 ** 20)).toEqual([
      '--max-old-space-size=192',
      '--max-semi-space-size=4',
    ]);
    expect(workerNodeOptions(3 * 2 ** 30 + 1)).toEqual([
      '--max-old-space-size=3137',
      '--max-semi-space-size=16',
    ]);
    expect(workerNodeOptions(2 ** 20)).toEqual([
      '--max-old-space-size=65',
      '--max-semi-space-size=1',
    ]);
  });
});
