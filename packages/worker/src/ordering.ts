/**
 * The total order Flint sorts by (sortBy, sortByKey, takeOrdered, top, min, max). Numbers compare
 * numerically and strings by UTF-16 code unit, as Spark's natural orderings do. Values of different
 * types order by type: undefined, null, booleans, numbers and bigints (compared numerically with
 * each other), strings, Dates, arrays (element by element), then plain objects.
 */

const rank = (value: unknown): number => {
  switch (typeof value) {
    case 'undefined':
      return 0;
    case 'boolean':
      return 2;
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'object':
      if (value === null) return 1;
      if (value instanceof Date) return 5;
      return Array.isArray(value) ? 6 : 7;
    default:
      return 8;
  }
};

/** Compares two values in Flint's total order: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    // NaN sorts after every other number, and equal to itself, as Java's Double.compare does.
    return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const rankA = rank(a);
  const rankB = rank(b);
  if (rankA !== rankB) return rankA - rankB;
  switch (rankA) {
    case 2:
      return Number(a) - Number(b);
    case 3:
      return (a as number | bigint) < (b as number | bigint)
        ? -1
        : (a as number | bigint) > (b as number | bigint)
          ? 1
          : 0;
    case 5:
      return (a as Date).getTime() - (b as Date).getTime();
    case 6:
      return compareArrays(a as unknown[], b as unknown[]);
    case 7:
      return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
    default:
      return 0;
  }
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const order = compareValues(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  const byKeys = compareArrays(keysA, keysB);
  if (byKeys !== 0) return byKeys;
  return compareArrays(
    keysA.map((key) => a[key]),
    keysB.map((key) => b[key]),
  );
}

/** Below this many keys a comparison sort is as fast as counting digits. */
const RADIX_MIN_KEYS = 2048;
const DIGIT_BITS = 16;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The order of `keys` that a stable sort by {@link compareValues} (reversed unless `ascending`)
 * gives, as indices into `keys`: NaN after every other number, -0 equal to 0, ties in index
 * order. An LSD radix sort over each key's IEEE 754 bits, turned into an unsigned integer that
 * sorts the same way, 16 bits a pass (a pass that would move nothing is skipped): linear in the
 * number of keys, where a comparison sort of a million keys makes twenty million calls.
 */
export function numberOrder(keys: Float64Array, ascending: boolean): Uint32Array {
  const n = keys.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < RADIX_MIN_KEYS) {
    const sign = ascending ? 1 : -1;
    return order.sort((a, b) => sign * compareValues(keys[a], keys[b]) || a - b);
  }
  const [high, low] = sortableBits(keys, ascending);
  let next = new Uint32Array(n);
  const starts = new Uint32Array(1 << DIGIT_BITS);
  for (const [words, shift] of [
    [low, 0],
    [low, DIGIT_BITS],
    [high, 0],
    [high, DIGIT_BITS],
  ] as const) {
    starts.fill(0);
    for (let i = 0; i < n; i++) {
      const digit = ((words[i] as number) >>> shift) & DIGIT_MASK;
      starts[digit] = (starts[digit] as number) + 1;
    }
    if (starts[((words[0] as number) >>> shift) & DIGIT_MASK] === n) continue;
    let start = 0;
    for (let digit = 0; digit < starts.length; digit++) {
      const count = starts[digit] as number;
      starts[digit] = start;
      start += count;
    }
    for (let i = 0; i < n; i++) {
      const index = order[i] as number;
      const digit = ((words[index] as number) >>> shift) & DIGIT_MASK;
      const to = starts[digit] as number;
      starts[digit] = to + 1;
      next[to] = index;
    }
    [order, next] = [next, order];
  }
  return order;
}

/**
 * Each key's 64 bits as two unsigned words that compare, high then low, as compareValues orders
 * the keys (or the reverse): a positive number gets its sign bit set, a negative one all bits
 * flipped; -0 is 0 and every NaN is the largest value.
 */
function sortableBits(keys: Float64Array, ascending: boolean): [Uint32Array, Uint32Array] {
  const high = new Uint32Array(keys.length);
  const low = new Uint32Array(keys.length);
  const number = new Float64Array(1);
  const words = new Uint32Array(number.buffer);
  const [lowWord, highWord] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  const flip = ascending ? 0 : 0xffffffff;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as number;
    let hi = 0xffffffff;
    let lo = 0xffffffff;
    if (!Number.isNaN(key)) {
      number[0] = key + 0; // -0 + 0 is 0
      hi = words[highWord] as number;
      lo = words[lowWord] as number;
      if (hi >= 0x80000000) {
        hi = ~hi;
        lo = ~lo;
      } else hi |= 0x80000000;
    }
    high[i] = (hi ^ flip) >>> 0;
    low[i] = (lo ^ flip) >>> 0;
  }
  return [high, low];
}
