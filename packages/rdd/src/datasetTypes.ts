/**
 * The public shape of a Dataset, split as Spark splits it: the methods of every dataset
 * ({@link BaseDataset}), those of pair datasets ({@link PairDatasetFunctions}, Spark's
 * PairRDDFunctions) and those of numeric datasets ({@link NumericDatasetFunctions}, Spark's
 * DoubleRDDFunctions). `Dataset<T>` in dataset.ts joins them by the element type, so a method
 * exists only on the datasets it applies to. One runtime class implements all of them.
 */

import type { ActionOptions, Dataset, Env, PartitionsArgument } from './dataset.js';

/** The methods of every dataset, whatever its element type `T`. */
export interface BaseDataset<T> {
  /** This dataset's unique id within its context. */
  readonly id: number;

  /** The number of partitions. */
  getNumPartitions(): number;

  /** The lineage, one node per line, with stage boundaries (shuffles) indented, as Spark prints it. */
  toDebugString(): string;

  // Narrow transformations ---------------------------------------------------------------------

  /** Applies `fn` to every element. A function returning `[key, value]` makes a pair dataset. */
  map<K, V>(fn: (value: T) => [K, V], env?: Env): Dataset<[K, V]>;
  /** Applies `fn` to every element. */
  map<U>(fn: (value: T) => U, env?: Env): Dataset<U>;

  /** Keeps the elements for which `fn` is true; a type guard narrows them, e.g. to drop `undefined`. */
  filter<S extends T>(fn: (value: T) => value is S, env?: Env): Dataset<S>;
  /** Keeps the elements for which `fn` is truthy. */
  filter(fn: (value: T) => unknown, env?: Env): Dataset<T>;

  /** Applies `fn` to every element and flattens the iterables it returns. */
  flatMap<U>(fn: (value: T) => Iterable<U>, env?: Env): Dataset<U>;

  /** Applies `fn` to each whole partition (a synchronous Iterable); it may return any Iterable or an AsyncIterable. */
  mapPartitions<U>(
    fn: (partition: Iterable<T>) => Iterable<U> | AsyncIterable<U>,
    env?: Env,
  ): Dataset<U>;

  /** Like mapPartitions, with the partition's index (0..n-1) first. */
  mapPartitionsWithIndex<U>(
    fn: (index: number, partition: Iterable<T>) => Iterable<U> | AsyncIterable<U>,
    env?: Env,
  ): Dataset<U>;

  /** One array per partition, in partition order, empty partitions included. */
  glom(): Dataset<T[]>;

  /** Pairs every element with a key: `[fn(x), x]`. */
  keyBy<K>(fn: (value: T) => K, env?: Env): Dataset<[K, T]>;

  /** Groups elements by `fn(x)`: `[key, elements[]]`. */
  groupBy<K>(fn: (value: T) => K, numPartitions?: PartitionsArgument): Dataset<[K, T[]]>;

  /** The elements of this dataset, then those of `other` (partitions of both, in that order). */
  union(other: Dataset<T>): Dataset<T>;

  /** The elements, each once. Output order is unspecified. */
  distinct(numPartitions?: number): Dataset<T>;

  /** The elements of both datasets, each once. */
  intersection(other: Dataset<T>): Dataset<T>;

  /** The elements not in `other`, compared by value; duplicates on the left are kept. */
  subtract(other: Dataset<T>, numPartitions?: number): Dataset<T>;

  /** Every pair `[a, b]` of an element of this dataset and one of `other`. */
  cartesian<U>(other: Dataset<U>): Dataset<[T, U]>;

  /** Pairs elements by position. Both datasets must have the same partitions and partition sizes. */
  zip<U>(other: Dataset<U>): Dataset<[T, U]>;

  /**
   * Pairs every element with its index: by partition order, then position, `0..count-1`. Like
   * Spark, it first runs a job to count the elements of every partition but the last.
   */
  zipWithIndex(): Dataset<[T, number]>;

  /** Pairs every element with a unique id: element i of partition k, of n partitions, gets `i*n + k`. */
  zipWithUniqueId(): Dataset<[T, number]>;

  /**
   * A random sample: each element kept with probability `fraction` (without replacement), or a
   * Poisson(fraction) number of times (with replacement). The same seed gives the same sample.
   */
  sample(withReplacement: boolean, fraction: number, seed?: number): Dataset<T>;

  /** Sorts by `keyFn(x)` across partitions (range partitioning, as Spark). `ascending` defaults to true. */
  sortBy<K>(
    keyFn: (value: T) => K,
    ascending?: boolean,
    numPartitions?: PartitionsArgument,
  ): Dataset<T>;

  /** Exactly `numPartitions` partitions, by a round-robin shuffle (alias of {@link BaseDataset.repartition}). */
  partition(numPartitions: number): Dataset<T>;

  /** Exactly `numPartitions` partitions, by a round-robin shuffle, as Spark's repartition. */
  repartition(numPartitions: number): Dataset<T>;

  /** Fewer partitions without a shuffle: adjacent partitions merge, order kept. */
  coalesce(numPartitions: number, shuffle?: boolean): Dataset<T>;

