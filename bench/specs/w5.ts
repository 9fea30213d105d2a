import { type TinyJobResult, tinyJobPlain } from '../baselines/tinyJob.js';
import { formatMs, repeat } from '../measure.js';
import type { WorkloadSpec } from '../spec.js';
import { tinyJobs } from '../workloads/w5.js';
import { flintMeasured, type SpecContext, skale } from './common.js';

/** Runs of W5 report their p50 as the time, so medians and ratios compare p50s. */
function asP50(result: TinyJobResult): { ms: number; result: TinyJobResult } {
  return { ms: result.p50, result };
}

export async function w5Spec(ctx: SpecContext): Promise<WorkloadSpec<TinyJobResult>> {
  const jobs = ctx.sizes.tinyJobs;
  return {
    id: 'W5',
    title: `tiny job: parallelize([1..1000], 8).count() ${jobs} times on a warm context`,
    timeLabel: `p50 latency over ${jobs} jobs, median of the runs`,
    expected: { count: 1000, p50: 0, p99: 0 },
    same: (a, b) => a.count === b.count,
    format: (r) => `${r.count} (p50 ${formatMs(r.p50)}, p99 ${formatMs(r.p99)})`,
    impls: [
      flintMeasured(ctx, async (sc) => ({
        samples: await repeat(ctx.config, async () => asP50(await tinyJobs(sc, jobs))),
      })),
      {
        name: 'plain (1 thread)',
        role: 'plain',
        run: async () => ({
          samples: await repeat(ctx.config, async () => asP50(await tinyJobPlain(jobs))),
        }),
      },
      ...skale<TinyJobResult>(ctx, async () => ({ workload: 'W5', jobs })),
    ],
  };
}
