/** W3 shuffle: reduceByKey over 100,000 keys; the key count and the sum of the values. */
import type { ShuffleResult } from '../baselines/sumByKey.js';
import type { FlintContext } from './flint.js';

export async function shuffle(sc: FlintContext, n: number): Promise<ShuffleResult> {
  const sums = sc
    .range(0, n)
    .map((x: number): [number, number] => [x % 100000, x])
    .reduceByKey((a: number, b: number) => a + b)
    .cache();
  const count = await sums.count();
  const sum = await sums.values().sum();
  sums.unpersist();
  return { count, sum };
}
