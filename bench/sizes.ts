/** Data sizes per workload: WORKLOADS.md's defaults, or tiny ones for the --quick smoke test. */
import { MEMORY_PER_WORKER_MIB } from './workloads/w7.js';

export interface Sizes {
  /** W1 range end. */
  narrowN: number;
  /** W2 words.txt bytes. */
  wordsBytes: number;
  /** W3 range end. */
  shuffleN: number;
  /** W4 range end. */
  sortN: number;
  /** W5 jobs per run. */
  tinyJobs: number;
  /** W6 tasks (and elements). */
  manyTasks: number;
  /** W7 file bytes. */
  largerThanMemoryBytes: number;
  /** W8 bytes at 1x. */
  scalingBaseBytes: number;
}

/** `scale` multiplies data sizes (not job or task counts), for trying the bench on less data. */
export function sizesFor(quick: boolean, workers: number, scale: number): Sizes {
  const data = (n: number): number => Math.max(1, Math.round(n * scale));
  if (quick) {
    return {
      narrowN: data(1e6),
      wordsBytes: data(2e6),
      shuffleN: data(1e6),
      sortN: data(1e5),
      tinyJobs: 20,
      manyTasks: 100,
      largerThanMemoryBytes: data(3e6),
      scalingBaseBytes: data(1e6),
    };
  }
  return {
    narrowN: data(1e9),
    wordsBytes: data(200e6),
    shuffleN: data(1e7),
    sortN: data(5e6),
    tinyJobs: 200,
    manyTasks: 2000,
    largerThanMemoryBytes: data(3 * workers * MEMORY_PER_WORKER_MIB * 2 ** 20),
    scalingBaseBytes: data(200e6),
  };
}
