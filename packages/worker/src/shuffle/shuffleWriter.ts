/**
 * The map side of a shuffle: records are split by key into one bucket per reduce partition,
 * optionally combined by key first (map-side combine, as Spark does for reduceByKey), and each
 * bucket is encoded into one block.
 */
import { compileAggregator } from '../aggregation.js';
import { encodeRecords } from '../codec.js';
import { KeyMap } from '../keys.js';
import { createPartitionFunction } from '../partitioner.js';
import type { TaskRuntime } from '../pipeline.js';
import { assertPair, type RecordSink } from '../recordSink.js';
import type { StageOutputSpec } from '../taskSpec.js';

type ShuffleWrite = Extract<StageOutputSpec, { kind: 'shuffleWrite' }>;

/** A map task's output: one encoded block per reduce partition. */
export interface MapOutput {
  readonly blocks: Uint8Array[];
  readonly recordsWritten: number;
}

/** A sink that partitions (and maybe combines) a map task's records. */
export function createShuffleSink(
  output: ShuffleWrite,
  runtime: TaskRuntime,
): RecordSink<MapOutput> {
  const partitionOf = createPartitionFunction(output.partitioner, runtime);
  const n = output.partitioner.numPartitions;
  const operation = 'A shuffle (reduceByKey, groupByKey, join, partitionBy, ...)';
  const combine = output.mapSideCombine;
  if (combine) {
    const { createCombiner, mergeValue } = compileAggregator(combine, runtime);
    const buckets = Array.from({ length: n }, () => new KeyMap<unknown>());
    return {
      add(record) {
        assertPair(record, operation);
        const [key, value] = record;
        const bucket = buckets[partitionOf(key)] as KeyMap<unknown>;
        const combiner = bucket.get(key);
        bucket.set(
          key,
          combiner === undefined && !bucket.has(key)
            ? createCombiner(value)
            : mergeValue(combiner, value),
        );
        return true;
      },
      finish() {
        let recordsWritten = 0;
        const blocks = buckets.map((bucket) => {
          recordsWritten += bucket.size;
          return bucket.size === 0 ? EMPTY : encodeRecords(Array.from(bucket.entries()));
        });
        return { blocks, recordsWritten };
      },
    };
  }
  const buckets: unknown[][] = Array.from({ length: n }, () => []);
  return {
    add(record) {
      assertPair(record, operation);
      (buckets[partitionOf(record[0])] as unknown[]).push(record);
      return true;
    },
    finish() {
      let recordsWritten = 0;
      const blocks = buckets.map((bucket) => {
        recordsWritten += bucket.length;
        return bucket.length === 0 ? EMPTY : encodeRecords(bucket);
      });
      return { blocks, recordsWritten };
    },
  };
}

const EMPTY = new Uint8Array(0);
