/** W4 by hand: hash 0..n-1 with the golden-ratio multiplier, sort ascending, keep the first k. */
export function sortHashed(n: number, k = 5): number[] {
  // A plain array and comparator, as sortBy(x => x) has to compare arbitrary keys.
  const values: number[] = new Array(n);
  for (let x = 0; x < n; x++) values[x] = Math.imul(x, 0x9e3779b1) >>> 0;
  values.sort((a, b) => a - b);
  return values.slice(0, k);
}

export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
