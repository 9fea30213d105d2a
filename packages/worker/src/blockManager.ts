/**
 * Spark's BlockManager, per worker: the shuffle blocks this worker's map tasks wrote (served to
 * reducers on any worker) and the partitions of cached datasets, held within the worker's memory
 * budget (see MemoryManager) with the worker's local disk (DiskStore) behind it.
 *
 * Invariants:
 * - Shuffle data is never lost to memory pressure: a map output that does not fit in memory is
 *   written to disk, and one already in memory moves to disk when memory is needed elsewhere.
 *   Only `removeShuffle` (the driver's word) and `clear` delete shuffle data.
 * - Cached partitions are dropped least recently used first, and only when memory is needed; a
 *   dropped partition is recomputed from lineage by the next task that reads it. A partition
 *   pinned by a running task is never dropped, nor are a dataset's own partitions to cache
 *   another of its partitions (that would only thrash, as Spark's MemoryStore also refuses).
 * - Memory accounted: shuffle blocks by their exact byte length; cached record arrays by the
 *   estimate of `SizeTracker` (a sample of the records, measured by `estimateSize`).
 */
import { DiskStore } from './diskStore.js';
import { type EvictionRequest, MemoryManager, type StorageEvictor } from './memoryManager.js';
import { type FileSegment, type FrameData, FrameFileWriter } from './recordFrames.js';
import { SizeTracker } from './sizeEstimator.js';

/** The id of one reduce partition's block of one map task's output. */
export function shuffleBlockId(shuffleId: number, mapIndex: number, reduceId: number): string {
  return `shuffle_${shuffleId}_${mapIndex}_${reduceId}`;
}

/** The id of a cached partition of a dataset. */
export function cacheBlockId(nodeId: number, partition: number): string {
  return `${cacheBlockPrefix(nodeId)}${partition}`;
}

/** What the ids of a dataset's cached partitions start with. */
export function cacheBlockPrefix(nodeId: number): string {
  return `rdd_${nodeId}_`;
}

/**
 * A map task's output: one block of frames per reduce partition, in memory, or on the worker's
 * disk as segments of files (a block may span several, in order).
 */
export type MapOutputData =
  | { readonly kind: 'memory'; readonly blocks: readonly Uint8Array[] }
  | {
      readonly kind: 'disk';
      readonly files: readonly string[];
      readonly segments: readonly (readonly FileSegment[])[];
    };

/** The byte size of each reduce partition's block of a map output. */
export function mapOutputSizes(output: MapOutputData): number[] {
  if (output.kind === 'memory') return output.blocks.map((block) => block.byteLength);
  return output.segments.map((pieces) => pieces.reduce((sum, piece) => sum + piece.length, 0));
}

/** How to start a {@link BlockManager}. */
export interface BlockManagerOptions {
  /** The budget of blocks and running tasks (the MemoryManager's limit), in bytes. @default 1 GiB */
  readonly memoryBytes?: number;
  /** Where the worker's spill directory goes. @default os.tmpdir() */
  readonly workDir?: string;
}

/** What the block manager did under memory pressure, for tests and the worker's log. */
export interface BlockManagerCounters {
  /** Cached partitions dropped to make room. */
  readonly cachedBlocksEvicted: number;
  /** Cached partitions not stored because they did not fit. */
  readonly cachedBlocksRefused: number;
  /** Map outputs written to disk (that did not fit, or made room). */
  readonly mapOutputsOnDisk: number;
}

interface CachedBlock {
  readonly nodeId: number;
  readonly partition: number;
  readonly records: readonly unknown[];
  readonly bytes: number;
  pins: number;
}

type StoredMapOutput = MapOutputData & { readonly bytes: number };

const DEFAULT_MEMORY_BYTES = 1024 ** 3;
/** Records between two checks of a partition being cached against the memory it reserved. */
const UNROLL_CHECK_EVERY = 32;
/** A partition being cached reserves memory in steps of at least this. */
const UNROLL_STEP_BYTES = 1024 * 1024;
/** An array's own header, beyond its elements. */
const ARRAY_BYTES = 48;

