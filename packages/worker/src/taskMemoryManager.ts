/**
 * Spark's TaskMemoryManager: what one running task holds of its worker's memory and disk. Its
 * spillable collections acquire execution memory here, its spill files are created here, and
 * the cached partitions it found before it started are pinned here, so that no other block's
 * arrival evicts them between the check and the read.
 *
 * Invariants: `close()` (at the end of the task, however it ends) releases all the task's
 * execution memory, unpins its blocks and deletes its spill files, except the files it handed
 * on with `keepFile` (a map output's files, now the block manager's).
 */
import type { BlockManager } from './blockManager.js';
import { ErrorCode, FlintError } from './errors.js';
import { FrameFileWriter } from './recordFrames.js';

export class TaskMemoryManager {
  readonly #files = new Set<string>();
  readonly #writers: FrameFileWriter[] = [];
  readonly #pinned: [number, number][] = [];
  #spilledBytes = 0;
  #closed = false;

  constructor(
    readonly taskId: number,
    private readonly blockManager: BlockManager,
  ) {
    blockManager.memory.registerTask(taskId);
  }

  /** The worker's memory budget, in bytes. */
  get limitBytes(): number {
    return this.blockManager.memory.limitBytes;
  }

  /** Asks for `bytes` more execution memory; returns what was granted (maybe less, maybe 0). */
  acquire(bytes: number): number {
    this.#assertOpen();
    return this.blockManager.memory.acquireExecution(this.taskId, bytes);
  }

  release(bytes: number): void {
    this.blockManager.memory.releaseExecution(this.taskId, bytes);
  }

  /** Execution memory this task holds. */
  get held(): number {
    return this.blockManager.memory.executionOf(this.taskId);
  }

  /** A new file of frames on the worker's disk, deleted at the end of the task. */
  createSpillFile(kind: string): FrameFileWriter {
    this.#assertOpen();
    const writer = new FrameFileWriter(this.blockManager.disk.newFile(kind));
    this.#files.add(writer.path);
    this.#writers.push(writer);
    return writer;
  }

  /** Counts bytes this task wrote to disk because memory was short (the spilledBytes metric). */
  addSpilledBytes(bytes: number): void {
    this.#spilledBytes += bytes;
  }

  get spilledBytes(): number {
    return this.#spilledBytes;
  }

  /** Hands a file on: it outlives the task (its new owner deletes it). */
  keepFile(path: string): void {
    this.#files.delete(path);
  }

  /** Deletes one of the task's files early. */
  deleteFile(path: string): void {
    if (this.#files.delete(path)) this.blockManager.disk.remove(path);
  }

  /**
   * Whether a dataset's partition is cached here; if so it stays cached (pinned) until the task
   * ends, so the task reads it instead of fetching the shuffle data below it.
   */
  pinCached(nodeId: number, partition: number): boolean {
    if (!this.blockManager.pinCached(nodeId, partition)) return false;
    this.#pinned.push([nodeId, partition]);
    return true;
  }

  /** True once the task ended: long loops stop at their next check. */
  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.blockManager.memory.releaseTask(this.taskId);
    for (const [nodeId, partition] of this.#pinned)
      this.blockManager.unpinCached(nodeId, partition);
    for (const writer of this.#writers) {
      try {
        writer.close();
      } catch {
        // The file is deleted next; a failed flush of it changes nothing.
      }
    }
    for (const path of this.#files) this.blockManager.disk.remove(path);
    this.#files.clear();
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new FlintError(
        ErrorCode.CANCELLED,
        `Task ${this.taskId} ended; it cannot spill any more.`,
      );
  }
}
