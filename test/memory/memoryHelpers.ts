/**
 * Helpers of the memory tests: the spill directories of a context's workers, the bytes its tasks
 * spilled (from their metrics), and a reading of per-partition counters packed in one accumulator.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { SchedulerEvent } from '@flint/rdd';

/** The spill directories (`flint-worker-<pid>-*` under the temp dir) of these worker PIDs. */
export function spillDirsOf(pids: readonly number[]): string[] {
  const prefixes = pids.map((pid) => `flint-worker-${pid}-`);
  return readdirSync(tmpdir()).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
}

/** Bytes spilled by the tasks of the jobs that started after `mark` (an index into `events`). */
export function spilledBytesSince(events: readonly SchedulerEvent[], mark: number): number {
  let bytes = 0;
  for (const event of events.slice(mark))
    if (event.type === 'taskEnd') bytes += event.metrics?.spilledBytes ?? 0;
  return bytes;
}

/**
 * Per-partition counts from an accumulator to which partition `i` adds `16 ** i` each time it is
 * computed (up to 15 times per partition): the partitions computed, with how often.
 */
export function partitionCounts(delta: number, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, i) => Math.floor(delta / 16 ** i) % 16);
}
