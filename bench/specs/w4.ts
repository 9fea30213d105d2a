import { sameNumbers, sortHashed as sortHashedPlain } from '../baselines/sortHashed.js';
import type { WorkloadSpec } from '../spec.js';
import { sortHashed } from '../workloads/w4.js';
import { flint, plain, type SpecContext } from './common.js';

export async function w4Spec(ctx: SpecContext): Promise<WorkloadSpec<number[]>> {
  const n = ctx.sizes.sortN;
  return {
    id: 'W4',
    title: `sort: range(0, ${n}).map(x => Math.imul(x, 0x9E3779B1) >>> 0).sortBy(x => x, true, 4).take(5)`,
    same: sameNumbers,
    format: (values) => `[${values.join(', ')}]`,
    impls: [flint(ctx, (sc) => sortHashed(sc, n)), plain(ctx, () => sortHashedPlain(n))],
  };
}
