/**
 * Combining values by key, as Spark's Aggregator does, wherever it happens: on the map side of a
 * shuffle, on the reduce side, or within a partition that is already partitioned by key (the
 * maps that hold the combiners are in `shuffle/shuffleWriter.ts` and `spill/`).
 */
import type { TaskRuntime } from './pipeline.js';
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
