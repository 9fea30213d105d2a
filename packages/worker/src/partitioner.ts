/**
 * Spark's Partitioner: which reduce partition a key goes to. Hash partitioning spreads keys by
 * {@link hashKey}; range partitioning keeps sort order across partitions, so a sort can sort each
 * partition on its own and concatenate.
 */
import { hashKey } from './keys.js';
import { compareValues } from './ordering.js';
import type { TaskRuntime } from './pipeline.js';
import type { PartitionerSpec } from './taskSpec.js';

/** Maps a key to its partition index. */
export type PartitionFunction = (key: unknown) => number;

/** Builds the partition function a {@link PartitionerSpec} describes. */
export function createPartitionFunction(
  spec: PartitionerSpec,
  runtime?: Pick<TaskRuntime, 'fn'>,
): PartitionFunction {
  if (spec.kind === 'hash') {
    const n = spec.numPartitions;
    return n === 1 ? () => 0 : (key) => hashKey(key) % n;
  }
  const { bounds, ascending } = spec;
  const keyFn =
    spec.keyFn && runtime ? (runtime.fn(spec.keyFn) as (key: unknown) => unknown) : undefined;
  return (rawKey) => {
    const key = keyFn ? keyFn(rawKey) : rawKey;
    // First bound not below the key: binary search, as Spark's RangePartitioner does.
    let low = 0;
    let high = bounds.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareValues(bounds[middle], key) < 0) low = middle + 1;
      else high = middle;
    }
    return ascending ? low : bounds.length - low;
  };
}
