/**
 * Three ways to count the M&Ms in a tub, each timed and checked against the tub's true size, and
 * the count per colour (a job with a shuffle).
 */
import type { Dataset } from '@flint/rdd';
import { formatCount } from './table.js';
import { type MM, mmAt, TUB_MODEL, type TubModel } from './tub.js';

/** How one way of counting did. */
export interface CountResult {
  readonly method: string;
  readonly count: number;
  /** Whether `count` is the tub's true size. */
  readonly exact: boolean;
  /** How far `count` is from the true size, in percent of it (negative when under). */
  readonly errorPercent: number;
  /** Wall-clock time, in milliseconds. */
  readonly ms: number;
}

function result(method: string, count: number, size: number, startedAt: number): CountResult {
  return {
    method,
    count,
    exact: count === size,
    errorPercent: size === 0 ? 0 : ((count - size) / size) * 100,
    ms: performance.now() - startedAt,
  };
}

/**
 * Method 1: one person counts every M&M, one at a time. The driver makes the same tub locally, on
 * its one thread, and counts it in a plain loop.
 */
export function countOneByOne(
  size: number,
  seed: number,
  model: TubModel = TUB_MODEL,
): CountResult {
  const startedAt = performance.now();
  let count = 0;
  for (let index = 0; index < size; index++) {
    // Look at each M&M (a real one weighs something), so the loop cannot skip making it.
    if (mmAt(index, seed, model).weight > 0) count++;
  }
  return result('one by one (1 thread)', count, size, startedAt);
}

/**
 * Method 2: weigh the whole tub and divide by the weight of one M&M. Fast, but not exact: M&Ms
 * differ in weight. The total is summed on the workers; the sample is the first M&M of the tub.
 */
export async function countByWeighing(tub: Dataset<MM>, size: number): Promise<CountResult> {
  const startedAt = performance.now();
  const totalGrams = await tub.map((mm) => mm.weight).sum();
  const sample = await tub.first();
  const count = Math.round(totalGrams / sample.weight);
  return result(
    `weighing (${formatCount(Math.round(totalGrams))} g / ${sample.weight.toFixed(3)} g)`,
    count,
    size,
    startedAt,
  );
}

/**
 * Method 3: the driver splits the tub into chunks (partitions), each worker counts the chunks it is
 * handed (stage 1), and the driver adds the counts up.
 */
export async function countDistributed(
  tub: Dataset<MM>,
  size: number,
  workers: number,
): Promise<CountResult> {
  const startedAt = performance.now();
  const count = await tub.count();
  const method = `distributed (${tub.getNumPartitions()} chunks, ${workers} workers)`;
  return result(method, count, size, startedAt);
}

/** The number of M&Ms of each colour, most common first, and the job's lineage. */
export interface ColourCounts {
  readonly counts: readonly (readonly [colour: string, count: number])[];
  /** `toDebugString()` of the per-colour dataset: it shows the shuffle between the two stages. */
  readonly lineage: string;
  readonly ms: number;
}

/**
 * Counts each colour: each worker counts the colours of its chunks (map-side combine), the
 * counts are shuffled by colour, and each colour's counts are added up (stage 2).
 */
export async function countByColour(tub: Dataset<MM>): Promise<ColourCounts> {
  const startedAt = performance.now();
  const perColour = tub.map((mm): [string, number] => [mm.colour, 1]).reduceByKey((a, b) => a + b);
  const counts = (await perColour.collect()).sort(([, a], [, b]) => b - a);
  return { counts, lineage: perColour.toDebugString(), ms: performance.now() - startedAt };
}
