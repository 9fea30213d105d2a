/**
 * Spark's RDD: an immutable, partitioned collection described by its lineage. Transformations
 * only record a new node of the lineage graph; actions submit a job to the scheduler and combine
 * the per-partition results on the driver. `Dataset<T>` is the public type, which offers pair and
 * numeric methods only where the elements fit them; DatasetImpl is the one runtime class behind it.
 */

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import {
  type JobOptions,
  type LineageNode,
  type NodeOperator,
  type ShuffleDependency,
  toDebugString,
} from '@flint/scheduler';
import {
  type AggregatorSpec,
  compareValues,
  ErrorCode,
  emptyStats,
  FlintError,
  type FunctionSpec,
  hashKey,
  type KeyOrdering,
  type KeySample,
  mergeStats,
  type PartialReduce,
  type PartialStats,
  type PartitionerSpec,
  type ResultSpec,
} from '@flint/worker';
import { callSite } from './callSite.js';
import type { DatasetRuntime } from './context.js';
import type {
  BaseDataset,
  DatasetStats,
  NumericDatasetFunctions,
  PairDatasetFunctions,
} from './datasetTypes.js';
import { checkInteger, describeValue } from './options.js';

/** Options every action accepts as its last argument. */
export interface ActionOptions {
  /** Cancels the job: its tasks stop on every worker and the promise rejects with FLINT_CANCELLED. */
  readonly signal?: AbortSignal;
}

/** Names a user function may use, beyond what automatic capture finds: `ds.map(x => x * k, { k })`. */
export type Env = Readonly<Record<string, unknown>>;

/** `numPartitions`, or `{ numPartitions, env }` for methods that also take user functions. */
export type PartitionsArgument = number | { readonly numPartitions?: number; readonly env?: Env };

/**
 * A distributed dataset of `T` (Spark's RDD). Its methods depend on `T`: every dataset has those
 * of {@link BaseDataset}, `Dataset<[K, V]>` adds {@link PairDatasetFunctions} and `Dataset<number>`
 * adds {@link NumericDatasetFunctions}, so pair and numeric methods exist only where they apply.
 *
 * `T` is judged as a whole: `Dataset<[K, V] | undefined>` and `Dataset<number | string>` have only
 * the base methods (filter first), while a union of pairs `[K1, V1] | [K2, V2]` is a pair dataset
 * keyed by `K1 | K2`. `any` (untyped data, e.g. from JSON.parse) and `never` (an empty dataset of
 * no declared type) have every method.
 */
export type Dataset<T> = BaseDataset<T> &
  // `[T]` keeps a union from distributing. No `infer` here: it would type the pairs of
  // Dataset<any> as unknown, and it would stop Dataset<any> fitting a generic Dataset<T>.
  ([T] extends [readonly [unknown, unknown]]
    ? PairDatasetFunctions<PairKey<T>, PairValue<T>>
    : unknown) &
  ([T] extends [number] ? NumericDatasetFunctions : unknown);

/** The key of a pair type (of each pair of a union); `any` stays `any`, `never` stays `never`. */
type PairKey<T> = T extends readonly [unknown, unknown] ? T[0] : never;

/** The value of a pair type (of each pair of a union); `any` stays `any`, `never` stays `never`. */
type PairValue<T> = T extends readonly [unknown, unknown] ? T[1] : never;

/** The type of the value `Dataset`, which exists for `instanceof`: contexts make datasets, not `new`. */
interface DatasetConstructor {
  /** `value instanceof Dataset` is true for every dataset; it narrows to Dataset<any>, as for a class. */
  // biome-ignore lint/suspicious/noExplicitAny: what `instanceof` gives a generic class, C<any>
  [Symbol.hasInstance](value: unknown): value is Dataset<any>;
  /** @internal Creates a source dataset (no parents). */
  source<T>(runtime: DatasetRuntime, spec: NodeSpec): Dataset<T>;
}

interface NodeSpec {
  readonly name: string;
  readonly callSite: string;
  readonly numPartitions: number;
  readonly op: NodeOperator;
  readonly dependencies?: LineageNode['dependencies'];
  readonly partitioner?: PartitionerSpec;
  readonly slices?: readonly (readonly unknown[])[];
}

/** Spark's `limit.scaleUpFactor`: how much more of the dataset each round of take() scans. */
const TAKE_SCALE_UP = 4;

/**
 * The one runtime class behind every {@link Dataset}, whatever its element type: it holds the
 * lineage node and implements all the methods of the interfaces in datasetTypes.ts, where they are
 * documented. Pair and numeric methods state the elements they need with a `this` parameter, so
 * the generic code here can call them; users see only `Dataset<T>`, never this class.
 * @internal
 */
export class DatasetImpl<T> {
  readonly #runtime: DatasetRuntime;
  readonly #node: { -readonly [K in keyof LineageNode]: LineageNode[K] };

