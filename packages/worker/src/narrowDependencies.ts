/**
 * How a partition of a node maps onto its parents' partitions, for every narrow operator. The
 * scheduler uses it to find what a task reads (its `parallelize` inputs, its cached blocks), the
 * worker to evaluate the pipeline; both must agree, so it lives here once.
 */
import type { OperatorSpec } from './taskSpec.js';

/** For each parent of an operator, the parent partitions that `partition` reads, in order. */
export function parentPartitions(
  op: OperatorSpec,
  partition: number,
  parentCount: number,
): number[][] {
  switch (op.kind) {
    case 'union': {
      const result: number[][] = op.parentPartitionCounts.map(() => []);
      let offset = 0;
      for (let parent = 0; parent < op.parentPartitionCounts.length; parent++) {
        const count = op.parentPartitionCounts[parent] ?? 0;
        if (partition < offset + count) {
          result[parent] = [partition - offset];
          break;
        }
        offset += count;
      }
      return result;
    }
    case 'coalesce':
      return [[...(op.groups[partition] ?? [])]];
    case 'cartesian':
      return [[Math.floor(partition / op.rightPartitions)], [partition % op.rightPartitions]];
    default:
      return Array.from({ length: parentCount }, () => [partition]);
  }
}
