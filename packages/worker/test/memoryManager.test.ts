import { describe, expect, it } from 'vitest';
import { type EvictionRequest, MemoryManager } from '../src/memoryManager.js';

const MiB = 2 ** 20;

/** Storage that gives back up to `evictable` bytes, and records what it was asked. */
function fakeStorage(manager: MemoryManager, evictable: number) {
  const asked: [number, EvictionRequest][] = [];
  let left = evictable;
  manager.setEvictor({
    evict(bytes, request) {
      asked.push([bytes, request]);
      const freed = Math.min(bytes, left);
      left -= freed;
      manager.releaseStorage(freed);
    },
  });
  return asked;
}

describe('MemoryManager', () => {
  it('grants execution memory up to the limit, then nothing', () => {
    const manager = new MemoryManager(10 * MiB);
    expect(manager.acquireExecution(1, 6 * MiB)).toBe(6 * MiB);
    expect(manager.acquireExecution(1, 6 * MiB)).toBe(4 * MiB);
    expect(manager.acquireExecution(1, 1)).toBe(0);
    manager.releaseTask(1);
    expect(manager.executionUsed).toBe(0);
  });

  it('holds storage that must stay in memory: evicts what it can, then counts the rest anyway', () => {
    const manager = new MemoryManager(10 * MiB);
    expect(manager.acquireStorage(6 * MiB)).toBe(true);
    const asked = fakeStorage(manager, 2 * MiB);
    manager.holdStorage(8 * MiB);
    // 4 MiB were missing; storage could give back 2 of them.
    expect(asked).toEqual([[4 * MiB, { kind: 'storage' }]]);
    expect(manager.storageUsed).toBe(12 * MiB);
    expect(manager.free).toBe(-2 * MiB);
    // Over the limit, nothing more is granted until the held bytes are given back.
    expect(manager.acquireExecution(1, MiB)).toBe(0);
    expect(manager.acquireStorage(1)).toBe(false);
    manager.releaseStorage(8 * MiB);
    expect(manager.acquireExecution(1, MiB)).toBe(MiB);
  });

  it('gives each running task at most its fair share', () => {
    const manager = new MemoryManager(10 * MiB);
    manager.registerTask(1);
    manager.registerTask(2);
    expect(manager.acquireExecution(1, 8 * MiB)).toBe(5 * MiB);
    expect(manager.acquireExecution(2, 8 * MiB)).toBe(5 * MiB);
    manager.releaseTask(2);
    // Alone again, task 1 may grow to the whole budget.
    expect(manager.acquireExecution(1, 8 * MiB)).toBe(5 * MiB);
  });

  it('makes storage give memory back to execution, above the protected half only', () => {
    const manager = new MemoryManager(10 * MiB);
    const asked = fakeStorage(manager, 8 * MiB);
    expect(manager.acquireStorage(8 * MiB)).toBe(true);
    expect(manager.acquireExecution(1, 6 * MiB)).toBe(6 * MiB);
    expect(asked).toEqual([[4 * MiB, { kind: 'execution', protectedBytes: 5 * MiB }]]);
    expect(manager.storageUsed + manager.executionUsed).toBeLessThanOrEqual(10 * MiB);
  });

  it('never lets storage take execution memory; evicts only when asked to', () => {
    const manager = new MemoryManager(10 * MiB);
    const asked = fakeStorage(manager, 10 * MiB);
    manager.acquireExecution(1, 7 * MiB);
    expect(manager.acquireStorage(4 * MiB)).toBe(false);
    expect(manager.acquireStorage(3 * MiB)).toBe(true);
    expect(manager.acquireStorage(2 * MiB)).toBe(false); // no eviction without evictFor
    expect(asked).toEqual([]);
    expect(manager.acquireStorage(2 * MiB, { forNodeId: 4 })).toBe(true);
    expect(asked).toEqual([[2 * MiB, { kind: 'storage', forNodeId: 4 }]]);
  });
});
