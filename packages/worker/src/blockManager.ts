/**
 * Spark's BlockManager, per worker: the shuffle blocks this worker's map tasks wrote (served to
 * reducers on any worker) and the partitions of cached datasets. Blocks are bytes or record arrays
 * kept in memory.
 */

/** The id of one reduce partition's block of one map task's output. */
export function shuffleBlockId(shuffleId: number, mapIndex: number, reduceId: number): string {
  return `shuffle_${shuffleId}_${mapIndex}_${reduceId}`;
}

/** The id of a cached partition of a dataset. */
export function cacheBlockId(nodeId: number, partition: number): string {
  return `rdd_${nodeId}_${partition}`;
}

export class BlockManager {
  readonly #shuffleBlocks = new Map<string, Uint8Array>();
  readonly #mapOutputs = new Map<number, Set<number>>();
  readonly #cached = new Map<string, readonly unknown[]>();

  /** Stores a map task's output: one block per reduce partition (empty ones are not stored). */
  putMapOutput(shuffleId: number, mapIndex: number, blocks: readonly Uint8Array[]): void {
    blocks.forEach((block, reduceId) => {
      const id = shuffleBlockId(shuffleId, mapIndex, reduceId);
      if (block.byteLength > 0) this.#shuffleBlocks.set(id, block);
      else this.#shuffleBlocks.delete(id);
    });
    const maps = this.#mapOutputs.get(shuffleId) ?? new Set<number>();
    maps.add(mapIndex);
    this.#mapOutputs.set(shuffleId, maps);
  }

  /** A map output's block for one reduce partition; empty when it had no records. */
  getShuffleBlock(shuffleId: number, mapIndex: number, reduceId: number): Uint8Array | undefined {
    if (!this.#mapOutputs.get(shuffleId)?.has(mapIndex)) return undefined;
    return this.#shuffleBlocks.get(shuffleBlockId(shuffleId, mapIndex, reduceId)) ?? EMPTY;
  }

  /** Frees every block of a shuffle. */
  removeShuffle(shuffleId: number): void {
    const prefix = `shuffle_${shuffleId}_`;
    for (const id of this.#shuffleBlocks.keys())
      if (id.startsWith(prefix)) this.#shuffleBlocks.delete(id);
    this.#mapOutputs.delete(shuffleId);
  }

  getCached(nodeId: number, partition: number): readonly unknown[] | undefined {
    return this.#cached.get(cacheBlockId(nodeId, partition));
  }

  putCached(nodeId: number, partition: number, records: readonly unknown[]): void {
    this.#cached.set(cacheBlockId(nodeId, partition), records);
  }

  /** Frees every cached partition of a dataset. */
  removeCached(nodeId: number): void {
    const prefix = `rdd_${nodeId}_`;
    for (const id of this.#cached.keys()) if (id.startsWith(prefix)) this.#cached.delete(id);
  }

  clear(): void {
    this.#shuffleBlocks.clear();
    this.#mapOutputs.clear();
    this.#cached.clear();
  }
}

const EMPTY = new Uint8Array(0);
