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
import { CombinerMap } from '../combinerMap.js';
import type { NumberColumns } from '../keys.js';
import { PairColumns } from '../pairColumns.js';
import { createPartitionFunction } from '../partitioner.js';
import type { TaskRuntime } from '../pipeline.js';
import { encodeBlock, encodePairBlock, type FileSegment, recordsOf } from '../recordFrames.js';
import { assertPair, type InPlaceCombine, type RecordSink } from '../recordSink.js';
import { SizeTracker } from '../sizeEstimator.js';
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

/**
 * One reduce partition's records, in arrival order: as number columns while every record is a
 * `[number, number]` pair (sortBy over numbers, a repartition of counts), as records from the
 * first that is not.
 */
interface Bucket {
  columns: PairColumns | undefined;
  readonly records: unknown[];
}

/** Buckets of plain records; a spill writes them as they are, in arrival order. */
class RecordBuckets extends Spillable implements RecordSink<MapOutput> {
  #buckets: Bucket[];
  /** The records held as records (the columns are counted apart, exactly). */
  readonly #size = new SizeTracker();
  #columnBytes = 0;
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
    return this.#put(record[0], record[1], record);
  }

  addPair(key: unknown, value: unknown): boolean {
    return this.#put(key, value, undefined);
  }

  finish(): MapOutput {
    const recordsWritten = this.#recordsWritten;
    if (this.#spills.length === 0) {
      const blocks = this.#buckets.map(({ columns, records }) => {
        if (columns !== undefined) return columns.length === 0 ? EMPTY : columns.toBlock();
        return records.length === 0 ? EMPTY : encodeBlock(records);
      });
      return { output: { kind: 'memory', blocks }, recordsWritten };
    }
    // The rest joins the spilled pieces on disk, so the whole output is served from there.
    if (this.#size.count > 0 || this.#columnBytes > 0) this.#writeBuckets(false);
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
    return this.#size.bytes + this.#columnBytes;
  }

  protected spill(): void {
    this.#writeBuckets(true);
  }

  /** Adds the pair `[key, value]`; `record` is that pair when the caller already has one. */
  #put(key: unknown, value: unknown, record: unknown[] | undefined): boolean {
    const bucket = this.#buckets[this.partitionOf(key)] as Bucket;
    if (bucket.columns !== undefined && typeof key === 'number' && typeof value === 'number') {
      bucket.columns.push(key, value);
      this.#columnBytes += 16;
    } else {
      const pair = record ?? [key, value];
      this.#recordsOf(bucket).push(pair);
      this.#size.add(pair);
    }
    this.#recordsWritten++;
    this.maybeSpill();
    return true;
  }

  /** The bucket's records, its columns first turned into records (kept in arrival order). */
  #recordsOf(bucket: Bucket): unknown[] {
    const { columns } = bucket;
    if (columns !== undefined) {
      bucket.columns = undefined;
      this.#columnBytes -= 16 * columns.length;
      columns.appendTo(bucket.records, this.#size);
    }
    return bucket.records;
  }

  #writeBuckets(isSpill: boolean): void {
    const writer = this.task.createSpillFile('shuffle');
    const segments = this.#buckets.map(({ columns, records }) => {
      if (columns !== undefined && columns.length > 0) writer.appendFrames(columns.toBlock());
      for (const record of records) writer.append(record);
      return writer.endSegment();
    });
    writer.close();
    if (isSpill) this.task.addSpilledBytes(writer.bytesWritten);
    this.#spills.push({ path: writer.path, segments });
    this.#buckets = emptyBuckets(this.n);
    this.#size.reset();
    this.#columnBytes = 0;
  }
}

/**
 * Values combined by key in one map for the whole task; a key's reduce partition is computed once
 * per key when the map is written out, not once per record. A spill writes each reduce
 * partition's keys sorted by hash.
 */
