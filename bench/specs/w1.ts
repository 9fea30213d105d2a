import { countNarrow, expectedNarrow } from '../baselines/narrow.js';
import { narrowThreads } from '../baselines/threads.js';
import type { WorkloadSpec } from '../spec.js';
import { narrow } from '../workloads/w1.js';
import { flint, plain, type SpecContext, skale, threads } from './common.js';

export async function w1Spec(ctx: SpecContext): Promise<WorkloadSpec<number>> {
  const n = ctx.sizes.narrowN;
  return {
    id: 'W1',
    title: `narrow: range(0, ${n}).map(x => x * 2).filter(x => x % 3 === 0).count()`,
    expected: expectedNarrow(n),
    same: (a, b) => a === b,
    format: String,
    impls: [
      flint(ctx, (sc) => narrow(sc, n)),
      plain(ctx, () => countNarrow(0, n)),
      threads(ctx, (pool) => narrowThreads(pool, n)),
      ...skale<number>(ctx, async () => ({ workload: 'W1', n })),
    ],
  };
}
