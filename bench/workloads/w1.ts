/** W1 narrow: a pipelined map and filter over generated numbers, counted. */
import type { FlintContext } from './flint.js';

export function narrow(sc: FlintContext, n: number): Promise<number> {
  return sc
    .range(0, n)
    .map((x: number) => x * 2)
    .filter((x: number) => x % 3 === 0)
    .count();
}
