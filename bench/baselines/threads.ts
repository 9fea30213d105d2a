/** The worker_thread baselines: split the work evenly, one part per thread, merge on main. */
import { type ByteRange, lineRanges } from '../lineRanges.js';
import { mergeSums, type ShuffleResult, shuffleResult } from './sumByKey.js';
import type { ThreadPool } from './threadPool.js';
import { mergeCounts, type WordStats, wordStats } from './wordCount.js';

/** [start, end) cut into `parts` contiguous slices of about equal length. */
function slices(start: number, end: number, parts: number): ByteRange[] {
  const length = end - start;
  return Array.from({ length: parts }, (_, i) => ({
    start: start + Math.floor((length * i) / parts),
    end: start + Math.floor((length * (i + 1)) / parts),
  }));
}

/** W1 on every thread. */
export async function narrowThreads(pool: ThreadPool, n: number): Promise<number> {
  const tasks = slices(0, n, pool.size).map((s) => ({ type: 'narrow' as const, ...s }));
  const counts = await pool.run(tasks);
  return counts.reduce((a, b) => a + b, 0);
}

/** W2 on every thread: the file cut by byte ranges at line boundaries. */
export async function wordCountThreads(pool: ThreadPool, path: string): Promise<WordStats> {
  const ranges = await lineRanges(path, pool.size);
  const parts = await pool.run(
    ranges.map((range) => ({ type: 'wordCount' as const, path, range })),
  );
  const [first = new Map<string, number>(), ...rest] = parts;
  for (const part of rest) mergeCounts(first, part);
  return wordStats(first);
}

/** W3 on every thread: each reduces its slice of the range, main merges the partial sums. */
export async function sumByKeyThreads(pool: ThreadPool, n: number): Promise<ShuffleResult> {
  const tasks = slices(0, n, pool.size).map((s) => ({ type: 'sumByKey' as const, ...s }));
  const parts = await pool.run(tasks);
  const [first = new Map<number, number>(), ...rest] = parts;
  for (const part of rest) mergeSums(first, part);
  return shuffleResult(first);
}
