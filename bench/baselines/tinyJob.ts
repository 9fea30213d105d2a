/** W5 by hand: each "job" counts a 1000-element array; the latencies show the floor of a job. */
import { percentile } from '../measure.js';

/** The count of the last job and the latency percentiles over all jobs, in ms. */
export interface TinyJobResult {
  count: number;
  p50: number;
  p99: number;
}

/** The W5 data: [1..1000]. */
export function tinyJobData(): number[] {
  return Array.from({ length: 1000 }, (_, i) => i + 1);
}

/** Times `jobs` sequential runs of `job`; every job must return the same count. */
export async function timeJobs(
  jobs: number,
  job: () => Promise<number> | number,
): Promise<TinyJobResult> {
  const latencies: number[] = [];
  let count = Number.NaN;
  for (let i = 0; i < jobs; i++) {
    const start = performance.now();
    const value = await job();
    latencies.push(performance.now() - start);
    // A job that disagrees with the others makes the whole result wrong.
    count = i === 0 || value === count ? value : Number.NaN;
  }
  return { count, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** The plain W5: a counting loop per job. */
export function tinyJobPlain(jobs: number): Promise<TinyJobResult> {
  const data = tinyJobData();
  return timeJobs(jobs, () => {
    let count = 0;
    for (let i = 0; i < data.length; i++) count++;
    return count;
  });
}
