import { measureCaptureCost } from '../../packages/rdd/bench/capture.bench.js';
import type { TinyJobResult } from '../baselines/tinyJob.js';
import { formatMs, median, repeat } from '../measure.js';
import type { Impl, WorkloadSpec } from '../spec.js';
import { type CaptureVariant, capturingJobs, mapCallMs } from '../workloads/capture.js';
import { flintMeasured, type SpecContext } from './common.js';

/** Runs report their p50 as the time, so medians and ratios compare p50s (as W5). */
function asP50(result: TinyJobResult): { ms: number; result: TinyJobResult } {
  return { ms: result.p50, result };
}

/**
 * What automatic capture costs: per function on the driver (in the notes), and per job, as the
 * p50 of a tiny job whose function captures automatically (the Flint row) against the same job
 * with an explicit env and with a function that uses nothing (the rows it is compared with).
 */
export async function captureSpec(ctx: SpecContext): Promise<WorkloadSpec<TinyJobResult>> {
  const jobs = ctx.sizes.tinyJobs;
  const { quick } = ctx.config;
  ctx.log('CAPTURE capture cost per function…');
  // Measured before any context exists, so the first captures pay for the inspector session.
  const costs = measureCaptureCost(quick ? 100 : 2000);
  const variant = (
    name: string,
    which: CaptureVariant,
    capture: 'auto' | 'explicit',
  ): Impl<TinyJobResult> => {
    const impl = flintMeasured(
      ctx,
      async (sc) => {
        const cpu: number[] = [];
        const samples = await repeat(ctx.config, async () => {
          const result = await capturingJobs(sc, jobs, which);
          cpu.push(result.driverCpuMs);
          return asP50(result);
        });
        const callMs = mapCallMs(sc, which, quick ? 100 : 2000);
        return {
          samples,
          notes: [
            `driver CPU per job ${formatMs(median(cpu))}, per map(fn) call (capture included) ` +
              formatMs(callMs),
          ],
        };
      },
      { capture },
    );
    return which === 'auto' ? { ...impl, name } : { ...impl, name, role: 'baseline' };
  };
  return {
    id: 'CAPTURE',
    title:
      `capture: parallelize([1..1000], 8).map(fn).count() ${jobs} times on a warm context, ` +
      'fn using a helper, an object and a const',
    timeLabel: `p50 latency over ${jobs} jobs, median of the runs`,
    expected: { count: 1000, p50: 0, p99: 0 },
    same: (a, b) => a.count === b.count,
    format: (r) => `${r.count} (p50 ${formatMs(r.p50)}, p99 ${formatMs(r.p99)})`,
    impls: [
      variant('flint, captured automatically', 'auto', 'auto'),
      variant("flint, explicit env (capture: 'explicit')", 'explicit', 'explicit'),
      variant('flint, fn using nothing', 'none', 'auto'),
    ],
    summarize: (medians) => {
      const auto = medians.get('flint, captured automatically');
      const explicit = medians.get("flint, explicit env (capture: 'explicit')");
      const lines = costs.map(
        (cost) =>
          `capture of one function (driver CPU), ${cost.case}: ${formatMs(cost.steadyMs)}` +
          (cost.firstMs === undefined ? '' : ` (first in the process ${formatMs(cost.firstMs)})`),
      );
      if (auto !== undefined && explicit !== undefined) {
        lines.push(
          `automatic capture adds ${formatMs(auto - explicit)} to the p50 of a job ` +
            '(it captures at the map() call and again at submission; on a loaded machine the ' +
            'job rows vary by more than that, the map() call notes do not)',
        );
      }
      return lines;
    },
  };
}
