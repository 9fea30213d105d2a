import {
  expectedShuffle,
  formatShuffle,
  type ShuffleResult,
  sameShuffle,
  shuffleResult,
  sumByKey,
} from '../baselines/sumByKey.js';
import { sumByKeyThreads } from '../baselines/threads.js';
import type { WorkloadSpec } from '../spec.js';
import { shuffle } from '../workloads/w3.js';
import { flint, plain, type SpecContext, skale, threads } from './common.js';

export async function w3Spec(ctx: SpecContext): Promise<WorkloadSpec<ShuffleResult>> {
  const n = ctx.sizes.shuffleN;
  return {
    id: 'W3',
    title: `shuffle: range(0, ${n}).map(x => [x % 100000, x]).reduceByKey(+), count and sum`,
    expected: expectedShuffle(n),
    same: sameShuffle,
    format: formatShuffle,
    impls: [
      flint(ctx, (sc) => shuffle(sc, n)),
      plain(ctx, () => shuffleResult(sumByKey(0, n))),
      threads(ctx, (pool) => sumByKeyThreads(pool, n)),
      ...skale<ShuffleResult>(ctx, async () => ({ workload: 'W3', n })),
    ],
  };
}
