/** Builders for the implementations every workload spec lists: Flint, plain, threads, skale. */
import { startThreadPool, type ThreadPool } from '../baselines/threadPool.js';
import type { BenchConfig } from '../cli.js';
import { repeat, timed } from '../measure.js';
import type { Sizes } from '../sizes.js';
import { runSkale, type SkaleWorkload } from '../skale/runSkale.js';
import { type Impl, type Measured, Unavailable } from '../spec.js';
import {
  type FlintContext,
  type FlintOptions,
  type FlintRun,
  measureOnFlint,
} from '../workloads/flint.js';

/** What every spec is built from. */
export interface SpecContext {
  config: BenchConfig;
  sizes: Sizes;
  /** Progress lines, on stderr. */
  log: (line: string) => void;
}

/** Flint measured by `measure` on a fresh, warm context; a placeholder row with --no-flint. */
export function flintMeasured<R>(
  { config }: SpecContext,
  measure: (sc: FlintContext, run: FlintRun) => Promise<Measured<R>>,
  options: Partial<FlintOptions> = {},
  group?: string,
): Impl<R> {
  const name = group === undefined ? 'flint' : `flint ${group}`;
  const run = config.flint
    ? () =>
        measureOnFlint(
          { workers: config.workers, progress: false, ...options },
          config.timeoutMs,
          measure,
        )
    : () => Promise.reject(new Unavailable('not run (--no-flint)'));
  return { name, role: 'flint', group, run };
}

/** Flint timing `action` over the configured number of runs. */
export function flint<R>(
  ctx: SpecContext,
  action: (sc: FlintContext) => Promise<R>,
  options: Partial<FlintOptions> = {},
  group?: string,
): Impl<R> {
  const measure = async (sc: FlintContext): Promise<Measured<R>> => ({
    samples: await repeat(ctx.config, () => timed(() => action(sc))),
  });
  return flintMeasured(ctx, measure, options, group);
}

/** The plain single-thread baseline; its result is the expected one where no number is fixed. */
export function plain<R>(
  { config }: SpecContext,
  compute: () => Promise<R> | R,
  group?: string,
): Impl<R> {
  return {
    name: group === undefined ? 'plain (1 thread)' : `plain ${group}`,
    role: 'plain',
    group,
    run: async () => ({ samples: await repeat(config, () => timed(compute)) }),
  };
}

/** One worker_thread per core, started once; start-up reported apart from compute. */
export function threads<R>(
  { config }: SpecContext,
  compute: (pool: ThreadPool) => Promise<R>,
): Impl<R> {
  return {
    name: `threads (${config.threads})`,
    role: 'baseline',
    run: async () => {
      const pool = await startThreadPool(config.threads);
      try {
        const samples = await repeat(config, () => timed(() => compute(pool)));
        return { startup: { label: 'threads start-up', ms: pool.startupMs }, samples };
      } finally {
        await pool.close();
      }
    },
  };
}

/** skale with Flint's worker count, unless skipped (--quick, --no-skale, CI). */
export function skale<R>(
  { config, log }: SpecContext,
  workload: () => Promise<SkaleWorkload>,
): Impl<R>[] {
  if (config.skaleSkipped !== undefined) return [];
  return [
    {
      name: `skale (${config.workers} workers)`,
      role: 'baseline',
      run: async () =>
        runSkale<R>(await workload(), {
          workers: config.workers,
          runs: config.runs,
          warmup: config.warmup,
          timeoutMs: config.timeoutMs,
          log,
        }),
    },
  ];
}
