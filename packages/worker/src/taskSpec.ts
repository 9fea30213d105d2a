/**
 * What a task is, as data. The driver cuts the lineage into stages; for each stage it sends every
 * worker one {@link StageSpec} (the tree of narrow operators to pipeline, and what to do with the
 * output), then launches tasks as small {@link TaskDescription}s that name a partition. A worker
 * knows no DAG: it evaluates the tree it is given.
 */
import type { FunctionSpec } from './closure/functionSpec.js';

/** How records with keys are assigned to reduce partitions. */
export type PartitionerSpec =
  | { readonly kind: 'hash'; readonly numPartitions: number }
  | {
      readonly kind: 'range';
      readonly numPartitions: number;
      /** Upper bounds (inclusive) of every partition but the last, in sort order. */
      readonly bounds: readonly unknown[];
      readonly ascending: boolean;
      /** Sort by this function of the key instead of the key itself (sortByKey's keyfunc). */
      readonly keyFn?: FunctionSpec;
    };

/**
 * Spark's Aggregator: how values of one key combine, on the map side and on the reduce side.
 * `createCombiner` may instead be a zero value: then each key starts from its own copy of the zero
 * and the first value merges into it (aggregateByKey, foldByKey).
 */
export interface AggregatorSpec {
  readonly createCombiner: FunctionSpec | { readonly zero: unknown };
  readonly mergeValue: FunctionSpec;
  readonly mergeCombiners: FunctionSpec;
}

/** A byte range of one file; a line belongs to the split in which it starts. */
export interface FileSplit {
  readonly path: string;
  readonly start: number;
  readonly end: number;
  /** Gzip files are read whole, by one task. */
  readonly compressed?: boolean;
}

/** Where the map outputs of one shuffle live, by map partition index. */
export interface ShuffleLocations {
  /** For every map partition: the block server address of the worker holding it. */
  readonly addresses: readonly string[];
  /** For every map partition: the size in bytes of each reduce partition's block (0 = empty). */
  readonly sizes: readonly (readonly number[])[];
}

/** One operator of a stage's pipeline; what it does with its parents' partitions. */
export type OperatorSpec =
  | { readonly kind: 'parallelize' }
  | {
      readonly kind: 'range';
      readonly start: number;
      readonly step: number;
      readonly count: number;
      readonly numPartitions: number;
    }
  | { readonly kind: 'textFile'; readonly splits: readonly FileSplit[] }
  | { readonly kind: 'empty' }
  | {
      readonly kind:
        | 'map'
        | 'filter'
        | 'flatMap'
        | 'mapPartitions'
        | 'mapPartitionsWithIndex'
        | 'keyBy'
        | 'mapValues'
        | 'flatMapValues';
      readonly fn: FunctionSpec;
    }
  | { readonly kind: 'glom' }
  | {
      readonly kind: 'shuffleRead';
      readonly shuffleId: number;
      readonly locations: ShuffleLocations;
      readonly aggregator?: AggregatorSpec;
      /** The map side already combined values into combiners (so merge combiners here). */
      readonly mapSideCombined?: boolean;
      /** Set when the reduce side must sort its partition by key (sortByKey). */
      readonly keyOrdering?: KeyOrdering;
    }
  | {
      readonly kind: 'union';
      /** Partition counts of each parent, in order: partition p maps into exactly one of them. */
      readonly parentPartitionCounts: readonly number[];
    }
  | {
      readonly kind: 'coalesce';
      /** For each output partition, the parent partitions it merges, in order. */
      readonly groups: readonly (readonly number[])[];
    }
  | { readonly kind: 'zip' }
  /** Groups the values of each key from every parent (same partitioning): `[k, [vs0, vs1, ...]]`. */
  | { readonly kind: 'cogroup' }
  /** Folds the whole partition into one element, from a copy of `zero` (treeAggregate's first level). */
  | { readonly kind: 'foldPartition'; readonly zero: unknown; readonly fn: FunctionSpec }
  /** Combines values by key within each partition (the data is already partitioned by key). */
  | { readonly kind: 'combineByKey'; readonly aggregator: AggregatorSpec }
  | { readonly kind: 'cartesian'; readonly rightPartitions: number };

