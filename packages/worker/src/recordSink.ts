import type { MapSlots } from './keys.js';

/**
 * The end of a task's pipeline: something that consumes records one at a time and then produces
 * the task's outcome. `add` returns false to stop early (take), so the pipeline stops pulling.
 */
export interface RecordSink<T> {
  add(record: unknown): boolean | undefined;
  /** For sinks that only count: adds `n` records at once (a fused loop counts inline). */
  addCount?(n: number): void;
  /**
   * For sinks of pairs: adds the pair `[key, value]` as its two halves. A fused loop hands pairs
   * over this way, so that V8 need not build the array when it inlines the function that made it.
   */
  addPair?(key: unknown, value: unknown): boolean | undefined;
  /** For sinks that combine values by key into numbers a fused loop may merge into itself. */
  readonly inPlaceCombine?: InPlaceCombine;
  finish(): T;
}

/**
 * A combining sink's map, for a fused loop to merge values of known keys into without a call per
 * record (reduceByKey into number combiners, as in counts by id or by word): where the key's
 * combiner in `slots()` is a number, the loop merges the value into it itself; it hands every
 * other pair to `addPair`.
 */
export interface InPlaceCombine {
  /** The aggregator's mergeValue, compiled for this stage. */
  readonly mergeValue: (combiner: unknown, value: unknown) => unknown;
  /**
   * The map's storage (see KeyMap.slots; NO_SLOTS when the loop cannot merge into it). Valid
   * until the next call of `addPair`, `add` or `replaceCombiner`.
   */
  slots(): MapSlots;
  /** Stores a merge's result that is not a number as the combiner of `key` (which has one). */
  replaceCombiner(key: unknown, combiner: unknown): void;
  /** How many keys the map holds: a loop compares it across a slice to see how many were new. */
  keyCount(): number;
}

/** Asserts the pair shape that keyed operations need, with an error that names the operation. */
export function assertPair(
  record: unknown,
  operation: string,
): asserts record is [unknown, unknown] {
  if (!Array.isArray(record) || record.length !== 2) {
    throw new TypeError(
      `${operation} works on [key, value] pairs, but got ${describe(record)}. ` +
        'Map each element to a 2-element array first, e.g. .map((x) => [key(x), x]).',
    );
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} elements`;
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`;
}
