import { describe, expect, it } from 'vitest';
import { mapOutputSizes } from '../src/blockManager.js';
import { encodeFrame, recordsOf } from '../src/recordFrames.js';
import { spillFiles, useBlockManagers } from './spillHelpers.js';

const MiB = 2 ** 20;

/** A partition of `n` records of about 100 bytes each (as estimated). */
const partition = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => [`${tag}-${i}-${'x'.repeat(40)}`, i]);

describe('BlockManager', () => {
  const env = useBlockManagers();

  it('caches partitions and evicts the least recently used for another dataset', () => {
    const blockManager = env.blockManager(4 * MiB);
    // Each partition is about 1 MiB as estimated: three fit, the fourth makes room.
    for (let p = 0; p < 3; p++) [...blockManager.cachePartition(1, p, partition(8000, `a${p}`))];
    expect([0, 1, 2].map((p) => blockManager.getCached(1, p) !== undefined)).toEqual([
      true,
      true,
      true,
    ]);
    blockManager.getCached(1, 0); // now partition 1 is the least recently used
    const records = partition(8000, 'b0');
    expect([...blockManager.cachePartition(2, 0, records)]).toEqual(records);
    expect(blockManager.getCached(2, 0)).toEqual(records);
    expect(blockManager.getCached(1, 1)).toBeUndefined();
    expect(blockManager.getCached(1, 0)).toBeDefined();
    expect(blockManager.counters.cachedBlocksEvicted).toBe(1);
    expect(blockManager.memory.storageUsed).toBeLessThanOrEqual(4 * MiB);
  });

  it("does not evict a dataset's own partitions to cache another of them", () => {
    const blockManager = env.blockManager(2 * MiB);
    [...blockManager.cachePartition(1, 0, partition(8000, 'a'))];
    const second = partition(16_000, 'b');
    // Does not fit: read through uncached, and the first partition stays.
    expect([...blockManager.cachePartition(1, 1, second)]).toEqual(second);
    expect(blockManager.getCached(1, 1)).toBeUndefined();
    expect(blockManager.getCached(1, 0)).toBeDefined();
    expect(blockManager.counters.cachedBlocksRefused).toBe(1);
  });

  it('never evicts a pinned partition', () => {
    const blockManager = env.blockManager(2 * MiB);
    [...blockManager.cachePartition(1, 0, partition(8000, 'a'))];
    expect(blockManager.pinCached(1, 0)).toBe(true);
    [...blockManager.cachePartition(2, 0, partition(12_000, 'b'))];
    expect(blockManager.getCached(1, 0)).toBeDefined();
    expect(blockManager.getCached(2, 0)).toBeUndefined();
    blockManager.unpinCached(1, 0);
    [...blockManager.cachePartition(2, 0, partition(12_000, 'b'))];
    expect(blockManager.getCached(1, 0)).toBeUndefined();
    expect(blockManager.getCached(2, 0)).toBeDefined();
  });

  it('keeps a map output that does not fit on disk, and moves one to disk to free memory', () => {
    const blockManager = env.blockManager(2 * MiB);
    const small = [encodeFrame([['a', 1]]), new Uint8Array(0), encodeFrame([['b', 2]])];
    blockManager.putMapOutput(0, 0, { kind: 'memory', blocks: small });
    const big = encodeFrame(partition(40_000, 'big'));
    expect(big.byteLength).toBeGreaterThan(2 * MiB);
    blockManager.putMapOutput(0, 1, { kind: 'memory', blocks: [big] });
    expect(blockManager.counters.mapOutputsOnDisk).toBe(1);
    const pieces = blockManager.getShuffleBlock(0, 1, 0) ?? [];
    expect(pieces.flatMap((piece) => [...recordsOf(piece)])).toHaveLength(40_000);
    expect(blockManager.getShuffleBlock(0, 0, 1)).toEqual([]);
    expect(blockManager.getShuffleBlock(0, 2, 0)).toBeUndefined();

    // Execution needs the memory: the small output moves to disk, nothing is lost.
    expect(blockManager.memory.storageUsed).toBeGreaterThan(0);
    const task = env.task(blockManager);
    expect(task.acquire(2 * MiB)).toBe(2 * MiB);
    expect(blockManager.memory.storageUsed).toBe(0);
    const moved = blockManager.getShuffleBlock(0, 0, 2) ?? [];
    expect(moved.flatMap((piece) => [...recordsOf(piece)])).toEqual([['b', 2]]);
    expect(mapOutputSizes({ kind: 'memory', blocks: small })).toEqual([
      small[0]?.byteLength,
      0,
      small[2]?.byteLength,
    ]);

    blockManager.removeShuffle(0);
    expect(spillFiles(blockManager)).toEqual([]);
    expect(blockManager.getShuffleBlock(0, 0, 0)).toBeUndefined();
  });

  it('removes its spill directory on clear', () => {
    const blockManager = env.blockManager(2 * MiB);
    blockManager.putMapOutput(3, 0, {
      kind: 'memory',
      blocks: [encodeFrame(partition(40_000, 'x'))],
    });
    const dir = blockManager.disk.createdDir;
    expect(dir).toBeDefined();
    blockManager.clear();
    expect(blockManager.disk.createdDir).toBeUndefined();
  });
});
