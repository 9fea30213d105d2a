/**
 * Evaluates a stage's operator tree for one partition, pulling records through it one at a time:
 * a narrow chain never materialises a partition between operators. Shuffle inputs are fetched
 * before evaluation starts (see `shuffle/shuffleReader.ts`), so evaluation itself is synchronous.
 */
import { type Aggregator, compileAggregator } from './aggregation.js';
import type { BlockManager } from './blockManager.js';
import type { FunctionSpec } from './closure/functionSpec.js';
import { ErrorCode, FlintError } from './errors.js';
import { parentPartitions } from './narrowDependencies.js';
import { assertPair } from './recordSink.js';
import { ExternalAppendOnlyMap } from './spill/externalAppendOnlyMap.js';
import type { TaskMemoryManager } from './taskMemoryManager.js';
import type { PipelineNode } from './taskSpec.js';
import { readSplitLines } from './textFileReader.js';

/** What evaluating one task's partition needs from the worker. */
export interface TaskRuntime {
  /** The task's partition and attempt number. */
  readonly partition: number;
  readonly attempt: number;
  readonly inputs: Readonly<Record<string, readonly unknown[]>> | undefined;
  readonly blockManager: BlockManager;
  /** The task's share of the worker's memory and disk (for what spills). */
  readonly task: TaskMemoryManager;
  /** The compiled form of a shipped function (compiled once per stage). */
  fn(spec: FunctionSpec): (...args: never[]) => unknown;
  /** Records of a shuffle-read node's partition, fetched and aggregated before evaluation. */
  shuffleRecords(node: PipelineNode, partition: number): Iterable<unknown>;
}

type Fn1 = (value: unknown) => unknown;
type Fn2 = (a: unknown, b: unknown) => unknown;

/** The records of `partition` of `node`. */
export function computePartition(
  node: PipelineNode,
  partition: number,
  runtime: TaskRuntime,
): Iterable<unknown> {
  if (node.cache) {
    const cached = runtime.blockManager.getCached(node.id, partition);
    if (cached) return cached;
    // As Spark does, a cached partition is computed whole and stored before it is read, even
    // when the reader (take) stops early; one that does not fit is read without being stored.
    const records = syncRecords(computeUncached(node, partition, runtime));
    return runtime.blockManager.cachePartition(node.id, partition, records);
  }
  return computeUncached(node, partition, runtime);
}

function computeUncached(
  node: PipelineNode,
  partition: number,
  runtime: TaskRuntime,
): Iterable<unknown> {
  const { op } = node;
  const parent = (index = 0): Iterable<unknown> => {
    const parentNode = node.parents[index];
    if (!parentNode)
      throw new FlintError(ErrorCode.PROTOCOL, `Operator '${op.kind}' has no parent ${index}.`);
    return computePartition(parentNode, partition, runtime);
  };
  switch (op.kind) {
    case 'parallelize':
      return runtime.inputs?.[`${node.id}:${partition}`] ?? [];
    case 'range':
      return rangeSlice(op.start, op.step, op.count, op.numPartitions, partition);
    case 'textFile': {
      const split = op.splits[partition];
      return split ? readSplitLines(split) : [];
    }
    case 'empty':
      return [];
    case 'map':
      return mapRecords(parent(), runtime.fn(op.fn) as Fn1);
    case 'filter':
      return filterRecords(parent(), runtime.fn(op.fn) as Fn1);
    case 'flatMap':
      return flatMapRecords(parent(), runtime.fn(op.fn) as Fn1, 'flatMap');
    case 'mapPartitions':
      return iterableResult((runtime.fn(op.fn) as Fn1)(parent()), 'mapPartitions');
    case 'mapPartitionsWithIndex':
      return iterableResult(
        (runtime.fn(op.fn) as Fn2)(partition, parent()),
        'mapPartitionsWithIndex',
      );
    case 'keyBy':
      return keyByRecords(parent(), runtime.fn(op.fn) as Fn1);
    case 'mapValues':
      return mapValuesRecords(parent(), runtime.fn(op.fn) as Fn1);
    case 'flatMapValues':
      return flatMapValuesRecords(parent(), runtime.fn(op.fn) as Fn1);
    case 'glom':
      return [Array.from(parent())];
    case 'shuffleRead':
      return runtime.shuffleRecords(node, partition);
    case 'foldPartition': {
      const fn = runtime.fn(op.fn) as Fn2;
      let accumulator = structuredClone(op.zero);
      for (const record of syncRecords(parent())) accumulator = fn(accumulator, record);
      return [accumulator];
    }
    case 'combineByKey': {
      const combined = new ExternalAppendOnlyMap(
        compileAggregator(op.aggregator, runtime),
        runtime.task,
      );
      for (const record of syncRecords(parent())) {
        assertPair(record, 'A keyed operation');
        combined.insert(record[0], record[1]);
      }
      return combined;
    }
    case 'union':
    case 'coalesce':
    case 'cartesian':
    case 'zip':
    case 'cogroup':
      return computeMultiParent(node, partition, runtime);
    default:
      return op satisfies never;
  }
}

function computeMultiParent(
  node: PipelineNode,
  partition: number,
  runtime: TaskRuntime,
): Iterable<unknown> {
  const { op } = node;
  const reads = parentPartitions(op, partition, node.parents.length);
  const readParent = (index: number, parentPartition: number) =>
    computePartition(node.parents[index] as PipelineNode, parentPartition, runtime);
  switch (op.kind) {
    case 'zip':
      return zipRecords(readParent(0, partition), readParent(1, partition), partition);
    case 'cogroup':
      return cogroupRecords(
        node.parents.map((_, index) => readParent(index, partition)),
        runtime.task,
      );
    case 'cartesian': {
      const [[left = 0] = [], [right = 0] = []] = reads;
      return cartesianRecords(readParent(0, left), () => readParent(1, right));
    }
    default:
      return concat(
        reads.flatMap((partitions, index) => partitions.map((p) => () => readParent(index, p))),
      );
  }
}

