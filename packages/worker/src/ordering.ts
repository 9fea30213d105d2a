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
