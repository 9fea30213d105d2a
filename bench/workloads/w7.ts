/**
 * W7 larger than memory: W2 on a file three times the workers' configured memory, with each
 * worker's peak RSS read from /proc after the runs and checked against its memory limit plus a
 * stated overhead, and the bytes the tasks spilled to disk (from their metrics).
 */
import { peaks } from '../procs.js';
import type { FlintContext } from './flint.js';

/** The memory each worker is configured with; the file is 3 x workers x this. */
export const MEMORY_PER_WORKER_MIB = 128;
export const memoryPerWorker = `${MEMORY_PER_WORKER_MIB}m`;
/**
 * What a worker process holds besides the data its limit covers: Node and V8 themselves, the
 * engine's code (compiled from TypeScript by tsx when run from source), socket and file buffers,
 * and garbage not yet collected. An idle worker run from source is about 100 MiB.
 */
export const RSS_OVERHEAD_MIB = 128;
/** A worker's peak RSS may exceed its configured memory by the overhead, not by data. */
export const RSS_BOUND_BYTES = (MEMORY_PER_WORKER_MIB + RSS_OVERHEAD_MIB) * 2 ** 20;

export { wordCount } from './w2.js';

export interface WorkerPeaks {
  notes: string[];
  problems: string[];
}

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/** Counts the bytes the context's tasks spill to disk, from their metrics. */
export function countSpills(sc: FlintContext): { readonly bytes: number; stop(): void } {
  let bytes = 0;
  const stop = sc.addListener((event) => {
    if (event.type === 'taskEnd') bytes += event.metrics?.spilledBytes ?? 0;
  });
  return {
    get bytes() {
      return bytes;
    },
    stop,
  };
}

/**
 * The peak RSS of each of the context's processes (its workers) against its limit and the
 * bound, and what the runs spilled.
 */
export async function workerPeaks(pids: number[], spilledBytes: number): Promise<WorkerPeaks> {
  // The context's processes are its workers, and whatever else started meanwhile (tsx's esbuild).
  const found = (await peaks(pids)).filter((p) => /\bworker\b.*--driver/.test(p.command));
  const notes = found.map(
    (p) =>
      `worker pid ${p.pid}: peak RSS ${mib(p.peakRssBytes)} vs memory limit ${memoryPerWorker} ` +
      `(bound: limit + ${RSS_OVERHEAD_MIB} MiB overhead = ${mib(RSS_BOUND_BYTES)})`,
  );
  notes.push(`tasks spilled ${mib(spilledBytes)} to the workers' disks over all runs`);
  const problems = found
    .filter((p) => p.peakRssBytes > RSS_BOUND_BYTES)
    .map((p) => `pid ${p.pid} peak RSS ${mib(p.peakRssBytes)} > ${mib(RSS_BOUND_BYTES)}`);
  if (found.length === 0) problems.push('no worker processes found under the bench process');
  return { notes, problems };
}