/** How a sorted shuffle orders its keys. */
export interface KeyOrdering {
  readonly ascending: boolean;
  /** Compare this function of each key rather than the key itself. */
  readonly keyFn?: FunctionSpec;
}

/** A node of a stage's operator tree. `id` is the lineage node (dataset) it computes. */
export interface PipelineNode {
  readonly id: number;
  readonly op: OperatorSpec;
  readonly parents: readonly PipelineNode[];
  /** Keep computed partitions of this node in the block manager and reuse them. */
  readonly cache?: boolean;
}

/** What a result task computes from its partition and sends to the driver. */
export type ResultSpec =
  | { readonly kind: 'collect' }
  | { readonly kind: 'count' }
  | { readonly kind: 'take'; readonly n: number }
  | { readonly kind: 'fold'; readonly zero: unknown; readonly fn: FunctionSpec }
  | { readonly kind: 'reduce'; readonly fn: FunctionSpec }
  | { readonly kind: 'aggregate'; readonly zero: unknown; readonly seqOp: FunctionSpec }
  | { readonly kind: 'min' | 'max'; readonly keyFn?: FunctionSpec }
  /** The `n` smallest (ascending) or largest elements, by `keyFn` when given. */
  | {
      readonly kind: 'takeOrdered';
      readonly n: number;
      readonly ascending: boolean;
      readonly keyFn?: FunctionSpec;
    }
  /** count, mean, m2 (sum of squared deviations), min, max, sum: merged on the driver. */
  | { readonly kind: 'stats' }
  /** Counts per bucket; buckets are sorted edges, the last bucket closed. */
  | { readonly kind: 'histogram'; readonly buckets: readonly unknown[] }
  | { readonly kind: 'foreach'; readonly fn: FunctionSpec }
  /** Writes the partition as text lines to `dir/part-NNNNN`, through a temporary file. */
  | { readonly kind: 'saveAsTextFile'; readonly dir: string }
  /** A reservoir sample of keys (or of `keyFn(element)`) and the partition's size, for range bounds. */
  | {
      readonly kind: 'sampleKeys';
      readonly size: number;
      readonly seed: number;
      readonly keyFn?: FunctionSpec;
    }
  /** `(partition: Iterable, index: number) => value` for everything else. */
  | { readonly kind: 'partitionFunction'; readonly fn: FunctionSpec };

/** Where a stage's output goes: to shuffle files, or back to the driver. */
export type StageOutputSpec =
  | {
      readonly kind: 'shuffleWrite';
      readonly shuffleId: number;
      readonly partitioner: PartitionerSpec;
      /** Combine values by key before writing (reduceByKey and friends), as Spark does. */
      readonly mapSideCombine?: AggregatorSpec;
    }
  | { readonly kind: 'result'; readonly result: ResultSpec };

/** Everything a worker needs to run any task of one stage attempt. Sent once per worker. */
export interface StageSpec {
  /** Unique per stage attempt within an application. */
  readonly stageKey: string;
  readonly stageId: number;
  readonly root: PipelineNode;
  readonly output: StageOutputSpec;
}

/** One task: a partition of a stage. Small, so that launching it is cheap. */
export interface TaskDescription {
  readonly taskId: number;
  readonly stageKey: string;
  readonly partition: number;
  readonly attempt: number;
  /** Data of the `parallelize` partitions this task reads, by `${nodeId}:${partition}`. */
  readonly inputs?: Readonly<Record<string, readonly unknown[]>>;
}

/** What a finished task reports. */
export type TaskResult = (
  | { readonly kind: 'value'; readonly value: unknown }
  /** A map task's output: the byte size of each reduce partition's block. */
  | { readonly kind: 'mapStatus'; readonly sizes: readonly number[] }
) & {
  /** What the task added to accumulators, as `[id, amount]` pairs. */
  readonly accumulatorUpdates?: readonly (readonly [number, number])[];
};

/** Counters a task reports with its result. */
export interface TaskMetrics {
  readonly durationMs: number;
  readonly recordsRead: number;
  readonly recordsWritten: number;
  readonly shuffleBytesWritten: number;
  readonly shuffleBytesRead: number;
  /**
   * Bytes the task wrote to its worker's disk because its memory limit was reached: spilled
   * runs of buffers, aggregation maps and sorts, and fetched blocks. Absent from older workers.
   */
  readonly spilledBytes?: number;
}
