/**
 * The sorting half of Spark's ExternalSorter: buffers records while the task's execution memory
 * allows, spills each full buffer to disk as a sorted run, and reads back one merged, sorted
 * stream. Sorting is stable (ties keep the order records arrived in, across runs too), so the
 * result equals an in-memory stable sort of all the records.
 */
import type { FileSegment } from '../recordFrames.js';
import { recordsOf } from '../recordFrames.js';
import { SizeTracker } from '../sizeEstimator.js';
import type { TaskMemoryManager } from '../taskMemoryManager.js';
import { mergeSorted } from './mergeRuns.js';
import { Spillable } from './spillable.js';

export class ExternalSorter extends Spillable implements Iterable<unknown> {
  #buffer: unknown[] = [];
  readonly #size = new SizeTracker();
  readonly #runs: FileSegment[] = [];
  #sorted: unknown[] | undefined;

  constructor(
    task: TaskMemoryManager,
    /** What a record is sorted by (its key, or a function of it). */
    private readonly sortKeyOf: (record: unknown) => unknown,
    private readonly compare: (a: unknown, b: unknown) => number,
  ) {
    super(task);
  }

  insert(record: unknown): void {
    this.#buffer.push(record);
    this.#size.add(record);
    this.maybeSpill();
  }

  /** Whether part of the data went to disk. */
  get spilled(): boolean {
    return this.#runs.length > 0;
  }

  /** The records in order; may be read more than once. */
  *[Symbol.iterator](): Iterator<unknown> {
    this.#sorted ??= this.#sortBuffer();
    if (this.#runs.length === 0) {
      yield* this.#sorted;
      return;
    }
    const runs: Iterable<unknown>[] = this.#runs.map((segment) => recordsOf(segment));
    runs.push(this.#sorted);
    yield* mergeSorted(runs, this.sortKeyOf, this.compare);
  }

  protected get estimatedBytes(): number {
    return this.#size.bytes;
  }

  protected spill(): void {
    const sorted = this.#sortBuffer();
    const writer = this.task.createSpillFile('sort');
    for (const record of sorted) writer.append(record);
    const run = writer.endSegment();
    writer.close();
    this.task.addSpilledBytes(run.length);
    this.#runs.push(run);
  }

  /** Sorts and empties the buffer; sort keys are computed once per record. */
  #sortBuffer(): unknown[] {
    const records = this.#buffer;
    this.#buffer = [];
    this.#size.reset();
    const keys = records.map(this.sortKeyOf);
    const order = Uint32Array.from(records, (_, index) => index);
    const { compare } = this;
    order.sort((a, b) => compare(keys[a], keys[b]) || a - b);
    return Array.from(order, (index) => records[index]);
  }
}
