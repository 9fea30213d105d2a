/**
 * The map side of a shuffle: records are split by key into one bucket per reduce partition,
 * optionally combined by key first (map-side combine, as Spark does for reduceByKey), and each
 * bucket becomes one block of frames.
 *
 * Within the task's execution memory the buckets stay in memory and the blocks are kept in
 * memory. Past it, the buckets spill to disk, as in Spark's ExternalSorter: plain records as
 * they are (a block is then its pieces from every spill, in order), combined buckets as runs
 * sorted by key hash, which `finish` merges so that each key appears once per map output. A map
 * output that spilled is written to disk whole and served from there.
 */
import { type Aggregator, compileAggregator } from '../aggregation.js';
import type { MapOutputData } from '../blockManager.js';
import { KeyMap } from '../keys.js';
import { createPartitionFunction } from '../partitioner.js';
import type { TaskRuntime } from '../pipeline.js';
import { encodeBlock, type FileSegment, recordsOf } from '../recordFrames.js';
import { assertPair, type RecordSink } from '../recordSink.js';
import {
  CombinerSizeTracker,
  estimateKeySize,
  estimateSize,
  SizeTracker,
} from '../sizeEstimator.js';
import { hashOrder, mergeByHash, pairsInOrder } from '../spill/mergeRuns.js';
import { Spillable } from '../spill/spillable.js';
import type { TaskMemoryManager } from '../taskMemoryManager.js';
import type { StageOutputSpec } from '../taskSpec.js';

type ShuffleWrite = Extract<StageOutputSpec, { kind: 'shuffleWrite' }>;

/** A map task's output: a block per reduce partition, in memory or on disk. */
export interface MapOutput {
  readonly output: MapOutputData;
  readonly recordsWritten: number;
}

const OPERATION = 'A shuffle (reduceByKey, groupByKey, join, partitionBy, ...)';

/** A sink that partitions (and maybe combines) a map task's records. */
export function createShuffleSink(
  output: ShuffleWrite,
  runtime: TaskRuntime,
): RecordSink<MapOutput> {
  const partitionOf = createPartitionFunction(output.partitioner, runtime);
  const n = output.partitioner.numPartitions;
  if (output.mapSideCombine) {
    const aggregator = compileAggregator(output.mapSideCombine, runtime);
    return new CombiningBuckets(n, partitionOf, aggregator, runtime.task);
  }
  return new RecordBuckets(n, partitionOf, runtime.task);
}

/** One spill of all buckets: a file with a segment per reduce partition. */
interface SpillFile {
  readonly path: string;
  readonly segments: readonly FileSegment[];
}

/** Buckets of plain records; a spill writes them as they are, in arrival order. */
class RecordBuckets extends Spillable implements RecordSink<MapOutput> {
  #buckets: unknown[][];
  readonly #size = new SizeTracker();
  readonly #spills: SpillFile[] = [];
  #recordsWritten = 0;

  constructor(
    private readonly n: number,
    private readonly partitionOf: (key: unknown) => number,
    task: TaskMemoryManager,
  ) {
    super(task);
    this.#buckets = emptyBuckets(n);
  }

  add(record: unknown): boolean {
    assertPair(record, OPERATION);
    (this.#buckets[this.partitionOf(record[0])] as unknown[]).push(record);
    this.#size.add(record);
    this.#recordsWritten++;
    this.maybeSpill();
    return true;
  }

  finish(): MapOutput {
    const recordsWritten = this.#recordsWritten;
    if (this.#spills.length === 0) {
      const blocks = this.#buckets.map((bucket) =>
        bucket.length === 0 ? EMPTY : encodeBlock(bucket),
      );
      return { output: { kind: 'memory', blocks }, recordsWritten };
    }
    // The rest joins the spilled pieces on disk, so the whole output is served from there.
    if (this.#size.count > 0) this.#writeBuckets(false);
    const files = this.#spills.map((spill) => spill.path);
    for (const file of files) this.task.keepFile(file);
    const segments = Array.from({ length: this.n }, (_, reduceId) =>
      this.#spills.flatMap((spill) => {
        const segment = spill.segments[reduceId] as FileSegment;
        return segment.length > 0 ? [segment] : [];
      }),
    );
    return { output: { kind: 'disk', files, segments }, recordsWritten };
  }

  protected get estimatedBytes(): number {
    return this.#size.bytes;
  }

  protected spill(): void {
    this.#writeBuckets(true);
  }

  #writeBuckets(isSpill: boolean): void {
    const writer = this.task.createSpillFile('shuffle');
    const segments = this.#buckets.map((bucket) => {
      for (const record of bucket) writer.append(record);
      return writer.endSegment();
    });
    writer.close();
    if (isSpill) this.task.addSpilledBytes(writer.bytesWritten);
    this.#spills.push({ path: writer.path, segments });
    this.#buckets = emptyBuckets(this.n);
    this.#size.reset();
  }
}

