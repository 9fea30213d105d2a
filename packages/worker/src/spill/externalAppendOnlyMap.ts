/**
 * Spark's ExternalAppendOnlyMap: combines values by key in a KeyMap while the task's execution
 * memory allows, and past it spills the map to disk as a run sorted by key hash, then starts
 * again. Reading merges the runs and what is still in memory, combining each key's combiners in
 * the order they were built, so the result is exactly what one in-memory map would hold (in hash
 * order instead of first-appearance order once it spilled).
 *
 * Used wherever values combine by key: the reduce side of reduceByKey, groupByKey and friends,
 * combineByKey within a partition, and cogroup (the joins).
 */
import type { Aggregator } from '../aggregation.js';
import { PAIRS_OFFSET } from '../codec.js';
import { CombinerMap } from '../combinerMap.js';
import type { FileSegment } from '../recordFrames.js';
import { recordsOf } from '../recordFrames.js';
import type { TaskMemoryManager } from '../taskMemoryManager.js';
import { hashOrder, mergeByHash, pairsInOrder } from './mergeRuns.js';
import { Spillable } from './spillable.js';

type Pair = [unknown, unknown];

export class ExternalAppendOnlyMap extends Spillable implements Iterable<Pair> {
  readonly #map = new CombinerMap();
  readonly #runs: FileSegment[] = [];
  /** Once read after a spill: what was left in memory, as the last run. */
  #lastRun: { keys: unknown[]; values: unknown[]; order: Uint32Array } | undefined;

  constructor(
    private readonly aggregator: Aggregator,
    task: TaskMemoryManager,
  ) {
    super(task);
  }

  /** Adds a value: a new key gets `createCombiner(value)`, a known one `mergeValue`. */
  insert(key: unknown, value: unknown): void {
    this.#map.add(key, value, this.aggregator.createCombiner, this.aggregator.mergeValue);
    this.maybeSpill();
  }

  /** Adds a combiner built elsewhere (a map-side combined block): merged with `mergeCombiners`. */
  insertCombiner(key: unknown, incoming: unknown): void {
    this.#map.add(key, incoming, keepCombiner, this.aggregator.mergeCombiners);
    this.maybeSpill();
  }

  /**
   * Adds every pair of a block of number pairs (a {@link numberPairsView}) as {@link insert}
   * would, or as {@link insertCombiner} when `combined`, without making a pair of each.
   */
  insertNumberPairs(pairs: DataView, combined: boolean): void {
    const map = this.#map;
    const { aggregator } = this;
    const create = combined ? keepCombiner : aggregator.createCombiner;
    const merge = combined ? aggregator.mergeCombiners : aggregator.mergeValue;
    for (let offset = PAIRS_OFFSET; offset < pairs.byteLength; offset += 16) {
      map.add(pairs.getFloat64(offset, true), pairs.getFloat64(offset + 8, true), create, merge);
      this.maybeSpill();
    }
  }

  /** Whether part of the data went to disk. */
  get spilled(): boolean {
    return this.#runs.length > 0;
  }

  /** The combined entries; may be read more than once. */
  *[Symbol.iterator](): Iterator<Pair> {
    if (this.#runs.length === 0) {
      yield* this.#map.entries();
      return;
    }
    if (this.#lastRun === undefined) {
      const { keys, values } = this.#map.drain();
      this.#lastRun = { keys, values, order: hashOrder(keys) };
    }
    const { keys, values, order } = this.#lastRun;
    const runs: Iterable<unknown>[] = this.#runs.map((segment) => recordsOf(segment));
    runs.push({ [Symbol.iterator]: () => pairsInOrder(keys, values, order) });
    yield* mergeByHash(runs, this.aggregator.mergeCombiners);
  }

  protected get estimatedBytes(): number {
    return this.#map.estimatedBytes;
  }

  protected spill(): void {
    const { keys, values } = this.#map.drain();
    const writer = this.task.createSpillFile('aggregate');
    for (const pair of pairsInOrder(keys, values, hashOrder(keys))) writer.append(pair);
    const run = writer.endSegment();
    writer.close();
    this.task.addSpilledBytes(run.length);
    this.#runs.push(run);
  }
}

const keepCombiner = (combiner: unknown): unknown => combiner;