  /** Keeps computed partitions on the workers for later jobs. Returns this dataset. */
  cache(): this;

  /** Same as {@link BaseDataset.cache}. */
  persist(): this;

  /** Frees this dataset's cached partitions on every worker. Returns this dataset. */
  unpersist(): this;

  // Actions ------------------------------------------------------------------------------------

  /** All elements, in partition order. */
  collect(options?: ActionOptions): Promise<T[]>;

  /** The number of elements. */
  count(options?: ActionOptions): Promise<number>;

  /** Merges all elements with `fn`. Rejects with FLINT_EMPTY on an empty dataset. */
  reduce(fn: (a: T, b: T) => T, env?: Env, options?: ActionOptions): Promise<T>;

  /** Folds each partition from a copy of `zero`, then the partitions' results from `zero` again (Spark's semantics). */
  fold(zero: T, fn: (a: T, b: T) => T, env?: Env, options?: ActionOptions): Promise<T>;

  /** seqOp folds each partition from a copy of `zero`; combOp merges the partitions' results, from `zero`. */
  aggregate<U>(
    zero: U,
    seqOp: (accumulator: U, value: T) => U,
    combOp: (a: U, b: U) => U,
    env?: Env,
    options?: ActionOptions,
  ): Promise<U>;

  /**
   * Like aggregate, but merges the partitions' results in a tree of `depth` levels on the workers,
   * so that no single place receives every partial result. `depth` defaults to 2.
   */
  treeAggregate<U>(
    zero: U,
    seqOp: (accumulator: U, value: T) => U,
    combOp: (a: U, b: U) => U,
    depth?: number,
    env?: Env,
    options?: ActionOptions,
  ): Promise<U>;

  /** Like reduce, merging in a tree of `depth` levels (default 2). Rejects with FLINT_EMPTY on an empty dataset. */
  treeReduce(fn: (a: T, b: T) => T, depth?: number, env?: Env, options?: ActionOptions): Promise<T>;

  /** The smallest element (by `keyFn` when given). Rejects with FLINT_EMPTY on an empty dataset. */
  min(keyFn?: (value: T) => unknown, env?: Env, options?: ActionOptions): Promise<T>;

  /** The largest element (by `keyFn` when given). Rejects with FLINT_EMPTY on an empty dataset. */
  max(keyFn?: (value: T) => unknown, env?: Env, options?: ActionOptions): Promise<T>;

  /** The `n` smallest elements, ascending (by `keyFn` when given). */
  takeOrdered(
    n: number,
    keyFn?: (value: T) => unknown,
    env?: Env,
    options?: ActionOptions,
  ): Promise<T[]>;

  /** The `n` largest elements, descending (by `keyFn` when given). */
  top(n: number, keyFn?: (value: T) => unknown, env?: Env, options?: ActionOptions): Promise<T[]>;

  /** How many times each element occurs, as a Map keyed by the element. */
  countByValue(options?: ActionOptions): Promise<Map<T, number>>;

  /**
   * Counts per bucket between sorted edges: buckets are `[a, b)` except the last, `[a, b]`.
   * Elements are placed by comparison, so strings work as well as numbers (as PySpark's);
   * elements outside the edges are not counted. Resolves to `[edges, counts]`. Numeric datasets
   * also take a bucket count.
   */
  histogram(buckets: readonly T[], options?: ActionOptions): Promise<[T[], number[]]>;

  /** Whether the dataset has no elements (reads as little as it can). */
  isEmpty(options?: ActionOptions): Promise<boolean>;

  /** Runs `fn` on every element, on the workers. */
  foreach(fn: (value: T) => void, env?: Env, options?: ActionOptions): Promise<void>;

  /** Runs `fn` on every partition (a synchronous Iterable), on the workers; it may be async. */
  foreachPartition(
    fn: (partition: Iterable<T>) => unknown,
    env?: Env,
    options?: ActionOptions,
  ): Promise<void>;

  /**
   * Writes one text file per partition, `part-00000`…, each element as `String(x)` and a newline,
   * then `_SUCCESS`. `dir` must not exist yet; each part appears whole or not at all.
   */
  saveAsTextFile(dir: string, options?: ActionOptions): Promise<void>;

  /** The elements, fetched one partition at a time. */
  toLocalIterator(options?: ActionOptions): AsyncGenerator<T, void, undefined>;

  /** The first `n` elements in partition order. Scans one partition first, then more (4x each round), as Spark. */
  take(n: number, options?: ActionOptions): Promise<T[]>;

  /** The first element. Rejects with FLINT_EMPTY on an empty dataset. */
  first(options?: ActionOptions): Promise<T>;
}

/**
 * The methods of a pair dataset, one whose elements are `[key, value]` (Spark's PairRDDFunctions):
 * `Dataset<[K, V]>` has them, other datasets do not.
 */
export interface PairDatasetFunctions<K, V> {
  // Pair transformations -------------------------------------------------------------------------

  /** Applies `fn` to every value of a pair dataset, keeping the keys (and the partitioning). */
  mapValues<U>(fn: (value: V) => U, env?: Env): Dataset<[K, U]>;

