/**
 * Spark's UnifiedMemoryManager for one worker: one budget (`flint worker --memory`) shared by
 * storage (cached partitions, shuffle blocks kept in memory) and execution (what running tasks
 * build: shuffle write buffers, aggregation maps, sort buffers, fetched blocks).
 *
 * Invariants: `storageUsed + executionUsed <= limitBytes` after every call, except that a task
 * always gets the memory it has already been granted back on release (never negative). Storage
 * never takes memory from execution: it evicts its own blocks (LRU) or goes without. Execution
 * may make storage give memory back: shuffle blocks move to disk (nothing is lost), cached
 * partitions are dropped down to `storageFraction` of the budget (they are recomputed from
 * lineage when used again). A running task may hold at most 1/N of the budget when N tasks run,
 * so one task cannot starve the others; what it cannot get, it spills.
 */

/** What storage gives back when asked; implemented by the BlockManager. */
export interface StorageEvictor {
  /**
   * Frees at least `bytes` of storage if it can (releasing it here), evicting least recently used
   * blocks first. For execution, cached partitions may only go while storage holds more than
   * `protectedBytes`; for storing a cached partition of `forNodeId`, none of that dataset's own.
   */
  evict(bytes: number, request: EvictionRequest): void;
}

/** Who needs the memory an eviction frees. */
export type EvictionRequest =
  | { readonly kind: 'execution'; readonly protectedBytes: number }
  /** Cached partitions of `forNodeId`, when given, are never evicted. */
  | { readonly kind: 'storage'; readonly forNodeId?: number };

/**
 * Spark's spark.memory.fraction: the part of a worker's memory (`--memory`) that its blocks and
 * tasks' spillable collections may account for. The rest is for what is not accounted: records
 * in flight through a pipeline, user objects, the engine's own, garbage not yet collected, and
 * the error of the size estimates.
 */
export const MEMORY_FRACTION = 0.6;

/** Spark's spark.memory.storageFraction: the part of the budget execution cannot evict. */
const STORAGE_FRACTION = 0.5;

export class MemoryManager {
  #storageUsed = 0;
  #executionUsed = 0;
  readonly #executionByTask = new Map<number, number>();
  #evictor: StorageEvictor | undefined;

  constructor(
    /** The worker's memory budget, in bytes. */
    readonly limitBytes: number,
  ) {}

  /** Set once by the block manager, which owns what storage holds. */
  setEvictor(evictor: StorageEvictor): void {
    this.#evictor = evictor;
  }

  /** Bytes held by blocks. */
  get storageUsed(): number {
    return this.#storageUsed;
  }

  /** Bytes held by running tasks. */
  get executionUsed(): number {
    return this.#executionUsed;
  }

  /** Bytes neither storage nor execution holds. */
  get free(): number {
    return this.limitBytes - this.#storageUsed - this.#executionUsed;
  }

  /**
   * Reserves `bytes` for a block. With `evictFor`, other blocks may be evicted to make room (a
   * cached partition of `forNodeId` never is). Returns false (and reserves nothing) when it
   * cannot: the caller keeps the block on disk, or does not cache it.
   */
  acquireStorage(bytes: number, evictFor?: { readonly forNodeId: number }): boolean {
    if (bytes > this.limitBytes - this.#executionUsed) return false;
    if (bytes > this.free && evictFor)
      this.#evictor?.evict(bytes - this.free, { kind: 'storage', forNodeId: evictFor.forNodeId });
    if (bytes > this.free) return false;
    this.#storageUsed += bytes;
    return true;
  }

  /**
   * Counts `bytes` of storage that has to stay in memory (a broadcast value, which tasks read in
   * place): other blocks are evicted to make room, and the bytes count even when they still do
   * not fit, so that tasks spill and caching gives way rather than the worker outgrowing its
   * limit. Given back with {@link releaseStorage}.
   */
  holdStorage(bytes: number): void {
    if (bytes > this.free) this.#evictor?.evict(bytes - this.free, { kind: 'storage' });
    this.#storageUsed += bytes;
  }

  /** Gives back what a block held. */
  releaseStorage(bytes: number): void {
    this.#storageUsed = Math.max(0, this.#storageUsed - bytes);
  }

  /** Counts a running task, so that its share of execution memory is fair. */
  registerTask(taskId: number): void {
    if (!this.#executionByTask.has(taskId)) this.#executionByTask.set(taskId, 0);
  }

  /**
   * Grants up to `bytes` of execution memory to a task: as much as is free after storage gave
   * back what it may, and no more than the task's fair share. Returns the bytes granted.
   */
  acquireExecution(taskId: number, bytes: number): number {
    this.registerTask(taskId);
    const held = this.#executionByTask.get(taskId) ?? 0;
    const share = this.limitBytes / this.#executionByTask.size;
    const wanted = Math.max(0, Math.min(bytes, share - held));
    if (wanted === 0) return 0;
    if (wanted > this.free) {
      const protectedBytes = this.limitBytes * STORAGE_FRACTION;
      this.#evictor?.evict(wanted - this.free, { kind: 'execution', protectedBytes });
    }
    const granted = Math.max(0, Math.min(wanted, this.free));
    this.#executionUsed += granted;
    this.#executionByTask.set(taskId, held + granted);
    return granted;
  }

  /** Gives back part of what a task holds. */
  releaseExecution(taskId: number, bytes: number): void {
    const held = this.#executionByTask.get(taskId);
    if (held === undefined) return;
    const released = Math.min(held, bytes);
    this.#executionByTask.set(taskId, held - released);
    this.#executionUsed -= released;
  }

  /** Releases everything a task holds and stops counting it (at the end of the task). */
  releaseTask(taskId: number): void {
    const held = this.#executionByTask.get(taskId);
    if (held === undefined) return;
    this.#executionUsed -= held;
    this.#executionByTask.delete(taskId);
  }

  /** Execution memory a task holds. */
  executionOf(taskId: number): number {
    return this.#executionByTask.get(taskId) ?? 0;
  }
}
