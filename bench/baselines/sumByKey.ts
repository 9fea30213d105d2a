/** W3 by hand: `map(x => [x % keys, x]).reduceByKey(+)` over a range, with a Map as the shuffle. */

/** The distinct key count and the sum of the reduced values. */
export interface ShuffleResult {
  count: number;
  sum: number;
}

/** The W3 key space: `x % 100000`. */
export const SHUFFLE_KEYS = 100_000;

/** Sums x by key x % keys for x in [start, end). */
export function sumByKey(start: number, end: number, keys = SHUFFLE_KEYS): Map<number, number> {
  const sums = new Map<number, number>();
  for (let x = start; x < end; x++) {
    const key = x % keys;
    sums.set(key, (sums.get(key) ?? 0) + x);
  }
  return sums;
}

/** Adds every sum of `from` into `into`. */
export function mergeSums(into: Map<number, number>, from: Map<number, number>): void {
  for (const [key, sum] of from) into.set(key, (into.get(key) ?? 0) + sum);
}

export function shuffleResult(sums: Map<number, number>): ShuffleResult {
  let sum = 0;
  for (const value of sums.values()) sum += value;
  return { count: sums.size, sum };
}

/** The known answer for range(0, n): every key below min(n, keys) appears; values sum to n(n-1)/2. */
export function expectedShuffle(n: number): ShuffleResult {
  return { count: Math.min(n, SHUFFLE_KEYS), sum: (n * (n - 1)) / 2 };
}

export function sameShuffle(a: ShuffleResult, b: ShuffleResult): boolean {
  return a.count === b.count && a.sum === b.sum;
}

export function formatShuffle(result: ShuffleResult): string {
  return `${result.count} keys; sum ${result.sum}`;
}