export class BlockManager implements StorageEvictor {
  readonly memory: MemoryManager;
  readonly disk: DiskStore;
  /** Map outputs by `shuffleId_mapIndex`, oldest first (the order they move to disk in). */
  readonly #mapOutputs = new Map<string, StoredMapOutput>();
  /** Cached partitions, least recently used first. */
  readonly #cached = new Map<string, CachedBlock>();
  #cachedBlocksEvicted = 0;
  #cachedBlocksRefused = 0;
  #mapOutputsOnDisk = 0;

  /** Hears every cached partition stored (with its bytes) or dropped (undefined). */
  onCachedBlockChange: (nodeId: number, partition: number, bytes: number | undefined) => void =
    () => undefined;

  constructor(options: BlockManagerOptions = {}) {
    this.memory = new MemoryManager(options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    this.memory.setEvictor(this);
    this.disk = new DiskStore(options.workDir);
  }

  /** What memory pressure did so far. */
  get counters(): BlockManagerCounters {
    return {
      cachedBlocksEvicted: this.#cachedBlocksEvicted,
      cachedBlocksRefused: this.#cachedBlocksRefused,
      mapOutputsOnDisk: this.#mapOutputsOnDisk,
    };
  }

  /**
   * Stores a map task's output. In-memory blocks stay in memory if the budget has room for them
   * without evicting anything (Spark keeps no shuffle data in memory at all), else they go to
   * disk; files given are the block manager's now.
   */
  putMapOutput(shuffleId: number, mapIndex: number, output: MapOutputData): void {
    const id = `${shuffleId}_${mapIndex}`;
    this.#dropMapOutput(id); // a re-run replaces the earlier attempt's output
    const bytes = mapOutputSizes(output).reduce((sum, size) => sum + size, 0);
    if (output.kind === 'memory' && !this.memory.acquireStorage(bytes)) {
      this.#mapOutputs.set(id, { ...this.#writeToDisk(output.blocks), bytes });
      return;
    }
    this.#mapOutputs.set(id, { ...output, bytes });
  }

  /** Deletes the files of a map output that will not be stored (its task was killed). */
  discardMapOutput(output: MapOutputData): void {
    if (output.kind === 'disk') for (const file of output.files) this.disk.remove(file);
  }

  /**
   * A map output's block for one reduce partition, as pieces of frames (none when it had no
   * records), or undefined when this worker holds no such map output.
   */
  getShuffleBlock(shuffleId: number, mapIndex: number, reduceId: number): FrameData[] | undefined {
    const output = this.#mapOutputs.get(`${shuffleId}_${mapIndex}`);
    if (!output) return undefined;
    if (output.kind === 'memory') {
      const block = output.blocks[reduceId];
      return block && block.byteLength > 0 ? [block] : [];
    }
    return (output.segments[reduceId] ?? []).filter((segment) => segment.length > 0);
  }

  /** Frees every block of a shuffle. */
  removeShuffle(shuffleId: number): void {
    const prefix = `${shuffleId}_`;
    for (const id of [...this.#mapOutputs.keys()])
      if (id.startsWith(prefix)) this.#dropMapOutput(id);
  }

  /** A cached partition's records (now the most recently used), or undefined. */
  getCached(nodeId: number, partition: number): readonly unknown[] | undefined {
    const id = cacheBlockId(nodeId, partition);
    const block = this.#cached.get(id);
    if (!block) return undefined;
    this.#cached.delete(id);
    this.#cached.set(id, block);
    return block.records;
  }

  /**
   * Caches a partition as it is computed (Spark's unrolling): records are counted against the
   * budget as they come, and when the budget cannot take them, caching stops and the records
   * still flow to the reader, uncached. Returns the partition's records either way.
   */
  cachePartition(nodeId: number, partition: number, records: Iterable<unknown>): Iterable<unknown> {
    const unrolled: unknown[] = [];
    const size = new SizeTracker();
    let reserved = 0;
    const iterator = records[Symbol.iterator]();
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      unrolled.push(next.value);
      size.add(next.value);
      if (unrolled.length % UNROLL_CHECK_EVERY !== 0) continue;
      const needed = ARRAY_BYTES + size.bytes;
      if (needed <= reserved) continue;
      // Room to grow (as Spark's unroll memory grows by 1.5), else just what is needed now.
      const step = Math.max(needed * 1.5 - reserved, UNROLL_STEP_BYTES);
      const evictFor = { forNodeId: nodeId };
      if (this.memory.acquireStorage(step, evictFor)) {
        reserved += step;
        continue;
      }
      if (this.memory.acquireStorage(needed - reserved, evictFor)) {
        reserved = needed;
        continue;
      }
      this.memory.releaseStorage(reserved);
      this.#cachedBlocksRefused++;
      return concat(unrolled, iterator);
    }
    const bytes = ARRAY_BYTES + size.bytes;
    if (bytes > reserved && !this.memory.acquireStorage(bytes - reserved, { forNodeId: nodeId })) {
      this.memory.releaseStorage(reserved);
      this.#cachedBlocksRefused++;
      return unrolled;
    }
    if (bytes < reserved) this.memory.releaseStorage(reserved - bytes);
    const id = cacheBlockId(nodeId, partition);
    this.#dropCached(id);
    const block = {
      nodeId,
      partition,
      records: unrolled,
      bytes: Math.max(bytes, reserved),
      pins: 0,
    };
    this.#cached.set(id, block);
    this.onCachedBlockChange(nodeId, partition, block.bytes);
    return unrolled;
  }

  /** Pins a cached partition against eviction; false when it is not cached. */
  pinCached(nodeId: number, partition: number): boolean {
    const block = this.#cached.get(cacheBlockId(nodeId, partition));
    if (!block) return false;
    block.pins++;
    return true;
  }

  /** Undoes one {@link pinCached}. */
  unpinCached(nodeId: number, partition: number): void {
    const block = this.#cached.get(cacheBlockId(nodeId, partition));
    if (block && block.pins > 0) block.pins--;
  }

  /** Frees every cached partition of a dataset. */
  removeCached(nodeId: number): void {
    const prefix = cacheBlockPrefix(nodeId);
    for (const id of [...this.#cached.keys()]) if (id.startsWith(prefix)) this.#dropCached(id);
  }

  /** Frees every block and deletes the worker's spill directory. */
  clear(): void {
    for (const id of [...this.#mapOutputs.keys()]) this.#dropMapOutput(id);
    for (const id of [...this.#cached.keys()]) this.#dropCached(id);
    this.disk.removeAll();
  }

  /** StorageEvictor: map outputs go to disk first (nothing is lost), then cached partitions. */
  evict(bytes: number, request: EvictionRequest): void {
    let freed = 0;
    for (const [id, output] of this.#mapOutputs) {
      if (freed >= bytes) return;
      if (output.kind !== 'memory') continue;
      this.#mapOutputs.set(id, { ...this.#writeToDisk(output.blocks), bytes: output.bytes });
      this.memory.releaseStorage(output.bytes);
      freed += output.bytes;
    }
    for (const [id, block] of this.#cached) {
      if (freed >= bytes) return;
      if (block.pins > 0) continue;
      if (request.kind === 'storage' && request.forNodeId === block.nodeId) continue;
      if (request.kind === 'execution' && this.memory.storageUsed <= request.protectedBytes) return;
      this.#dropCached(id);
      this.#cachedBlocksEvicted++;
      freed += block.bytes;
    }
  }

  #writeToDisk(blocks: readonly Uint8Array[]): MapOutputData {
    const writer = new FrameFileWriter(this.disk.newFile('shuffle'));
    try {
      const segments = blocks.map((block) => {
        if (block.byteLength > 0) writer.appendFrames(block);
        return [writer.endSegment()];
      });
      writer.close();
      this.#mapOutputsOnDisk++;
      return { kind: 'disk', files: [writer.path], segments };
    } catch (error) {
      writer.close();
      this.disk.remove(writer.path);
      throw error;
    }
  }

  #dropMapOutput(id: string): void {
    const output = this.#mapOutputs.get(id);
    if (!output) return;
    this.#mapOutputs.delete(id);
    if (output.kind === 'memory') this.memory.releaseStorage(output.bytes);
    else for (const file of output.files) this.disk.remove(file);
  }

  #dropCached(id: string): void {
    const block = this.#cached.get(id);
    if (!block) return;
    this.#cached.delete(id);
    this.memory.releaseStorage(block.bytes);
    this.onCachedBlockChange(block.nodeId, block.partition, undefined);
  }
}

function* concat(head: readonly unknown[], rest: Iterator<unknown>): Generator<unknown> {
  yield* head;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}
