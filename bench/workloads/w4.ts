/** W4 sort: hashed numbers range-partitioned into 4 sorted partitions; the first 5. */
import type { FlintContext } from './flint.js';

export function sortHashed(sc: FlintContext, n: number): Promise<number[]> {
  return sc
    .range(0, n)
    .map((x: number) => Math.imul(x, 0x9e3779b1) >>> 0)
    .sortBy((x: number) => x, true, 4)
    .take(5);
}