  /** @internal */
  protected constructor(runtime: DatasetRuntime, spec: NodeSpec) {
    this.#runtime = runtime;
    this.#node = {
      id: runtime.nextNodeId(),
      name: spec.name,
      callSite: spec.callSite,
      numPartitions: spec.numPartitions,
      op: spec.op,
      dependencies: spec.dependencies ?? [],
      cached: false,
      ...(spec.partitioner ? { partitioner: spec.partitioner } : {}),
      ...(spec.slices ? { slices: spec.slices } : {}),
    };
  }

  /** @internal Creates a source dataset (no parents). */
  static source<T>(runtime: DatasetRuntime, spec: NodeSpec): DatasetImpl<T> {
    return new DatasetImpl<T>(runtime, spec);
  }

  /** @internal Creates a dataset in the same context as `from`. */
  static derived<T>(from: DatasetImpl<unknown>, spec: NodeSpec): DatasetImpl<T> {
    return new DatasetImpl<T>(from.#runtime, spec);
  }

  get id(): number {
    return this.#node.id;
  }

  /** @internal The lineage node the scheduler sees. */
  get node(): LineageNode {
    return this.#node;
  }

  getNumPartitions(): number {
    return this.#node.numPartitions;
  }

  toDebugString(): string {
    return toDebugString(this.#node);
  }

  // Narrow transformations ---------------------------------------------------------------------

  map<U>(fn: (value: T) => U, env?: Env): DatasetImpl<U> {
    return this.#narrow<U>('map', { kind: 'map', fn: this.#capture(fn, env, 'map') });
  }

  filter(fn: (value: T) => unknown, env?: Env): DatasetImpl<T> {
    return this.#narrow<T>(
      'filter',
      { kind: 'filter', fn: this.#capture(fn, env, 'filter') },
      this.#node.partitioner,
    );
  }

  flatMap<U>(fn: (value: T) => Iterable<U>, env?: Env): DatasetImpl<U> {
    return this.#narrow<U>('flatMap', { kind: 'flatMap', fn: this.#capture(fn, env, 'flatMap') });
  }

  mapPartitions<U>(
    fn: (partition: Iterable<T>) => Iterable<U> | AsyncIterable<U>,
    env?: Env,
  ): DatasetImpl<U> {
    return this.#narrow<U>('mapPartitions', {
      kind: 'mapPartitions',
      fn: this.#capture(fn, env, 'mapPartitions'),
    });
  }

  mapPartitionsWithIndex<U>(
    fn: (index: number, partition: Iterable<T>) => Iterable<U> | AsyncIterable<U>,
    env?: Env,
  ): DatasetImpl<U> {
    return this.#narrow<U>('mapPartitionsWithIndex', {
      kind: 'mapPartitionsWithIndex',
      fn: this.#capture(fn, env, 'mapPartitionsWithIndex'),
    });
  }

  glom(): DatasetImpl<T[]> {
    return this.#narrow<T[]>('glom', { kind: 'glom' });
  }

  keyBy<K>(fn: (value: T) => K, env?: Env): DatasetImpl<[K, T]> {
    return this.#narrow<[K, T]>('keyBy', { kind: 'keyBy', fn: this.#capture(fn, env, 'keyBy') });
  }

  groupBy<K>(fn: (value: T) => K, numPartitions?: PartitionsArgument): DatasetImpl<[K, T[]]> {
    const { n, env } = this.#partitionsArgument(numPartitions, 'groupBy');
    const keyed = this.#narrow<[K, T]>('groupBy', {
      kind: 'keyBy',
      fn: this.#capture(fn, env, 'groupBy'),
    });
    return keyed.groupByKey(n);
  }

  union(other: DatasetImpl<T>): DatasetImpl<T> {
    this.#assertDataset(other, 'union(other)');
    return unionOfImpl([this, other], callSite('union'));
  }

  distinct(numPartitions?: number): DatasetImpl<T> {
    const { n } = this.#partitionsArgument(numPartitions, 'distinct');
    const b = builtins(this.#runtime);
    const pairs = this.#narrow<[T, null]>('distinct', { kind: 'map', fn: b.withNull });
    return pairs
      .#combine<[T, null]>(
        'distinct',
        { createCombiner: b.identity, mergeValue: b.first, mergeCombiners: b.first },
        n,
        true,
      )
      .keys();
  }

  intersection(other: DatasetImpl<T>): DatasetImpl<T> {
    this.#assertDataset(other, 'intersection(other)');
    const b = builtins(this.#runtime);
    const left = this.#narrow<[T, null]>('intersection', { kind: 'map', fn: b.withNull });
    const right = other.#narrow<[T, null]>('intersection', { kind: 'map', fn: b.withNull });
    const n = Math.max(this.getNumPartitions(), other.getNumPartitions());
    return left.cogroup(right, n).#narrow<T>('intersection', { kind: 'flatMap', fn: b.keyIfBoth });
  }

  subtract(other: DatasetImpl<T>, numPartitions?: number): DatasetImpl<T> {
    this.#assertDataset(other, 'subtract(other)');
    const { n } = this.#partitionsArgument(numPartitions, 'subtract');
    const b = builtins(this.#runtime);
    const left = this.#narrow<[T, null]>('subtract', { kind: 'map', fn: b.withNull });
    const right = other.#narrow<[T, null]>('subtract', { kind: 'map', fn: b.withNull });
    return left.subtractByKey(right, n).keys();
  }

  cartesian<U>(other: DatasetImpl<U>): DatasetImpl<[T, U]> {
    this.#assertDataset(other, 'cartesian(other)');
    const right = other.getNumPartitions();
    return new DatasetImpl<[T, U]>(this.#runtime, {
      name: 'CartesianRDD',
      callSite: callSite('cartesian'),
      numPartitions: this.#node.numPartitions * right,
      op: { kind: 'cartesian', rightPartitions: right },
      dependencies: [
        { kind: 'narrow', parent: this.#node },
        { kind: 'narrow', parent: other.#node },
      ],
    });
  }

  zip<U>(other: DatasetImpl<U>): DatasetImpl<[T, U]> {
    this.#assertDataset(other, 'zip(other)');
    if (other.getNumPartitions() !== this.getNumPartitions()) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `zip() needs datasets with the same number of partitions, but they have ${this.getNumPartitions()} and ${other.getNumPartitions()}.`,
      );
    }
    return new DatasetImpl<[T, U]>(this.#runtime, {
      name: 'ZippedPartitionsRDD2',
      callSite: callSite('zip'),
      numPartitions: this.#node.numPartitions,
      op: { kind: 'zip' },
      dependencies: [
        { kind: 'narrow', parent: this.#node },
        { kind: 'narrow', parent: other.#node },
      ],
    });
  }

  zipWithIndex(): DatasetImpl<[T, number]> {
    const zipped = this.#narrow<[T, number]>('zipWithIndex', { kind: 'empty' });
    const runtime = this.#runtime;
    preparations.set(zipped.#node, async () => {
      const all = Array.from({ length: this.getNumPartitions() }, (_, i) => i);
      const counts = (await runtime.runJob(this.#node, { kind: 'count' }, all.slice(0, -1), {
        description: callSite('zipWithIndex'),
      })) as number[];
      const offsets = [0];
      for (const count of counts) offsets.push((offsets.at(-1) ?? 0) + count);
      zipped.#node.op = {
        kind: 'mapPartitionsWithIndex',
        fn: runtime.capture(zipWithOffsets, { offsets }, 'zipWithIndex'),
      };
    });
    return zipped;
  }

  zipWithUniqueId(): DatasetImpl<[T, number]> {
    const n = this.getNumPartitions();
    return this.#narrow<[T, number]>('zipWithUniqueId', {
      kind: 'mapPartitionsWithIndex',
      fn: this.#runtime.capture(zipWithUniqueIds, { n }, 'zipWithUniqueId'),
    });
  }

  sample(withReplacement: boolean, fraction: number, seed?: number): DatasetImpl<T> {
    if (typeof fraction !== 'number' || !(fraction >= 0) || (!withReplacement && fraction > 1)) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `sample(withReplacement, fraction): fraction must be ${withReplacement ? 'at least 0' : 'between 0 and 1'}, but got ${describeValue(fraction)}.`,
      );
    }
    const actualSeed =
      seed === undefined
        ? Math.floor(Math.random() * 2 ** 31)
        : checkInteger(seed, 'sample(…, seed)', Number.MIN_SAFE_INTEGER);
    return this.#narrow<T>('sample', {
      kind: 'mapPartitionsWithIndex',
      fn: this.#runtime.capture(
        samplePartition,
        { withReplacement: Boolean(withReplacement), fraction, seed: actualSeed },
        'sample',
      ),
    });
  }

  sortBy<K>(
    keyFn: (value: T) => K,
    ascending = true,
    numPartitions?: PartitionsArgument,
  ): DatasetImpl<T> {
    const { n, env } = this.#partitionsArgument(numPartitions, 'sortBy');
    const keyed = this.#narrow<[K, T]>('sortBy', {
      kind: 'keyBy',
      fn: this.#capture(keyFn, env, 'sortBy'),
    });
    return keyed.sortByKey(ascending, n).values();
  }

  partition(numPartitions: number): DatasetImpl<T> {
    return this.repartition(numPartitions);
  }

  repartition(numPartitions: number): DatasetImpl<T> {
    const n = checkInteger(numPartitions, 'repartition(numPartitions)', 1);
    const keyed = this.#narrow<[number, T]>('repartition', {
      kind: 'mapPartitionsWithIndex',
      fn: builtins(this.#runtime).roundRobin,
    });
    const shuffled = keyed.#shuffle<[number, T]>(
      'repartition',
      { kind: 'hash', numPartitions: n },
      undefined,
      false,
    );
    return shuffled.#narrow<T>('repartition', { kind: 'map', fn: builtins(this.#runtime).value });
  }

  coalesce(numPartitions: number, shuffle = false): DatasetImpl<T> {
    const n = checkInteger(numPartitions, 'coalesce(numPartitions)', 1);
    if (shuffle) return this.repartition(n);
    const parents = this.#node.numPartitions;
    const target = Math.min(n, parents);
    const groups = Array.from({ length: target }, (_, i) =>
      Array.from(
        { length: Math.floor(((i + 1) * parents) / target) - Math.floor((i * parents) / target) },
        (_, j) => Math.floor((i * parents) / target) + j,
      ),
    );
    return new DatasetImpl<T>(this.#runtime, {
      name: 'CoalescedRDD',
      callSite: callSite('coalesce'),
      numPartitions: target,
      op: { kind: 'coalesce', groups },
      dependencies: [{ kind: 'narrow', parent: this.#node }],
    });
  }

  cache(): this {
    this.#node.cached = true;
    this.#runtime.cleaner.trackCache(this.#node, this.#node.id);
    return this;
  }

  persist(): this {
    return this.cache();
  }

  unpersist(): this {
    this.#node.cached = false;
    this.#runtime.unpersist(this.#node.id);
    return this;
  }

  // Pair transformations -------------------------------------------------------------------------

  mapValues<K, V, U>(
    this: DatasetImpl<[K, V]>,
    fn: (value: V) => U,
    env?: Env,
  ): DatasetImpl<[K, U]> {
    const op: NodeOperator = { kind: 'mapValues', fn: this.#capture(fn, env, 'mapValues') };
    // Keys do not change, so the partitioning is kept: a later keyed operation need not shuffle.
    return this.#narrow<[K, U]>('mapValues', op, this.#node.partitioner);
  }

  flatMapValues<K, V, U>(
    this: DatasetImpl<[K, V]>,
    fn: (value: V) => Iterable<U>,
    env?: Env,
  ): DatasetImpl<[K, U]> {
    const op: NodeOperator = { kind: 'flatMapValues', fn: this.#capture(fn, env, 'flatMapValues') };
    return this.#narrow<[K, U]>('flatMapValues', op, this.#node.partitioner);
  }

  keys<K, V>(this: DatasetImpl<[K, V]>): DatasetImpl<K> {
    return this.#narrow<K>('keys', { kind: 'map', fn: builtins(this.#runtime).key });
  }

  values<K, V>(this: DatasetImpl<[K, V]>): DatasetImpl<V> {
    return this.#narrow<V>('values', { kind: 'map', fn: builtins(this.#runtime).value });
  }

  reduceByKey<K, V>(
    this: DatasetImpl<[K, V]>,
    fn: (a: V, b: V) => V,
    numPartitions?: PartitionsArgument,
  ): DatasetImpl<[K, V]> {
    const { n, env } = this.#partitionsArgument(numPartitions, 'reduceByKey');
    const merge = this.#capture(fn, env, 'reduceByKey');
    return this.#combine<[K, V]>(
      'reduceByKey',
      {
        createCombiner: builtins(this.#runtime).identity,
        mergeValue: merge,
        mergeCombiners: merge,
      },
      n,
      true,
    );
  }

  groupByKey<K, V>(this: DatasetImpl<[K, V]>, numPartitions?: number): DatasetImpl<[K, V[]]> {
    const { n } = this.#partitionsArgument(numPartitions, 'groupByKey');
    const b = builtins(this.#runtime);
    // No map-side combine, as in Spark: it would not shrink the data.
    return this.#combine<[K, V[]]>(
      'groupByKey',
      { createCombiner: b.singleton, mergeValue: b.append, mergeCombiners: b.concat },
      n,
      false,
    );
  }

  combineByKey<K, V, C>(
    this: DatasetImpl<[K, V]>,
    createCombiner: (value: V) => C,
    mergeValue: (combiner: C, value: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: PartitionsArgument,
  ): DatasetImpl<[K, C]> {
    const { n, env } = this.#partitionsArgument(numPartitions, 'combineByKey');
    const aggregator: AggregatorSpec = {
      createCombiner: this.#capture(createCombiner, env, 'combineByKey'),
      mergeValue: this.#capture(mergeValue, env, 'combineByKey'),
      mergeCombiners: this.#capture(mergeCombiners, env, 'combineByKey'),
    };
    return this.#combine<[K, C]>('combineByKey', aggregator, n, true);
  }

  aggregateByKey<K, V, U>(
    this: DatasetImpl<[K, V]>,
    zero: U,
    seqOp: (accumulator: U, value: V) => U,
    combOp: (a: U, b: U) => U,
    numPartitions?: PartitionsArgument,
  ): DatasetImpl<[K, U]> {
    const { n, env } = this.#partitionsArgument(numPartitions, 'aggregateByKey');
    const aggregator: AggregatorSpec = {
      createCombiner: { zero: this.#cloneable(zero, 'aggregateByKey(zero, …)') },
      mergeValue: this.#capture(seqOp, env, 'aggregateByKey'),
      mergeCombiners: this.#capture(combOp, env, 'aggregateByKey'),
    };
    return this.#combine<[K, U]>('aggregateByKey', aggregator, n, true);
  }

  foldByKey<K, V>(
    this: DatasetImpl<[K, V]>,
    zero: V,
    fn: (a: V, b: V) => V,
    numPartitions?: PartitionsArgument,
  ): DatasetImpl<[K, V]> {
    const { n, env } = this.#partitionsArgument(numPartitions, 'foldByKey');
    const merge = this.#capture(fn, env, 'foldByKey');
    return this.#combine<[K, V]>(
      'foldByKey',
      {
        createCombiner: { zero: this.#cloneable(zero, 'foldByKey(zero, …)') },
        mergeValue: merge,
        mergeCombiners: merge,
      },
      n,
      true,
    );
  }

  sortByKey<K, V>(
    this: DatasetImpl<[K, V]>,
    ascending = true,
    numPartitions?: number,
    keyFn?: (key: K) => unknown,
  ): DatasetImpl<[K, V]> {
    const { n } = this.#partitionsArgument(numPartitions, 'sortByKey');
    const keySpec = keyFn === undefined ? undefined : this.#capture(keyFn, undefined, 'sortByKey');
    const order = Boolean(ascending);
    const placeholder: PartitionerSpec = {
      kind: 'range',
      numPartitions: n,
      bounds: [],
      ascending: order,
      ...(keySpec ? { keyFn: keySpec } : {}),
    };
    const sorted = this.#shuffle<[K, V]>('sortByKey', placeholder, undefined, false, {
      ascending: order,
      ...(keySpec ? { keyFn: keySpec } : {}),
    });
    const parent = this.#node;
    const runtime = this.#runtime;
    preparations.set(sorted.#node, async () => {
      const bounds = await rangeBounds(
        runtime,
        parent,
        n,
        keyFn as ((key: unknown) => unknown) | undefined,
      );
      const partitioner: PartitionerSpec = { ...placeholder, bounds };
      const dependency = sorted.#node.dependencies[0] as { partitioner: PartitionerSpec };
      dependency.partitioner = partitioner;
      sorted.#node.partitioner = partitioner;
    });
    return sorted;
  }

  partitionBy<K, V>(this: DatasetImpl<[K, V]>, numPartitions: number): DatasetImpl<[K, V]> {
    const n = checkInteger(numPartitions, 'partitionBy(numPartitions)', 1);
    const partitioner: PartitionerSpec = { kind: 'hash', numPartitions: n };
    if (samePartitioner(this.#node.partitioner, partitioner)) return this;
    return this.#shuffle<[K, V]>('partitionBy', partitioner, undefined, false);
  }

  cogroup<K, V, W>(
    this: DatasetImpl<[K, V]>,
    other: DatasetImpl<[K, W]>,
    numPartitions?: number,
  ): DatasetImpl<[K, [V[], W[]]]> {
    this.#assertDataset(other, 'cogroup(other)');
    const n =
      numPartitions === undefined
        ? (this.#node.partitioner?.numPartitions ??
          other.#node.partitioner?.numPartitions ??
          Math.max(this.getNumPartitions(), other.getNumPartitions()))
        : checkInteger(numPartitions, 'cogroup(other, numPartitions)', 1);
    const partitioner: PartitionerSpec = { kind: 'hash', numPartitions: n };
    // A side already partitioned this way is read in place; only the other side is shuffled.
    const sides = [this, other].map((side) =>
      samePartitioner(side.#node.partitioner, partitioner)
        ? side
        : side.#shuffle<[K, unknown]>('cogroup', partitioner, undefined, false),
    );
    return new DatasetImpl<[K, [V[], W[]]]>(this.#runtime, {
      name: 'CoGroupedRDD',
      callSite: callSite('cogroup'),
      numPartitions: n,
      op: { kind: 'cogroup' },
      dependencies: sides.map((side) => ({ kind: 'narrow' as const, parent: side.#node })),
      partitioner,
    });
  }

  join<K, V, W>(
    this: DatasetImpl<[K, V]>,
    other: DatasetImpl<[K, W]>,
    numPartitions?: number,
  ): DatasetImpl<[K, [V, W]]> {
    return this.#joined<K, V, W, [V, W]>(
      'join',
      other,
      numPartitions,
      builtins(this.#runtime).innerJoin,
    );
  }

  leftOuterJoin<K, V, W>(
    this: DatasetImpl<[K, V]>,
    other: DatasetImpl<[K, W]>,
    numPartitions?: number,
  ): DatasetImpl<[K, [V, W | null]]> {
    return this.#joined<K, V, W, [V, W | null]>(
      'leftOuterJoin',
      other,
      numPartitions,
      builtins(this.#runtime).leftJoin,
    );
  }

  rightOuterJoin<K, V, W>(
    this: DatasetImpl<[K, V]>,
    other: DatasetImpl<[K, W]>,
    numPartitions?: number,
  ): DatasetImpl<[K, [V | null, W]]> {
    return this.#joined<K, V, W, [V | null, W]>(
      'rightOuterJoin',
      other,
      numPartitions,
      builtins(this.#runtime).rightJoin,
    );
  }

  fullOuterJoin<K, V, W>(
    this: DatasetImpl<[K, V]>,
    other: DatasetImpl<[K, W]>,
    numPartitions?: number,
  ): DatasetImpl<[K, [V | null, W | null]]> {
    return this.#joined<K, V, W, [V | null, W | null]>(
      'fullOuterJoin',
      other,
      numPartitions,
      builtins(this.#runtime).fullJoin,
    );
  }

  subtractByKey<K, V, W>(
    this: DatasetImpl<[K, V]>,
    other: DatasetImpl<[K, W]>,
    numPartitions?: number,
  ): DatasetImpl<[K, V]> {
    return this.#joined<K, V, W, V>(
      'subtractByKey',
      other,
      numPartitions,
      builtins(this.#runtime).leftOnly,
    );
  }

  // Actions ------------------------------------------------------------------------------------

  async collect(options?: ActionOptions): Promise<T[]> {
    const parts = (await this.#run({ kind: 'collect' }, 'collect', options)) as T[][];
    return parts.flat();
  }

  async count(options?: ActionOptions): Promise<number> {
    const counts = (await this.#run({ kind: 'count' }, 'count', options)) as number[];
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async reduce(fn: (a: T, b: T) => T, env?: Env, options?: ActionOptions): Promise<T> {
    const spec = this.#capture(fn, env, 'reduce');
    const parts = (await this.#run(
      { kind: 'reduce', fn: spec },
      'reduce',
      options,
    )) as PartialReduce[];
    return mergePartials(parts, fn, 'reduce()');
  }

  async fold(zero: T, fn: (a: T, b: T) => T, env?: Env, options?: ActionOptions): Promise<T> {
    const spec = this.#capture(fn, env, 'fold');
    const parts = (await this.#run(
      { kind: 'fold', zero: this.#cloneable(zero, 'fold(zero, …)'), fn: spec },
      'fold',
      options,
    )) as T[];
    return parts.reduce((a, b) => fn(a, b), structuredClone(zero));
  }

  async aggregate<U>(
    zero: U,
    seqOp: (accumulator: U, value: T) => U,
    combOp: (a: U, b: U) => U,
    env?: Env,
    options?: ActionOptions,
  ): Promise<U> {
    const spec = this.#capture(seqOp, env, 'aggregate');
    this.#capture(combOp, env, 'aggregate');
    const parts = (await this.#run(
      { kind: 'aggregate', zero: this.#cloneable(zero, 'aggregate(zero, …)'), seqOp: spec },
      'aggregate',
      options,
    )) as U[];
    return parts.reduce((a, b) => combOp(a, b), structuredClone(zero));
  }

  async treeAggregate<U>(
    zero: U,
    seqOp: (accumulator: U, value: T) => U,
    combOp: (a: U, b: U) => U,
    depth = 2,
    env?: Env,
    options?: ActionOptions,
  ): Promise<U> {
    const levels = checkInteger(depth, 'treeAggregate(…, depth)', 1);
    const seq = this.#capture(seqOp, env, 'treeAggregate');
    const comb = this.#capture(combOp, env, 'treeAggregate');
    const zeroValue = this.#cloneable(zero, 'treeAggregate(zero, …)');
    return this.#treeAggregate(zeroValue, seq, comb, combOp, levels, options);
  }

  async treeReduce(
    fn: (a: T, b: T) => T,
    depth = 2,
    env?: Env,
    options?: ActionOptions,
  ): Promise<T> {
    const levels = checkInteger(depth, 'treeReduce(…, depth)', 1);
    this.#capture(fn, env, 'treeReduce');
    const shipped = { ...env, fn };
    const partial = await this.#treeAggregate<PartialReduce>(
      { empty: true },
      this.#runtime.capture(mergeIntoPartial, shipped, 'treeReduce'),
      this.#runtime.capture(mergePartialPair, shipped, 'treeReduce'),
      (a, b) =>
        a.empty ? b : b.empty ? a : { empty: false, value: fn(a.value as T, b.value as T) },
      levels,
      options,
    );
    if (partial.empty)
      throw new FlintError(
        ErrorCode.EMPTY,
        'treeReduce() was called on an empty dataset; use treeAggregate() with a zero value instead.',
      );
    return partial.value as T;
  }

  async sum(this: DatasetImpl<number>, options?: ActionOptions): Promise<number> {
    // A plain fold, as Spark's sum: the running statistics of stats() would cost more per record.
    const parts = (await this.#run(
      { kind: 'fold', zero: 0, fn: builtins(this.#runtime).add },
      'sum',
      options,
    )) as number[];
    return parts.reduce((a, b) => a + b, 0);
  }

  async stats(this: DatasetImpl<number>, options?: ActionOptions): Promise<DatasetStats> {
    const merged = await this.#statsOf(options);
    return {
      count: merged.count,
      mean: meanOf(merged),
      stdev: Math.sqrt(merged.m2 / merged.count),
      max: merged.max,
      min: merged.min,
      sum: merged.sum,
    };
  }

  async mean(this: DatasetImpl<number>, options?: ActionOptions): Promise<number> {
    return meanOf(await this.#statsOf(options));
  }

  async variance(this: DatasetImpl<number>, options?: ActionOptions): Promise<number> {
    const s = await this.#statsOf(options);
    return s.m2 / s.count;
  }

  async stdev(this: DatasetImpl<number>, options?: ActionOptions): Promise<number> {
    return Math.sqrt(await this.variance(options));
  }

  async sampleVariance(this: DatasetImpl<number>, options?: ActionOptions): Promise<number> {
    const s = await this.#statsOf(options);
    return s.m2 / (s.count - 1);
  }

  async sampleStdev(this: DatasetImpl<number>, options?: ActionOptions): Promise<number> {
    return Math.sqrt(await this.sampleVariance(options));
  }

  async min(keyFn?: (value: T) => unknown, env?: Env, options?: ActionOptions): Promise<T> {
    return this.#extreme('min', keyFn, env, options);
  }

  async max(keyFn?: (value: T) => unknown, env?: Env, options?: ActionOptions): Promise<T> {
    return this.#extreme('max', keyFn, env, options);
  }

  async takeOrdered(
    n: number,
    keyFn?: (value: T) => unknown,
    env?: Env,
    options?: ActionOptions,
  ): Promise<T[]> {
    return this.#ordered('takeOrdered', n, true, keyFn, env, options);
  }

  async top(
    n: number,
    keyFn?: (value: T) => unknown,
    env?: Env,
    options?: ActionOptions,
  ): Promise<T[]> {
    return this.#ordered('top', n, false, keyFn, env, options);
  }

  async countByKey<K, V>(
    this: DatasetImpl<[K, V]>,
    options?: ActionOptions,
  ): Promise<Map<K, number>> {
    const b = builtins(this.#runtime);
    const counts = this.#narrow<[K, number]>('countByKey', { kind: 'map', fn: b.keyWithOne });
    return new Map(await counts.#sumByKey().collect(options));
  }

  async countByValue(options?: ActionOptions): Promise<Map<T, number>> {
    const b = builtins(this.#runtime);
    const counts = this.#narrow<[T, number]>('countByValue', { kind: 'map', fn: b.withOne });
    return new Map(await counts.#sumByKey().collect(options));
  }

  async collectAsMap<K, V>(this: DatasetImpl<[K, V]>, options?: ActionOptions): Promise<Map<K, V>> {
    return new Map(await this.collect(options));
  }

  async lookup<K, V>(this: DatasetImpl<[K, V]>, key: K, options?: ActionOptions): Promise<V[]> {
    const env = { wanted: this.#cloneable(key, 'lookup(key)'), keysEqual: sameKey };
    const matching = this.#narrow<V>('lookup', {
      kind: 'flatMap',
      fn: this.#runtime.capture(valuesOfKey, env, 'lookup'),
    });
    const partitioner = this.#node.partitioner;
    if (partitioner?.kind === 'hash') {
      const partition = hashKey(key) % partitioner.numPartitions;
      return (
        (await matching.#run({ kind: 'collect' }, 'lookup', options, [partition])) as V[][]
      ).flat();
    }
    return matching.collect(options);
  }

  async isEmpty(options?: ActionOptions): Promise<boolean> {
    return (await this.take(1, options)).length === 0;
  }

  async foreach(fn: (value: T) => void, env?: Env, options?: ActionOptions): Promise<void> {
    await this.#run({ kind: 'foreach', fn: this.#capture(fn, env, 'foreach') }, 'foreach', options);
  }

  async foreachPartition(
    fn: (partition: Iterable<T>) => unknown,
    env?: Env,
    options?: ActionOptions,
  ): Promise<void> {
    this.#capture(fn, env, 'foreachPartition');
    await this.#run(
      {
        kind: 'partitionFunction',
        fn: this.#runtime.capture(runForPartition, { ...env, userFn: fn }, 'foreachPartition'),
      },
      'foreachPartition',
      options,
    );
  }

  async saveAsTextFile(dir: string, options?: ActionOptions): Promise<void> {
    if (typeof dir !== 'string' || dir === '')
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `saveAsTextFile(dir) needs a directory path, but got ${describeValue(dir)}.`,
      );
    const target = resolvePath(dir);
    if (existsSync(target)) {
      throw new FlintError(
        ErrorCode.IO,
        `saveAsTextFile(): ${target} already exists. Choose a new directory, or delete it first.`,
      );
    }
    mkdirSync(join(target, '_temporary'), { recursive: true });
    try {
      await this.#run({ kind: 'saveAsTextFile', dir: target }, 'saveAsTextFile', options);
    } catch (error) {
      rmSync(target, { recursive: true, force: true });
      throw error;
    }
    rmSync(join(target, '_temporary'), { recursive: true, force: true });
    writeFileSync(join(target, '_SUCCESS'), '');
  }

  async histogram(
    bucketsOrCount: number | readonly unknown[],
    options?: ActionOptions,
  ): Promise<[unknown[], number[]]> {
    let buckets: unknown[];
    if (typeof bucketsOrCount === 'number') {
      const count = checkInteger(bucketsOrCount, 'histogram(bucketCount)', 1);
      const s = await this.#statsOf(options);
      if (s.count === 0)
        throw new FlintError(
          ErrorCode.EMPTY,
          'histogram(bucketCount) needs a non-empty dataset to find its range.',
        );
      buckets = evenBuckets(s.min, s.max, count);
    } else if (Array.isArray(bucketsOrCount) && bucketsOrCount.length >= 2) {
      buckets = [...bucketsOrCount];
      for (let i = 1; i < buckets.length; i++) {
        if (compareValues(buckets[i - 1], buckets[i]) >= 0) {
          throw new FlintError(
            ErrorCode.ARGUMENT,
            'histogram(buckets) needs buckets sorted in increasing order, without duplicates.',
          );
        }
      }
    } else {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `histogram() needs a bucket count or at least two sorted bucket edges, but got ${describeValue(bucketsOrCount)}.`,
      );
    }
    const parts = (await this.#run(
      { kind: 'histogram', buckets },
      'histogram',
      options,
    )) as number[][];
    const counts = new Array<number>(buckets.length - 1).fill(0);
    for (const part of parts) {
      for (let i = 0; i < part.length; i++) counts[i] = (counts[i] ?? 0) + (part[i] ?? 0);
    }
    return [buckets, counts];
  }

  async *toLocalIterator(options?: ActionOptions): AsyncGenerator<T, void, undefined> {
    for (let partition = 0; partition < this.#node.numPartitions; partition++) {
      const [records] = (await this.#run({ kind: 'collect' }, 'toLocalIterator', options, [
        partition,
      ])) as T[][];
      yield* records ?? [];
    }
  }

  async take(n: number, options?: ActionOptions): Promise<T[]> {
    const wanted = checkInteger(n, 'take(n)', 0);
    const total = this.#node.numPartitions;
    const taken: T[] = [];
    let scanned = 0;
    while (taken.length < wanted && scanned < total) {
      let batch = 1;
      if (scanned > 0) {
        // Spark's estimate: scale up by the yield so far, at most 4x what was scanned.
        batch =
          taken.length === 0
            ? scanned * TAKE_SCALE_UP
            : Math.ceil((1.5 * wanted * scanned) / taken.length) - scanned;
        batch = Math.min(Math.max(batch, 1), scanned * TAKE_SCALE_UP);
      }
      const partitions = Array.from(
        { length: Math.min(batch, total - scanned) },
        (_, i) => scanned + i,
      );
      const left = wanted - taken.length;
      const parts = (await this.#run(
        { kind: 'take', n: left },
        'take',
        options,
        partitions,
      )) as T[][];
      for (const part of parts)
        for (const value of part) if (taken.length < wanted) taken.push(value);
      scanned += partitions.length;
    }
    return taken;
  }

  async first(options?: ActionOptions): Promise<T> {
    const taken = await this.take(1, options);
    if (taken.length === 0)
      throw new FlintError(ErrorCode.EMPTY, 'first() was called on an empty dataset.');
    return taken[0] as T;
  }

  // Internals ------------------------------------------------------------------------------------

  #capture(fn: unknown, env: unknown, method: string): FunctionSpec {
    if (typeof fn !== 'function') {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `${method}() needs a function, but got ${describeValue(fn)}.`,
      );
    }
    return this.#runtime.capture(fn, env, `the function given to ${method}()`);
  }

  /** Checks that a value (a zero, a key) can travel to the workers, with an error that says where. */
  #cloneable<V>(value: V, argument: string): V {
    try {
      structuredClone(value);
    } catch (error) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `${argument}: the value must be plain data (numbers, strings, arrays, objects, Map, Set, Date...), but it cannot be copied: ${(error as Error).message}`,
      );
    }
    return value;
  }

  #assertDataset(other: unknown, argument: string): void {
    if (!(other instanceof DatasetImpl)) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `${argument} needs a Dataset, but got ${describeValue(other)}.`,
      );
    }
    if (other.#runtime !== this.#runtime) {
      throw new FlintError(ErrorCode.ARGUMENT, `${argument} needs a Dataset of the same context.`);
    }
  }

  #narrow<U>(method: string, op: NodeOperator, partitioner?: PartitionerSpec): DatasetImpl<U> {
    return new DatasetImpl<U>(this.#runtime, {
      name: 'MapPartitionsRDD',
      callSite: callSite(method),
      numPartitions: this.#node.numPartitions,
      op,
      dependencies: [{ kind: 'narrow', parent: this.#node }],
      ...(partitioner ? { partitioner } : {}),
    });
  }

  #shuffle<U>(
    method: string,
    partitioner: PartitionerSpec,
    aggregator: AggregatorSpec | undefined,
    mapSideCombine: boolean,
    keyOrdering?: KeyOrdering,
  ): DatasetImpl<U> {
    const dependency: ShuffleDependency = {
      kind: 'shuffle',
      parent: this.#node,
      shuffleId: this.#runtime.nextShuffleId(),
      partitioner,
      mapSideCombine,
      ...(aggregator ? { aggregator } : {}),
      ...(keyOrdering ? { keyOrdering } : {}),
    };
    this.#runtime.cleaner.trackShuffle(dependency, dependency.shuffleId);
    return new DatasetImpl<U>(this.#runtime, {
      name: 'ShuffledRDD',
      callSite: callSite(method),
      numPartitions: partitioner.numPartitions,
      op: { kind: 'shuffleRead' },
      dependencies: [dependency],
      partitioner,
    });
  }

  #sumByKey<K>(this: DatasetImpl<[K, number]>): DatasetImpl<[K, number]> {
    const add = builtins(this.#runtime).add;
    return this.#combine<[K, number]>(
      'countByKey',
      { createCombiner: builtins(this.#runtime).identity, mergeValue: add, mergeCombiners: add },
      this.#node.numPartitions,
      true,
    );
  }

  /** Combines values by key into `n` hash partitions; no shuffle when already partitioned so. */
  #combine<U>(
    method: string,
    aggregator: AggregatorSpec,
    n: number,
    mapSideCombine: boolean,
  ): DatasetImpl<U> {
    const partitioner: PartitionerSpec = { kind: 'hash', numPartitions: n };
    if (samePartitioner(this.#node.partitioner, partitioner)) {
      return this.#narrow<U>(method, { kind: 'combineByKey', aggregator }, partitioner);
    }
    return this.#shuffle<U>(method, partitioner, aggregator, mapSideCombine);
  }

  #joined<K, V, W, R>(
    method: string,
    other: DatasetImpl<[K, W]>,
    numPartitions: number | undefined,
    emit: FunctionSpec,
  ): DatasetImpl<[K, R]> {
    this.#assertDataset(other, `${method}(other)`);
    const grouped = (this as unknown as DatasetImpl<[K, V]>).cogroup(other, numPartitions);
    return grouped.#narrow<[K, R]>(
      method,
      { kind: 'flatMap', fn: emit },
      grouped.#node.partitioner,
    );
  }

  #partitionsArgument(
    argument: PartitionsArgument | undefined,
    method: string,
  ): { n: number; env: Env | undefined } {
    if (argument === undefined)
      return {
        n: this.#node.partitioner?.numPartitions ?? this.#node.numPartitions,
        env: undefined,
      };
    if (typeof argument === 'number')
      return { n: checkInteger(argument, `${method}(…, numPartitions)`, 1), env: undefined };
    if (typeof argument === 'object' && argument !== null) {
      const n =
        argument.numPartitions === undefined
          ? this.#node.numPartitions
          : checkInteger(argument.numPartitions, `${method}(…, { numPartitions })`, 1);
      return { n, env: argument.env };
    }
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `${method}() takes numPartitions as a number or { numPartitions, env }, but got ${describeValue(argument)}.`,
    );
  }

  async #treeAggregate<U>(
    zero: U,
    seq: FunctionSpec,
    comb: FunctionSpec,
    combineOnDriver: (a: U, b: U) => U,
    levels: number,
    options: ActionOptions | undefined,
  ): Promise<U> {
    let partials: DatasetImpl<U> = this.#narrow<U>('treeAggregate', {
      kind: 'foldPartition',
      zero,
      fn: seq,
    });
    let current = partials.getNumPartitions();
    const scale = Math.max(Math.ceil(current ** (1 / levels)), 2);
    const aggregator: AggregatorSpec = {
      createCombiner: builtins(this.#runtime).identity,
      mergeValue: comb,
      mergeCombiners: comb,
    };
    // Spark's loop: add a level while it shrinks the partial results meaningfully.
    while (current > scale + Math.ceil(current / scale)) {
      current = Math.ceil(current / scale);
      const keyed = partials.#narrow<[number, U]>('treeAggregate', {
        kind: 'mapPartitionsWithIndex',
        fn: this.#runtime.capture(keyByPartitionModulo, { modulo: current }, 'treeAggregate'),
      });
      partials = keyed.#combine<[number, U]>('treeAggregate', aggregator, current, true).values();
    }
    const parts = (await partials.#run(
      { kind: 'aggregate', zero, seqOp: comb },
      'treeAggregate',
      options,
    )) as U[];
    return parts.reduce((a, b) => combineOnDriver(a, b), structuredClone(zero));
  }

  async #statsOf(options: ActionOptions | undefined): Promise<PartialStats> {
    const parts = (await this.#run({ kind: 'stats' }, 'stats', options)) as PartialStats[];
    return parts.reduce(mergeStats, emptyStats());
  }

  async #extreme(
    kind: 'min' | 'max',
    keyFn: ((value: T) => unknown) | undefined,
    env: Env | undefined,
    options: ActionOptions | undefined,
  ): Promise<T> {
    const keySpec = keyFn === undefined ? undefined : this.#capture(keyFn, env, kind);
    const parts = (await this.#run(
      { kind, ...(keySpec ? { keyFn: keySpec } : {}) },
      kind,
      options,
    )) as PartialReduce[];
    const sign = kind === 'min' ? 1 : -1;
    const key = (value: unknown) => (keyFn ? keyFn(value as T) : value);
    return mergePartials(
      parts,
      (a, b) => (sign * compareValues(key(b), key(a)) < 0 ? b : a),
      `${kind}()`,
    );
  }

  async #ordered(
    method: string,
    n: number,
    ascending: boolean,
    keyFn: ((value: T) => unknown) | undefined,
    env: Env | undefined,
    options: ActionOptions | undefined,
  ): Promise<T[]> {
    const wanted = checkInteger(n, `${method}(n)`, 0);
    const keySpec = keyFn === undefined ? undefined : this.#capture(keyFn, env, method);
    const parts = (await this.#run(
      { kind: 'takeOrdered', n: wanted, ascending, ...(keySpec ? { keyFn: keySpec } : {}) },
      method,
      options,
    )) as T[][];
    const sign = ascending ? 1 : -1;
    const keyed = parts.flat().map((value) => ({ key: keyFn ? keyFn(value) : value, value }));
    keyed.sort((a, b) => sign * compareValues(a.key, b.key));
    return keyed.slice(0, wanted).map(({ value }) => value);
  }

  async #run(
    result: ResultSpec,
    action: string,
    options: ActionOptions | undefined,
    partitions?: readonly number[],
  ): Promise<unknown[]> {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `${action}() takes { signal } as its last argument, but got ${describeValue(options)}.`,
      );
    }
    await prepareLineage(this.#node);
    const all = partitions ?? Array.from({ length: this.#node.numPartitions }, (_, i) => i);
    const jobOptions: JobOptions = {
      description: callSite(action),
      ...(options?.signal ? { signal: options.signal } : {}),
    };
    return this.#runtime.runJob(this.#node, result, all, jobOptions);
  }
}

/** The value `Dataset` is for `x instanceof Dataset`; a FlintContext creates datasets. */
// The runtime class under its public type: the same objects, typed for users by their elements,
// which a class cannot express since its methods cannot depend on T.
export const Dataset = DatasetImpl as unknown as DatasetConstructor;

/** The union of datasets of one context, their partitions in order. @internal */
export function unionOf<T>(datasets: readonly Dataset<T>[], site: string): Dataset<T> {
  return unionOfImpl(
    datasets as unknown as readonly DatasetImpl<T>[],
    site,
  ) as unknown as Dataset<T>;
}

function unionOfImpl<T>(datasets: readonly DatasetImpl<T>[], site: string): DatasetImpl<T> {
  const [first] = datasets;
  if (!first) throw new FlintError(ErrorCode.ARGUMENT, 'union() needs at least one dataset.');
  const nodes = datasets.map((dataset) => dataset.node);
  return DatasetImpl.derived<T>(first, {
    name: 'UnionRDD',
    callSite: site,
    numPartitions: nodes.reduce((sum, node) => sum + node.numPartitions, 0),
    op: { kind: 'union', parentPartitionCounts: nodes.map((node) => node.numPartitions) },
    dependencies: nodes.map((parent) => ({ kind: 'narrow' as const, parent })),
  });
}

/**
 * Work that must happen on the cluster before a job can use a node: the range bounds of a sort,
 * the offsets of zipWithIndex. Run once, lazily, when an action first needs the node.
 */
const preparations = new WeakMap<LineageNode, () => Promise<void>>();

async function prepareLineage(node: LineageNode, seen = new Set<LineageNode>()): Promise<void> {
  if (seen.has(node)) return;
  seen.add(node);
  for (const dependency of node.dependencies) await prepareLineage(dependency.parent, seen);
  const prepare = preparations.get(node);
  if (prepare) {
    await prepare();
    preparations.delete(node);
  }
}

/**
 * Range bounds from a sample, as Spark's RangePartitioner: sample every partition, weigh each
 * sampled key by its partition's size over its sample's size, and cut the sorted sample into
 * `n` parts of equal weight.
 */
async function rangeBounds(
  runtime: DatasetRuntime,
  parent: LineageNode,
  n: number,
  keyFn: ((key: unknown) => unknown) | undefined,
): Promise<unknown[]> {
  if (n <= 1) return [];
  await prepareLineage(parent);
  const sampleSize = Math.min(20 * n, 1e6);
  const perPartition = Math.ceil((3 * sampleSize) / Math.max(1, parent.numPartitions));
  const all = Array.from({ length: parent.numPartitions }, (_, i) => i);
  const samples = (await runtime.runJob(
    parent,
    { kind: 'sampleKeys', size: perPartition, seed: 42 },
    all,
    { description: 'sortByKey (sampling for range bounds)' },
  )) as KeySample[];
  const weighted: { key: unknown; weight: number }[] = [];
  for (const { count, sample } of samples) {
    for (const key of sample) weighted.push({ key, weight: count / sample.length });
  }
  if (weighted.length === 0) return [];
  // Compare by the sort key when there is a key function: bounds live in key-function space.
  const sortKey = keyFn ?? ((key: unknown) => key);
  const keyed = weighted.map((entry) => ({ ...entry, sortKey: sortKey(entry.key) }));
  keyed.sort((a, b) => compareValues(a.sortKey, b.sortKey));
  const total = keyed.reduce((sum, entry) => sum + entry.weight, 0);
  const step = total / n;
  const bounds: unknown[] = [];
  let cumulative = 0;
  let target = step;
  for (const entry of keyed) {
    cumulative += entry.weight;
    if (cumulative >= target && bounds.length < n - 1) {
      if (bounds.length === 0 || compareValues(entry.sortKey, bounds.at(-1)) > 0)
        bounds.push(entry.sortKey);
      target += step;
    }
  }
  return bounds;
}

function samePartitioner(a: PartitionerSpec | undefined, b: PartitionerSpec): boolean {
  return (
    a !== undefined && a.kind === 'hash' && b.kind === 'hash' && a.numPartitions === b.numPartitions
  );
}

function mergePartials<T>(
  parts: readonly PartialReduce[],
  fn: (a: T, b: T) => T,
  action: string,
): T {
  const values = parts.flatMap((part) => (part.empty ? [] : [part.value as T]));
  if (values.length === 0)
    throw new FlintError(ErrorCode.EMPTY, `${action} was called on an empty dataset.`);
  return values.reduce((a, b) => fn(a, b));
}

function meanOf(stats: PartialStats): number {
  return stats.count === 0 ? Number.NaN : stats.mean;
}

/** `count` equal buckets from min to max; integer edges when the width is whole, the last edge exactly max. */
function evenBuckets(min: number, max: number, count: number): number[] {
  if (min === max) return [min, max];
  const width = (max - min) / count;
  const edges = Array.from({ length: count }, (_, i) =>
    Number.isInteger(width) ? min + i * width : min + (i * (max - min)) / count,
  );
  edges.push(max);
  return edges;
}

// Functions shipped to the workers by Flint itself. Like user functions they travel by source,
// so each uses only its parameters, globals, and the names given in its env.

function zipWithOffsets(this: unknown, index: number, records: Iterable<unknown>) {
  let position = (offsets as number[])[index] ?? 0;
  const out: unknown[] = [];
  for (const record of records) out.push([record, position++]);
  return out;
}

function zipWithUniqueIds(this: unknown, index: number, records: Iterable<unknown>) {
  let position = 0;
  const out: unknown[] = [];
  for (const record of records) out.push([record, position++ * (n as number) + index]);
  return out;
}

function samplePartition(this: unknown, index: number, records: Iterable<unknown>) {
  // mulberry32 seeded per partition, so a seed gives the same sample whatever ran where.
  let state = ((seed as number) + Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: unknown[] = [];
  for (const record of records) {
    if (!(withReplacement as boolean)) {
      if (random() < (fraction as number)) out.push(record);
      continue;
    }
    // Poisson(fraction) copies, by Knuth's method.
    const limit = Math.exp(-(fraction as number));
    let copies = 0;
    for (let p = random(); p > limit; p *= random()) copies++;
    for (let i = 0; i < copies; i++) out.push(record);
  }
  return out;
}

function keyByPartitionModulo(index: number, records: Iterable<unknown>) {
  const out: unknown[] = [];
  for (const record of records) out.push([index % (modulo as number), record]);
  return out;
}

function mergeIntoPartial(partial: PartialReduce, value: unknown): PartialReduce {
  return partial.empty
    ? { empty: false, value }
    : { empty: false, value: (fn as (a: unknown, b: unknown) => unknown)(partial.value, value) };
}

function mergePartialPair(a: PartialReduce, b: PartialReduce): PartialReduce {
  if (a.empty) return b;
  if (b.empty) return a;
  return { empty: false, value: (fn as (x: unknown, y: unknown) => unknown)(a.value, b.value) };
}

/** Structural equality of keys, shipped to the workers for lookup(). */
function sameKey(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (k) =>
      Object.hasOwn(b, k) &&
      sameKey((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function valuesOfKey(record: [unknown, unknown]) {
  return (keysEqual as (a: unknown, b: unknown) => boolean)(record[0], wanted) ? [record[1]] : [];
}

async function runForPartition(records: Iterable<unknown>) {
  await (userFn as (records: Iterable<unknown>) => unknown)(records);
  return undefined;
}

// Names the shipped functions above receive through their env on the workers.
declare const offsets: unknown;
declare const n: unknown;
declare const seed: unknown;
declare const fraction: unknown;
declare const withReplacement: unknown;
declare const fn: unknown;
declare const modulo: unknown;
declare const wanted: unknown;
declare const keysEqual: unknown;
declare const userFn: unknown;

/** Built-in functions shipped like user functions, captured once per context. */
interface Builtins {
  readonly identity: FunctionSpec;
  readonly singleton: FunctionSpec;
  readonly append: FunctionSpec;
  readonly concat: FunctionSpec;
  readonly add: FunctionSpec;
  readonly first: FunctionSpec;
  readonly key: FunctionSpec;
  readonly value: FunctionSpec;
  readonly withNull: FunctionSpec;
  readonly withOne: FunctionSpec;
  readonly keyWithOne: FunctionSpec;
  readonly keyIfBoth: FunctionSpec;
  readonly roundRobin: FunctionSpec;
  readonly innerJoin: FunctionSpec;
  readonly leftJoin: FunctionSpec;
  readonly rightJoin: FunctionSpec;
  readonly fullJoin: FunctionSpec;
  readonly leftOnly: FunctionSpec;
}

type Grouped = [unknown, [unknown[], unknown[]]];

const builtinCache = new WeakMap<DatasetRuntime, Builtins>();

function builtins(runtime: DatasetRuntime): Builtins {
  let cached = builtinCache.get(runtime);
  if (cached) return cached;
  const capture = (fn: unknown, name: string) => runtime.capture(fn, {}, name);
  cached = {
    identity: capture((v: unknown) => v, 'identity'),
    singleton: capture((v: unknown) => [v], 'groupByKey'),
    append: capture((values: unknown[], v: unknown) => {
      values.push(v);
      return values;
    }, 'groupByKey'),
    concat: capture((a: unknown[], b: unknown[]) => {
      for (const v of b) a.push(v);
      return a;
    }, 'groupByKey'),
    add: capture((a: number, b: number) => a + b, 'sum'),
    first: capture((a: unknown) => a, 'distinct'),
    key: capture(function key(pair: unknown) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(
          `keys() works on [key, value] pairs, but got ${JSON.stringify(pair)}. Map each element to a 2-element array first.`,
        );
      }
      return pair[0];
    }, 'keys'),
    value: capture(function value(pair: unknown) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(
          `values() works on [key, value] pairs, but got ${JSON.stringify(pair)}. Map each element to a 2-element array first.`,
        );
      }
      return pair[1];
    }, 'values'),
    withNull: capture((x: unknown) => [x, null], 'distinct'),
    withOne: capture((x: unknown) => [x, 1], 'countByValue'),
    keyWithOne: capture(function keyWithOne(pair: unknown) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(
          `countByKey() works on [key, value] pairs, but got ${JSON.stringify(pair)}. Map each element to a 2-element array first.`,
        );
      }
      return [pair[0], 1];
    }, 'countByKey'),
    keyIfBoth: capture(
      ([key, [left, right]]: Grouped) => (left.length > 0 && right.length > 0 ? [key] : []),
      'intersection',
    ),
    // Spark's repartition: each partition starts at its own position and deals round-robin.
    roundRobin: capture(function* roundRobin(index: number, records: Iterable<unknown>) {
      let position = index;
      for (const record of records) yield [position++, record];
    }, 'repartition'),
    innerJoin: capture(function* innerJoin([key, [left, right]]: Grouped) {
      for (const v of left) for (const w of right) yield [key, [v, w]];
    }, 'join'),
    leftJoin: capture(function* leftJoin([key, [left, right]]: Grouped) {
      for (const v of left) {
        if (right.length === 0) yield [key, [v, null]];
        else for (const w of right) yield [key, [v, w]];
      }
    }, 'leftOuterJoin'),
    rightJoin: capture(function* rightJoin([key, [left, right]]: Grouped) {
      for (const w of right) {
        if (left.length === 0) yield [key, [null, w]];
        else for (const v of left) yield [key, [v, w]];
      }
    }, 'rightOuterJoin'),
    fullJoin: capture(function* fullJoin([key, [left, right]]: Grouped) {
      if (left.length === 0) for (const w of right) yield [key, [null, w]];
      else if (right.length === 0) for (const v of left) yield [key, [v, null]];
      else for (const v of left) for (const w of right) yield [key, [v, w]];
    }, 'fullOuterJoin'),
    leftOnly: capture(function* leftOnly([key, [left, right]]: Grouped) {
      if (right.length === 0) for (const v of left) yield [key, v];
    }, 'subtractByKey'),
  };
  builtinCache.set(runtime, cached);
  return cached;
}
