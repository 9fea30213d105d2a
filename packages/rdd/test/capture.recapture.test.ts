import type { LineageNode } from '@flint/scheduler';
import { compileFunction, type FunctionSpec } from '@flint/worker';
import { expect, test } from 'vitest';
import { recaptureLineage } from '../src/capture/index.js';
import { capture } from './fixtures/capture/roundTrip.js';

/** A two-node lineage: a shuffle whose aggregator and reader share `merge`, then a map. */
function lineage(map: FunctionSpec, merge: FunctionSpec): LineageNode {
  const source = {
    id: 0,
    name: 'ParallelCollectionRDD',
    callSite: 'parallelize at test',
    numPartitions: 1,
    op: { kind: 'parallelize' },
    dependencies: [],
    cached: false,
  } as const;
  const aggregator = { createCombiner: { zero: 0 }, mergeValue: merge, mergeCombiners: merge };
  const shuffled = {
    ...source,
    id: 1,
    op: { kind: 'shuffleRead' },
    dependencies: [
      {
        kind: 'shuffle',
        parent: source,
        shuffleId: 0,
        partitioner: { kind: 'hash', numPartitions: 1 },
        aggregator,
        mapSideCombine: true,
      },
    ],
  } as const;
  return {
    ...source,
    id: 2,
    op: { kind: 'map', fn: map },
    dependencies: [{ kind: 'narrow', parent: shuffled }],
  } as LineageNode;
}

const run = (spec: unknown, ...args: number[]) =>
  (compileFunction(spec as FunctionSpec) as (...values: number[]) => number)(...args);

test('specs that read changeable values are captured again; the others are kept', () => {
  let bonus = 1;
  const merge = capture((a: number, b: number) => a + b + bonus);
  const map = capture((x: number) => Math.abs(x) * 2);
  const node = lineage(map, merge);
  bonus = 100;
  recaptureLineage(node);
  const op = node.op as { fn: FunctionSpec };
  const dependency = (node.dependencies[0]?.parent.dependencies[0] ?? {}) as {
    aggregator: { mergeValue: FunctionSpec; mergeCombiners: FunctionSpec };
  };
  // Only globals: nothing can change, so the same spec stays.
  expect(op.fn).toBe(map);
  // A let: a new spec with the value it holds now, shared where the old one was.
  expect(dependency.aggregator.mergeValue).not.toBe(merge);
  expect(dependency.aggregator.mergeCombiners).toBe(dependency.aggregator.mergeValue);
  expect(run(dependency.aggregator.mergeValue, 1, 2)).toBe(103);
  // The old spec is unchanged: a job already submitted with it keeps its values.
  expect(run(merge, 1, 2)).toBe(4);
});
