/**
 * Combining values by key, as Spark's Aggregator does, wherever it happens: on the map side of a
 * shuffle, on the reduce side, or within a partition that is already partitioned by key.
 */
import { KeyMap } from './keys.js';
import type { TaskRuntime } from './pipeline.js';
import { assertPair } from './recordSink.js';
import type { AggregatorSpec } from './taskSpec.js';

/** An aggregator's three functions, compiled. */
export interface Aggregator {
  createCombiner(value: unknown): unknown;
  mergeValue(combiner: unknown, value: unknown): unknown;
  mergeCombiners(a: unknown, b: unknown): unknown;
}

type Fn1 = (value: unknown) => unknown;
type Fn2 = (a: unknown, b: unknown) => unknown;

export function compileAggregator(
  spec: AggregatorSpec,
  runtime: Pick<TaskRuntime, 'fn'>,
): Aggregator {
  const mergeValue = runtime.fn(spec.mergeValue) as Fn2;
  const mergeCombiners = runtime.fn(spec.mergeCombiners) as Fn2;
  const { createCombiner } = spec;
  if ('zero' in createCombiner) {
    // Every key gets its own copy of the zero, so a seqOp that mutates it is safe.
    const { zero } = createCombiner;
    return {
      createCombiner: (value) => mergeValue(structuredClone(zero), value),
      mergeValue,
      mergeCombiners,
    };
  }
  return { createCombiner: runtime.fn(createCombiner) as Fn1, mergeValue, mergeCombiners };
}

/** Combines `[key, value]` records by key, in order of first appearance. */
export function combineValuesByKey(
  records: Iterable<unknown>,
  aggregator: Aggregator,
  operation: string,
): KeyMap<unknown> {
  const combined = new KeyMap<unknown>();
  for (const record of records) {
    assertPair(record, operation);
    const [key, value] = record;
    combined.set(
      key,
      combined.has(key)
        ? aggregator.mergeValue(combined.get(key), value)
        : aggregator.createCombiner(value),
    );
  }
  return combined;
}

/** Merges `[key, combiner]` records by key. */
export function mergeCombinersByKey(
  records: Iterable<[unknown, unknown]>,
  aggregator: Aggregator,
  into: KeyMap<unknown>,
): void {
  for (const [key, combiner] of records) {
    into.set(key, into.has(key) ? aggregator.mergeCombiners(into.get(key), combiner) : combiner);
  }
}
