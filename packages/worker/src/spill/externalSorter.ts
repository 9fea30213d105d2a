/**
 * The sorting half of Spark's ExternalSorter: buffers records while the task's execution memory
 * allows, spills each full buffer to disk as a sorted run, and reads back one merged, sorted
 * stream. Sorting is stable (ties keep the order records arrived in, across runs too), so the
 * result equals an in-memory stable sort of all the records, in Flint's total order (compareValues)
 * or its reverse. Sorting number pairs by key (sortBy over numbers) keeps them as columns and
 * orders them with a radix sort over a Float64Array of keys (numberOrder).
 */
import { PAIRS_OFFSET } from '../codec.js';
import { compareValues, numberOrder } from '../ordering.js';
import { PairColumns } from '../pairColumns.js';
import type { FileSegment } from '../recordFrames.js';
import { encodePairBlock, recordsOf } from '../recordFrames.js';
import { SizeTracker } from '../sizeEstimator.js';
import type { TaskMemoryManager } from '../taskMemoryManager.js';
import { mergeSorted } from './mergeRuns.js';
import { Spillable } from './spillable.js';

/** What a sorter sorts records by: their key (`record[0]`), or a function of the record. */
export type SortKey = 'key' | ((record: unknown) => unknown);

const recordKey = (record: unknown): unknown => (record as [unknown, unknown])[0];

export class ExternalSorter extends Spillable implements Iterable<unknown> {
  #buffer: unknown[] = [];
  /**
   * When sorting by key: the records while every one is a `[number, number]` pair, as columns
   * (no array per record, and a typed sort), until the first other record joins the buffer.
   */
  #columns: PairColumns | undefined;
  readonly #size = new SizeTracker();
  readonly #runs: FileSegment[] = [];
  #sorted: Iterable<unknown> | undefined;
  readonly #sortKeyOf: (record: unknown) => unknown;
  /** Flint's total order (compareValues), or its reverse. */
  readonly #compare: (a: unknown, b: unknown) => number;

  constructor(
    task: TaskMemoryManager,
    sortKey: SortKey,
    private readonly ascending: boolean,
  ) {
    super(task);
    this.#sortKeyOf = sortKey === 'key' ? recordKey : sortKey;
    this.#compare = ascending ? compareValues : (a, b) => -compareValues(a, b);
    if (sortKey === 'key') this.#columns = new PairColumns();
  }

  insert(record: unknown): void {
    const columns = this.#columns;
    if (columns !== undefined && isNumberPair(record)) columns.push(record[0], record[1]);
    else {
      this.#recordsBuffer().push(record);
      this.#size.add(record);
    }
    this.maybeSpill();
  }

  /** Inserts every pair of a block of number pairs (a codec numberPairsView), in order. */
  insertNumberPairs(pairs: DataView): void {
    for (let offset = PAIRS_OFFSET; offset < pairs.byteLength; offset += 16) {
      const key = pairs.getFloat64(offset, true);
      const value = pairs.getFloat64(offset + 8, true);
      const columns = this.#columns;
      if (columns !== undefined) {
        columns.push(key, value);
        this.maybeSpill();
      } else this.insert([key, value]);
    }
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
    yield* mergeSorted(runs, this.#sortKeyOf, this.#compare);
  }

  protected get estimatedBytes(): number {
    return this.#size.bytes + (this.#columns?.bytes ?? 0);
  }

  protected spill(): void {
    const writer = this.task.createSpillFile('sort');
    const columns = this.#columns;
    if (columns !== undefined) {
      const { keys, values } = columns;
      const order = numberOrder(keys, this.ascending);
      writer.appendFrames(encodePairBlock(gather(keys, order), gather(values, order)));
      this.#columns = new PairColumns();
    }
    for (const record of this.#sortRecords()) writer.append(record);
    const run = writer.endSegment();
    writer.close();
    this.task.addSpilledBytes(run.length);
    this.#runs.push(run);
  }

  /** The buffer, the columns' pairs first moved into it (in arrival order) for good. */
  #recordsBuffer(): unknown[] {
    this.#columns?.appendTo(this.#buffer, this.#size);
    this.#columns = undefined;
    return this.#buffer;
  }

  /** Sorts and empties what is in memory: the columns' pairs (made as read) or the records. */
  #sortBuffer(): Iterable<unknown> {
    const columns = this.#columns;
    if (columns === undefined || columns.length === 0) return this.#sortRecords();
    const { keys, values } = columns;
    const order = numberOrder(keys, this.ascending);
    this.#columns = new PairColumns();
    return {
      *[Symbol.iterator]() {
        for (const index of order) yield [keys[index], values[index]];
      },
    };
  }

  /** Sorts and empties the record buffer; sort keys are computed once per record. */
  #sortRecords(): unknown[] {
    const records = this.#buffer;
    this.#buffer = [];
    this.#size.reset();
    const keys = records.map(this.#sortKeyOf);
    const order = Uint32Array.from(records, (_, index) => index);
    const compare = this.#compare;
    order.sort((a, b) => compare(keys[a], keys[b]) || a - b);
    return Array.from(order, (index) => records[index]);
  }
}

function isNumberPair(record: unknown): record is [number, number] {
  return (
    Array.isArray(record) &&
    record.length === 2 &&
    typeof record[0] === 'number' &&
    typeof record[1] === 'number'
  );
}

function gather(column: Float64Array, order: Uint32Array): Float64Array {
  const gathered = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) gathered[i] = column[order[i] as number] as number;
  return gathered;
}
