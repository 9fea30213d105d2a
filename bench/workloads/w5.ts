/** W5 tiny job: the latency of a trivial job on a warm context, p50 and p99 over many jobs. */
import { type TinyJobResult, timeJobs, tinyJobData } from '../baselines/tinyJob.js';
import type { FlintContext } from './flint.js';

export function tinyJobs(sc: FlintContext, jobs: number): Promise<TinyJobResult> {
  const data = tinyJobData();
  return timeJobs(jobs, () => sc.parallelize(data, 8).count());
}
