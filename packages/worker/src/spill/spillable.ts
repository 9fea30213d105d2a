/**
 * Spark's Spillable: when a collection that grows in memory must go to disk. Every few records
 * it compares its estimated size with the execution memory it was granted; past it, it asks the
 * task for more (twice its size), and when the worker cannot give that, it spills and starts
 * again from nothing.
 */
import type { TaskMemoryManager } from '../taskMemoryManager.js';

/** Records between two size checks (Spark checks every 32 too). */
const CHECK_EVERY = 32;
/**
 * A collection smaller than this never spills, whatever memory is left: a run of a few records
 * would cost more to write and merge than it frees. Spark's initial threshold is 5 MB.
 */
const MIN_SPILL_BYTES = 1024 * 1024;

export abstract class Spillable {
  #granted = 0;
  #sinceCheck = 0;
  #spills = 0;

  protected constructor(protected readonly task: TaskMemoryManager) {}

  /** The collection's estimated size in memory, in bytes. */
  protected abstract get estimatedBytes(): number;

  /** Writes the in-memory contents to disk as a run and empties the collection. */
  protected abstract spill(): void;

  /** How many times the collection spilled. */
  get spillCount(): number {
    return this.#spills;
  }

  /** Call after each record added. */
  protected maybeSpill(): void {
    if (++this.#sinceCheck < CHECK_EVERY) return;
    this.#sinceCheck = 0;
    const current = this.estimatedBytes;
    if (current < this.#granted) return;
    this.#granted += this.task.acquire(2 * current - this.#granted);
    if (current < this.#granted || current < Math.min(MIN_SPILL_BYTES, this.task.limitBytes / 8))
      return;
    this.spill();
    this.#spills++;
    this.releaseMemory();
  }

  /** Gives back the execution memory granted to this collection. */
  protected releaseMemory(): void {
    this.task.release(this.#granted);
    this.#granted = 0;
  }
}