class CombiningBuckets extends Spillable implements RecordSink<MapOutput> {
  readonly #combiners = new CombinerMap();
  readonly #spills: SpillFile[] = [];
  readonly inPlaceCombine: InPlaceCombine;

  constructor(
    private readonly n: number,
    private readonly partitionOf: (key: unknown) => number,
    private readonly aggregator: Aggregator,
    task: TaskMemoryManager,
  ) {
    super(task);
    const combiners = this.#combiners;
    this.inPlaceCombine = {
      mergeValue: aggregator.mergeValue,
      // Merging a number into a number grows nothing, so such merges need no spill check.
      slots: () => combiners.slots(),
      replaceCombiner: (key, combiner) => {
        combiners.replaceCombiner(key, combiner);
        this.maybeSpill();
      },
      keyCount: () => combiners.size,
    };
  }

  add(record: unknown): boolean {
    assertPair(record, OPERATION);
    return this.addPair(record[0], record[1]);
  }

  addPair(key: unknown, value: unknown): boolean {
    const { createCombiner, mergeValue } = this.aggregator;
    this.#combiners.add(key, value, createCombiner, mergeValue);
    this.maybeSpill();
    return true;
  }

  finish(): MapOutput {
    const columns = this.#spills.length === 0 ? this.#combiners.drainNumbers() : undefined;
    if (columns !== undefined) {
      const blocks = this.#numberBlocks(columns);
      return { output: { kind: 'memory', blocks }, recordsWritten: columns.keys.length };
    }
    const buckets = this.#drainIntoBuckets();
    if (this.#spills.length === 0) {
      let recordsWritten = 0;
      const blocks = buckets.map(({ keys, values }) => {
        recordsWritten += keys.length;
        return keys.length === 0 ? EMPTY : encodePairBlock(keys, values);
      });
      return { output: { kind: 'memory', blocks }, recordsWritten };
    }
    // Merge every spill with what is left in memory, bucket by bucket, into one file.
    const writer = this.task.createSpillFile('shuffle');
    let recordsWritten = 0;
    const segments = buckets.map(({ keys, values }, reduceId) => {
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
    return this.#combiners.estimatedBytes;
  }

  protected spill(): void {
    const writer = this.task.createSpillFile('combine');
    const segments = this.#drainIntoBuckets().map(({ keys, values }) => {
      for (const pair of pairsInOrder(keys, values, hashOrder(keys))) writer.append(pair);
      return writer.endSegment();
    });
    writer.close();
    this.task.addSpilledBytes(writer.bytesWritten);
    this.#spills.push({ path: writer.path, segments });
  }

  /**
   * One block per reduce partition from number columns, keys in first-seen order: each pair is
   * copied once, from the columns to its partition's columns, and never boxed.
   */
  #numberBlocks({ keys, values }: NumberColumns): Uint8Array[] {
    const buckets = Array.from({ length: this.n }, () => new PairColumns());
    for (let i = 0; i < keys.length; i++)
      (buckets[this.partitionOf(keys[i])] as PairColumns).push(
        keys[i] as number,
        values[i] as number,
      );
    return buckets.map((bucket) => (bucket.length === 0 ? EMPTY : bucket.toBlock()));
  }

  /** Empties the map into one key and value array per reduce partition, keys in first-seen order. */
  #drainIntoBuckets(): Array<{ keys: unknown[]; values: unknown[] }> {
    const { keys, values } = this.#combiners.drain();
    const buckets = Array.from({ length: this.n }, () => ({
      keys: [] as unknown[],
      values: [] as unknown[],
    }));
    for (let i = 0; i < keys.length; i++) {
      const bucket = buckets[this.partitionOf(keys[i])] as (typeof buckets)[number];
      bucket.keys.push(keys[i]);
      bucket.values.push(values[i]);
    }
    return buckets;
  }
}

function emptyBuckets(n: number): Bucket[] {
  return Array.from({ length: n }, () => ({ columns: new PairColumns(), records: [] }));
}

const EMPTY = new Uint8Array(0);
