/**
 * The lineage graph as the scheduler sees it: nodes (datasets) with their partition counts, the
 * operator that computes each from its parents, and whether each dependency is narrow (pipelined
 * within a stage) or a shuffle (a stage boundary). The user-facing Dataset API builds these.
 *
 * Invariant: a node has a shuffle dependency exactly when its operator is `shuffleRead`, and then
 * that is its only dependency.
 */
import type { AggregatorSpec, OperatorSpec, PartitionerSpec } from '@flint/worker';

/** A node's operator; a shuffle read's block locations are filled in when its stage runs. */
export type NodeOperator =
  | Exclude<OperatorSpec, { kind: 'shuffleRead' }>
  | { readonly kind: 'shuffleRead' };

/** A child partition reads one or a few parent partitions, on the same worker: no shuffle. */
export interface NarrowDependency {
  readonly kind: 'narrow';
  readonly parent: LineageNode;
}

/** Every child partition may read every parent partition: records move between workers by key. */
export interface ShuffleDependency {
  readonly kind: 'shuffle';
  readonly parent: LineageNode;
  readonly shuffleId: number;
  readonly partitioner: PartitionerSpec;
  readonly aggregator?: AggregatorSpec;
  /** Combine on the map side before writing (reduceByKey: yes; groupByKey: no, as in Spark). */
  readonly mapSideCombine: boolean;
  readonly keyOrdering?: { readonly ascending: boolean };
}

export type Dependency = NarrowDependency | ShuffleDependency;

/** One dataset in the lineage graph. */
export interface LineageNode {
  readonly id: number;
  /** Spark's class-like name, for toDebugString and the UI (e.g. 'MapPartitionsRDD'). */
  readonly name: string;
  /** Where the user created it, e.g. 'map at app.ts:12'. */
  readonly callSite: string;
  readonly numPartitions: number;
  readonly op: NodeOperator;
  readonly dependencies: readonly Dependency[];
  /** Set when the records are known to be partitioned this way (after partitionBy, reduceByKey). */
  readonly partitioner?: PartitionerSpec;
  /** `parallelize` slices, one per partition; they stay on the driver and travel with tasks. */
  readonly slices?: readonly (readonly unknown[])[];
  /** Whether computed partitions are kept on the workers (cache/persist). */
  readonly cached: boolean;
}

/**
 * The lineage as Spark's `toDebugString` prints it (the same algorithm): a shuffle dependency
 * starts a new stage, drawn as `+-(n)` one level in; `|` continues a stage.
 */
export function toDebugString(node: LineageNode): string {
  return debugLines(node, '', true, false).join('\n');
}

function describe(node: LineageNode): string {
  return `${node.name}[${node.id}] at ${node.callSite}${node.cached ? ' [cached]' : ''}`;
}

function debugLines(
  node: LineageNode,
  prefix: string,
  isShuffle: boolean,
  isLastChild: boolean,
): string[] {
  const partitions = `(${node.numPartitions})`;
  const leftOffset = Math.floor((partitions.length - 1) / 2);
  const stagePrefix = `${' '.repeat(leftOffset)}|${' '.repeat(partitions.length - leftOffset)}`;
  if (prefix === '') return [`${partitions} ${describe(node)}`, ...childLines(node, stagePrefix)];
  if (isShuffle) {
    const thisPrefix = prefix.replace(/\|\s+$/, '');
    const nextPrefix = `${thisPrefix}${isLastChild ? '  ' : '| '}${stagePrefix}`;
    return [`${thisPrefix}+-${partitions} ${describe(node)}`, ...childLines(node, nextPrefix)];
  }
  return [`${prefix}${describe(node)}`, ...childLines(node, prefix)];
}

function childLines(node: LineageNode, prefix: string): string[] {
  const count = node.dependencies.length;
  return node.dependencies.flatMap((dependency, index) =>
    debugLines(dependency.parent, prefix, dependency.kind === 'shuffle', index === count - 1),
  );
}