/** Buckets that combine values by key; a spill writes each bucket sorted by key hash. */
class CombiningBuckets extends Spillable implements RecordSink<MapOutput> {
  #buckets: KeyMap<unknown>[];
  readonly #size = new CombinerSizeTracker();
  readonly #spills: SpillFile[] = [];

  constructor(
    private readonly n: number,
    private readonly partitionOf: (key: unknown) => number,
    private readonly aggregator: Aggregator,
    task: TaskMemoryManager,
  ) {
    super(task);
    this.#buckets = Array.from({ length: n }, () => new KeyMap<unknown>());
  }

  add(record: unknown): boolean {
    assertPair(record, OPERATION);
    const [key, value] = record;
    const bucket = this.#buckets[this.partitionOf(key)] as KeyMap<unknown>;
    const combiner = bucket.get(key);
    const size = this.#size;
    if (combiner === undefined && !bucket.has(key)) {
      const created = this.aggregator.createCombiner(value);
      bucket.set(key, created);
      size.addEntry(size.samplesEntry ? estimateKeySize(key) + estimateSize(created) : undefined);
    } else if (size.samplesMerge) {
      const before = estimateSize(combiner);
      const merged = this.aggregator.mergeValue(combiner, value);
      bucket.set(key, merged);
      size.addMerge(estimateSize(merged) - before);
    } else {
      bucket.set(key, this.aggregator.mergeValue(combiner, value));
      size.addMerge();
    }
    this.maybeSpill();
    return true;
  }

  finish(): MapOutput {
    if (this.#spills.length === 0) {
      let recordsWritten = 0;
      const blocks = this.#buckets.map((bucket) => {
        recordsWritten += bucket.size;
        return bucket.size === 0 ? EMPTY : encodeBlock(bucket.entries());
      });
      return { output: { kind: 'memory', blocks }, recordsWritten };
    }
    // Merge every spill with what is left in memory, bucket by bucket, into one file.
    const writer = this.task.createSpillFile('shuffle');
    let recordsWritten = 0;
    const buckets = this.#buckets;
    this.#buckets = [];
    const segments = buckets.map((bucket, reduceId) => {
      const { keys, values } = drain(bucket);
      buckets[reduceId] = new KeyMap<unknown>(); // the drained arrays hold it now
      const runs: Iterable<unknown>[] = this.#spills.map((spill) =>
        recordsOf(spill.segments[reduceId] as FileSegment),
      );
      runs.push(pairsInOrder(keys, values, hashOrder(keys)));
      for (const pair of mergeByHash(runs, this.aggregator.mergeCombiners)) {
        writer.append(pair);
        recordsWritten++;
      }
      const segment = writer.endSegment();
      return segment.length > 0 ? [segment] : [];
    });
    writer.close();
    this.task.keepFile(writer.path);
    for (const spill of this.#spills) this.task.deleteFile(spill.path);
    return { output: { kind: 'disk', files: [writer.path], segments }, recordsWritten };
  }

  protected get estimatedBytes(): number {
    return this.#size.bytes;
  }

  protected spill(): void {
    const writer = this.task.createSpillFile('combine');
    const segments = this.#buckets.map((bucket) => {
      const { keys, values } = drain(bucket);
      for (const pair of pairsInOrder(keys, values, hashOrder(keys))) writer.append(pair);
      return writer.endSegment();
    });
    writer.close();
    this.task.addSpilledBytes(writer.bytesWritten);
    this.#spills.push({ path: writer.path, segments });
    this.#buckets = Array.from({ length: this.n }, () => new KeyMap<unknown>());
    this.#size.reset();
  }
}

function emptyBuckets(n: number): unknown[][] {
  return Array.from({ length: n }, () => []);
}

/** A bucket's keys and values as two arrays (no pair per entry). */
function drain(bucket: KeyMap<unknown>): { keys: unknown[]; values: unknown[] } {
  const keys: unknown[] = [];
  const values: unknown[] = [];
  for (const [key, value] of bucket.entries()) {
    keys.push(key);
    values.push(value);
  }
  return { keys, values };
}

const EMPTY = new Uint8Array(0);
