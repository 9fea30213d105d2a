/**
 * What a workload is to the harness: implementations to measure and how to check their results.
 * The Flint implementation comes first; every other one is a baseline it is compared with.
 */
import type { Sample } from './measure.js';

/** Thrown by an optional peer (skale) that cannot run here: reported, never a failure. */
export class Unavailable extends Error {
  override readonly name = 'Unavailable';
}

/** What measuring one implementation produced. */
export interface Measured<R> {
  /** Start-up reported on its own line (context, threads), never part of the samples. */
  startup?: { label: string; ms: number };
  samples: Sample<R>[];
  /** Extra lines printed under the table (e.g. peak RSS per worker). */
  notes?: string[];
  /** Reasons this implementation fails besides a wrong result (e.g. unbounded RSS). */
  problems?: string[];
}

export interface Impl<R> {
  name: string;
  /** `plain` supplies the expected result when the workload has no fixed one. */
  role: 'flint' | 'plain' | 'baseline';
  /** Rows compare with the Flint row of the same group (W8 uses 1x, 2x, 4x). */
  group?: string;
  run(): Promise<Measured<R>>;
}

export interface WorkloadSpec<R> {
  id: string;
  title: string;
  /** What the time column means when it is not the action's duration. */
  timeLabel?: string;
  /** The fixed answer where WORKLOADS.md gives one; otherwise the plain baseline's result. */
  expected?: R;
  same(a: R, b: R): boolean;
  format(result: R): string;
  impls: Impl<R>[];
  /** Lines computed from all medians, by implementation name (W8's scaling ratios). */
  summarize?(medians: Map<string, number>): string[];
}
