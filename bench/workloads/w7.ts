/**
 * W7 larger than memory: W2 on a file three times the workers' configured memory, with each
 * worker's peak RSS read from /proc after the runs.
 */
import { peaks } from '../procs.js';

/** The memory each worker is configured with; the file is 3 x workers x this. */
export const MEMORY_PER_WORKER_MIB = 128;
export const memoryPerWorker = `${MEMORY_PER_WORKER_MIB}m`;
/** A worker's peak RSS may exceed its configured memory by V8, code and buffers, not by data. */
export const RSS_BOUND_BYTES = 2 * MEMORY_PER_WORKER_MIB * 2 ** 20;

export { wordCount } from './w2.js';

export interface WorkerPeaks {
  notes: string[];
  problems: string[];
}

/** The peak RSS of each of the context's processes (its workers), checked against the bound. */
export async function workerPeaks(pids: number[]): Promise<WorkerPeaks> {
  const found = await peaks(pids);
  const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
  const notes = found.map(
    (p) => `pid ${p.pid} peak RSS ${mib(p.peakRssBytes)} (${p.command.slice(0, 60)})`,
  );
  const problems = found
    .filter((p) => p.peakRssBytes > RSS_BOUND_BYTES)
    .map((p) => `pid ${p.pid} peak RSS ${mib(p.peakRssBytes)} > ${mib(RSS_BOUND_BYTES)}`);
  if (found.length === 0) problems.push('no worker processes found under the bench process');
  return { notes, problems };
}
