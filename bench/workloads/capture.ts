/**
 * The capture workload's Flint side, public API only: W5's tiny job with a map whose function
 * uses a helper, an object and a constant, captured automatically (at the call and again at each
 * job's submission) or given explicitly; and the same job with a function that uses nothing.
 */
import { type TinyJobResult, timeJobs, tinyJobData } from '../baselines/tinyJob.js';
import type { FlintContext } from './flint.js';

const k = 3;
const table = { offset: 1, names: ['a', 'b'] };
function scale(x: number): number {
  return x * k;
}

/** How the job's function gets what it uses. */
export type CaptureVariant = 'auto' | 'explicit' | 'none';

/** `data` in 8 partitions, mapped by the function of `variant`. */
function mapped(sc: FlintContext, data: number[], variant: CaptureVariant) {
  const ds = sc.parallelize(data, 8);
  switch (variant) {
    case 'auto':
      return ds.map((x) => scale(x) + table.offset);
    case 'explicit':
      return ds.map((x) => scale(x) + table.offset, { scale, table, k });
    case 'none':
      return ds.map((x) => x * 3 + 1);
  }
}

/**
 * The driver's CPU time per `parallelize(...).map(fn)`, where capture happens, in ms: a fresh
 * closure each call, as a call site in a loop makes one. No job runs.
 */
export function mapCallMs(sc: FlintContext, variant: CaptureVariant, calls: number): number {
  const data = tinyJobData();
  mapped(sc, data, variant);
  // CPU time rather than wall time: the machine may be loaded by other processes.
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) mapped(sc, data, variant);
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000 / calls;
}

/** W5's result, and the driver's CPU time per job. */
export interface CapturingJobsResult extends TinyJobResult {
  driverCpuMs: number;
}

/** `jobs` sequential tiny jobs; each counts the 1000 mapped elements. */
export async function capturingJobs(
  sc: FlintContext,
  jobs: number,
  variant: CaptureVariant,
): Promise<CapturingJobsResult> {
  const data = tinyJobData();
  const start = process.cpuUsage();
  const result = await timeJobs(jobs, () => mapped(sc, data, variant).count());
  const { user, system } = process.cpuUsage(start);
  return { ...result, driverCpuMs: (user + system) / 1000 / jobs };
}