  /** Applies `fn` to every value and flattens, keeping the keys. */
  flatMapValues<U>(fn: (value: V) => Iterable<U>, env?: Env): Dataset<[K, U]>;

  /** The keys of a pair dataset. */
  keys(): Dataset<K>;

  /** The values of a pair dataset. */
  values(): Dataset<V>;

  /** Merges the values of each key with `fn`, combining on the map side first, as Spark does. */
  reduceByKey(fn: (a: V, b: V) => V, numPartitions?: PartitionsArgument): Dataset<[K, V]>;

  /** Groups the values of each key into an array. */
  groupByKey(numPartitions?: number): Dataset<[K, V[]]>;

  /** Spark's combineByKey: the general form of the per-key aggregations. */
  combineByKey<C>(
    createCombiner: (value: V) => C,
    mergeValue: (combiner: C, value: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: PartitionsArgument,
  ): Dataset<[K, C]>;

  /** Aggregates the values of each key from its own copy of `zero`: seqOp within, combOp across partitions. */
  aggregateByKey<U>(
    zero: U,
    seqOp: (accumulator: U, value: V) => U,
    combOp: (a: U, b: U) => U,
    numPartitions?: PartitionsArgument,
  ): Dataset<[K, U]>;

  /** Folds the values of each key from its own copy of `zero`. */
  foldByKey(zero: V, fn: (a: V, b: V) => V, numPartitions?: PartitionsArgument): Dataset<[K, V]>;

  /**
   * Sorts by key across partitions: range partitioning from a sample, then a sort per partition.
   * `ascending` defaults to true; `keyFn` maps a key to what is compared.
   */
  sortByKey(
    ascending?: boolean,
    numPartitions?: number,
    keyFn?: (key: K) => unknown,
  ): Dataset<[K, V]>;

  /** Puts equal keys in the same one of `numPartitions` partitions (hash), and remembers it. */
  partitionBy(numPartitions: number): Dataset<[K, V]>;

  /** For every key of either side: `[key, [values here, values in other]]`. */
  cogroup<W>(other: Dataset<[K, W]>, numPartitions?: number): Dataset<[K, [V[], W[]]]>;

  /** `[key, [v, w]]` for every pair of values with equal keys. */
  join<W>(other: Dataset<[K, W]>, numPartitions?: number): Dataset<[K, [V, W]]>;

  /** Like join, keeping keys missing from `other` with `null` on its side. */
  leftOuterJoin<W>(other: Dataset<[K, W]>, numPartitions?: number): Dataset<[K, [V, W | null]]>;

  /** Like join, keeping keys missing from this side with `null` on it. */
  rightOuterJoin<W>(other: Dataset<[K, W]>, numPartitions?: number): Dataset<[K, [V | null, W]]>;

  /** Like join, keeping keys missing from either side with `null` on that side. */
  fullOuterJoin<W>(
    other: Dataset<[K, W]>,
    numPartitions?: number,
  ): Dataset<[K, [V | null, W | null]]>;

  /** The pairs whose key is not in `other`. */
  subtractByKey<W>(other: Dataset<[K, W]>, numPartitions?: number): Dataset<[K, V]>;

  // Pair actions ---------------------------------------------------------------------------------

  /** How many times each key occurs, as a Map. */
  countByKey(options?: ActionOptions): Promise<Map<K, number>>;

  /** The pairs as a Map (a later pair wins for a repeated key). */
  collectAsMap(options?: ActionOptions): Promise<Map<K, V>>;

  /** Every value of `key`, as an array. Reads one partition when the partitioning is known. */
  lookup(key: K, options?: ActionOptions): Promise<V[]>;
}

/** What {@link NumericDatasetFunctions.stats} finds, Spark's StatCounter. */
export interface DatasetStats {
  count: number;
  mean: number;
  /** The population standard deviation. */
  stdev: number;
  max: number;
  min: number;
  sum: number;
}

/**
 * The methods of a dataset of numbers (Spark's DoubleRDDFunctions): `Dataset<number>` has them,
 * other datasets do not.
 */
export interface NumericDatasetFunctions {
  /** The sum of the elements (0 when empty). */
  sum(options?: ActionOptions): Promise<number>;

  /** count, mean, stdev (population), max, min and sum, in one pass. */
  stats(options?: ActionOptions): Promise<DatasetStats>;

  /** The mean (NaN when empty). */
  mean(options?: ActionOptions): Promise<number>;

  /** The population variance (divides by n). */
  variance(options?: ActionOptions): Promise<number>;

  /** The population standard deviation. */
  stdev(options?: ActionOptions): Promise<number>;

  /** The sample variance (divides by n - 1). */
  sampleVariance(options?: ActionOptions): Promise<number>;

  /** The sample standard deviation. */
  sampleStdev(options?: ActionOptions): Promise<number>;

  /**
   * Counts per bucket: that many equal buckets from min to max. Resolves to `[edges, counts]`.
   * (Given edges, `histogram` works on any comparable elements; see {@link BaseDataset.histogram}.)
   */
  histogram(bucketCount: number, options?: ActionOptions): Promise<[number[], number[]]>;
}
