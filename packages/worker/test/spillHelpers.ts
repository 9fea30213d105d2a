/** A block manager on a temp dir, and tasks on it, for the spill and block manager tests. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BlockManager } from '../src/blockManager.js';
import { TaskMemoryManager } from '../src/taskMemoryManager.js';

/** Block managers made by `useBlockManagers`, and their work dirs, cleared after each test. */
export function useBlockManagers() {
  const made: { blockManager: BlockManager; workDir: string }[] = [];
  afterEach(() => {
    for (const { blockManager, workDir } of made.splice(0)) {
      blockManager.clear();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
  let nextTaskId = 1;
  return {
    /** A block manager with a memory limit of `memoryBytes`, spilling to a fresh dir. */
    blockManager(memoryBytes: number): BlockManager {
      const workDir = mkdtempSync(join(tmpdir(), 'flint-test-'));
      const blockManager = new BlockManager({ memoryBytes, workDir });
      made.push({ blockManager, workDir });
      return blockManager;
    },
    task(blockManager: BlockManager): TaskMemoryManager {
      return new TaskMemoryManager(nextTaskId++, blockManager);
    },
  };
}

/** Files in the block manager's spill directory (none when it was never created). */
export function spillFiles(blockManager: BlockManager): string[] {
  const dir = blockManager.disk.createdDir;
  return dir === undefined ? [] : readdirSync(dir);
}