/** Spark's range slicing: partition i holds elements floor(i*n/p) until floor((i+1)*n/p). */
function* rangeSlice(
  start: number,
  step: number,
  count: number,
  numPartitions: number,
  partition: number,
) {
  const from = Math.floor((partition * count) / numPartitions);
  const to = Math.floor(((partition + 1) * count) / numPartitions);
  for (let i = from; i < to; i++) yield start + i * step;
}

function* mapRecords(records: Iterable<unknown>, fn: Fn1) {
  for (const record of syncRecords(records)) yield fn(record);
}

function* filterRecords(records: Iterable<unknown>, fn: Fn1) {
  for (const record of syncRecords(records)) if (fn(record)) yield record;
}

function* flatMapRecords(records: Iterable<unknown>, fn: Fn1, operator: string) {
  for (const record of syncRecords(records))
    yield* syncRecords(iterableResult(fn(record), operator));
}

function* keyByRecords(records: Iterable<unknown>, fn: Fn1) {
  for (const record of syncRecords(records)) yield [fn(record), record];
}

function* mapValuesRecords(records: Iterable<unknown>, fn: Fn1) {
  for (const record of syncRecords(records)) {
    assertPair(record, 'mapValues()');
    yield [record[0], fn(record[1])];
  }
}

function* flatMapValuesRecords(records: Iterable<unknown>, fn: Fn1) {
  for (const record of syncRecords(records)) {
    assertPair(record, 'flatMapValues()');
    for (const value of syncRecords(iterableResult(fn(record[1]), 'flatMapValues')))
      yield [record[0], value];
  }
}

function* concat(parts: readonly (() => Iterable<unknown>)[]) {
  for (const part of parts) yield* part();
}

function* zipRecords(left: Iterable<unknown>, right: Iterable<unknown>, partition: number) {
  const rightIterator = right[Symbol.iterator]();
  for (const value of left) {
    const next = rightIterator.next();
    if (next.done) throw unequalZip(partition);
    yield [value, next.value];
  }
  if (!rightIterator.next().done) throw unequalZip(partition);
}

function unequalZip(partition: number): FlintError {
  return new FlintError(
    ErrorCode.ARGUMENT,
    `zip() needs the same number of elements in each partition, but partition ${partition} differs. ` +
      'Zip datasets derived from each other with map(), or use zipWithIndex() and join().',
  );
}

/**
 * `[key, [values of parent 0, values of parent 1, ...]]` for every key of any parent, combined
 * as Spark's CoGroupedRDD does, in a map that spills: each value arrives as `[parent, value]`.
 */
function cogroupRecords(
  parents: readonly Iterable<unknown>[],
  task: TaskMemoryManager,
): Iterable<unknown> {
  const width = parents.length;
  const aggregator: Aggregator = {
    createCombiner(tagged) {
      const [index, value] = tagged as [number, unknown];
      const group: unknown[][] = Array.from({ length: width }, () => []);
      (group[index] as unknown[]).push(value);
      return group;
    },
    mergeValue(group, tagged) {
      const [index, value] = tagged as [number, unknown];
      ((group as unknown[][])[index] as unknown[]).push(value);
      return group;
    },
    mergeCombiners(a, b) {
      (b as unknown[][]).forEach((values, index) => {
        const into = (a as unknown[][])[index] as unknown[];
        for (const value of values) into.push(value);
      });
      return a;
    },
  };
  const groups = new ExternalAppendOnlyMap(aggregator, task);
  parents.forEach((records, index) => {
    for (const record of syncRecords(records)) {
      assertPair(record, 'cogroup() and the joins');
      groups.insert(record[0], [index, record[1]]);
    }
  });
  return groups;
}

function* cartesianRecords(left: Iterable<unknown>, right: () => Iterable<unknown>) {
  let rightRecords: readonly unknown[] | undefined;
  for (const a of left) {
    rightRecords ??= Array.from(right());
    for (const b of rightRecords) yield [a, b];
  }
}

/** Checks that what a user function returned can be iterated, with an error that says where. */
function iterableResult(value: unknown, operator: string): Iterable<unknown> {
  if (value != null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return value as Iterable<unknown>;
  }
  if (
    value != null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  ) {
    // The task runner awaits an async iterable at the end of a pipeline; further operators pull
    // synchronously and get an error from `syncRecords` below.
    return value as Iterable<unknown>;
  }
  throw new FlintError(
    ErrorCode.ARGUMENT,
    `The function given to ${operator}() must return an iterable (an array or a generator), ` +
      `but it returned ${value === null ? 'null' : typeof value}.`,
  );
}

/**
 * An async iterable can only end a pipeline, where the task runner awaits it; an operator after
 * it pulls synchronously, so say how to restructure instead of failing with a TypeError.
 */
export function syncRecords(records: Iterable<unknown>): Iterable<unknown> {
  if (typeof (records as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function')
    return records;
  throw new FlintError(
    ErrorCode.ARGUMENT,
    'An async iterable returned by mapPartitions() can only be the last step before an action. ' +
      'Move the operators that follow it into the same mapPartitions() function.',
  );
}
