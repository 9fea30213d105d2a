// Type tests of the generic API: checked by `pnpm typecheck` (tsc), never run.
import { expectTypeOf } from 'vitest';
import type { DatasetImpl } from '../src/dataset.js';
import {
  type BaseDataset,
  Dataset,
  type FlintContext,
  type NumericDatasetFunctions,
  type PairDatasetFunctions,
} from '../src/index.js';

declare const sc: FlintContext;
declare const words: Dataset<string>;
declare const numbers: Dataset<number>;

type PairMethod = keyof PairDatasetFunctions<unknown, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the type of untyped data, which these tests are about
type Untyped = any;
// histogram is numeric with a bucket count, and on every dataset with bucket edges.
type NumericMethod = Exclude<keyof NumericDatasetFunctions, 'histogram'>;

// A function returning a 2-element array literal makes a pair dataset, so pair methods apply.
const counts = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b);
expectTypeOf(counts).toEqualTypeOf<Dataset<[string, number]>>();
expectTypeOf(words.map((w) => w.length)).toEqualTypeOf<Dataset<number>>();
expectTypeOf(words.map((w) => w.split(' '))).toEqualTypeOf<Dataset<string[]>>();

// Actions return typed promises.
expectTypeOf(numbers.collect()).toEqualTypeOf<Promise<number[]>>();
expectTypeOf(counts.collectAsMap()).toEqualTypeOf<Promise<Map<string, number>>>();
expectTypeOf(counts.groupByKey()).toEqualTypeOf<Dataset<[string, number[]]>>();

// Pair methods cannot be called on a dataset that does not hold pairs.
// @ts-expect-error reduceByKey needs [key, value] elements
numbers.reduceByKey((a: number, b: number) => a + b);
// @ts-expect-error join needs [key, value] elements
words.join(counts);

// ...and do not even exist there: the property access alone is an error, and editors do not list them.
// @ts-expect-error a Dataset<string> has no reduceByKey
words.reduceByKey;
// @ts-expect-error a Dataset<string> has no sum
words.sum;
// @ts-expect-error a Dataset<number> has no keys
numbers.keys;
// @ts-expect-error a pair dataset has no stats
counts.stats;
expectTypeOf<'reduceByKey'>().not.toExtend<keyof Dataset<string>>();
expectTypeOf<Extract<keyof Dataset<string>, PairMethod | NumericMethod>>().toBeNever();
expectTypeOf<keyof Dataset<string>>().toEqualTypeOf<keyof BaseDataset<string>>();
expectTypeOf<Extract<keyof Dataset<number>, PairMethod>>().toBeNever();
expectTypeOf<NumericMethod>().toExtend<keyof Dataset<number>>();
expectTypeOf<Extract<keyof Dataset<[string, number]>, NumericMethod>>().toBeNever();
expectTypeOf<PairMethod>().toExtend<keyof Dataset<[string, number]>>();
expectTypeOf<Dataset<[string, number]>>().toEqualTypeOf<
  BaseDataset<[string, number]> & PairDatasetFunctions<string, number>
>();
expectTypeOf<Dataset<number>>().toEqualTypeOf<BaseDataset<number> & NumericDatasetFunctions>();

// A chain stays typed end to end: every method's result is a Dataset<U> judged again by its U.
expectTypeOf(
  words
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b)
    .mapValues((n) => n > 1)
    .sortByKey(false)
    .collect(),
).toEqualTypeOf<Promise<[string, boolean][]>>();
expectTypeOf(
  counts
    .filter(([, n]) => n > 1)
    .cache()
    .partitionBy(4),
).toEqualTypeOf<Dataset<[string, number]>>();
expectTypeOf(counts.keys()).toEqualTypeOf<Dataset<string>>();
expectTypeOf(counts.values().sum()).toEqualTypeOf<Promise<number>>();
expectTypeOf(words.map((w) => [w, w.length] as const).reduceByKey((a, b) => a + b)).toEqualTypeOf<
  Dataset<[string, number]>
>();

// Numeric methods exist on numbers only.
expectTypeOf(numbers.sum()).toEqualTypeOf<Promise<number>>();
expectTypeOf(numbers.stats()).resolves.toHaveProperty('stdev').toEqualTypeOf<number>();
expectTypeOf(numbers.histogram(3)).toEqualTypeOf<Promise<[number[], number[]]>>();
expectTypeOf(numbers.histogram([0, 5, 10])).toEqualTypeOf<Promise<[number[], number[]]>>();
expectTypeOf(words.histogram(['a', 'm', 'z'])).toEqualTypeOf<Promise<[string[], number[]]>>();
// @ts-expect-error a bucket count needs numbers to divide the range
void words.histogram(3);
expectTypeOf(words.map((w) => w.length).mean()).toEqualTypeOf<Promise<number>>();
expectTypeOf(
  sc
    .range(0, 10)
    .filter((x) => x > 2)
    .variance(),
).toEqualTypeOf<Promise<number>>();
declare const literals: Dataset<1 | 2>;
expectTypeOf(literals.sum()).toEqualTypeOf<Promise<number>>();
expectTypeOf(literals.collect()).toEqualTypeOf<Promise<(1 | 2)[]>>();

// Joins: the other side shares the key type; outer joins put null on the missing side.
declare const lengths: Dataset<[string, boolean]>;
expectTypeOf(counts.join(lengths)).toEqualTypeOf<Dataset<[string, [number, boolean]]>>();
expectTypeOf(counts.leftOuterJoin(lengths)).toEqualTypeOf<
  Dataset<[string, [number, boolean | null]]>
>();
expectTypeOf(counts.rightOuterJoin(lengths)).toEqualTypeOf<
  Dataset<[string, [number | null, boolean]]>
>();
expectTypeOf(counts.fullOuterJoin(lengths)).toEqualTypeOf<
  Dataset<[string, [number | null, boolean | null]]>
>();
expectTypeOf(counts.cogroup(lengths)).toEqualTypeOf<Dataset<[string, [number[], boolean[]]]>>();
expectTypeOf(counts.subtractByKey(lengths)).toEqualTypeOf<Dataset<[string, number]>>();
expectTypeOf(counts.join(lengths).mapValues(([n, b]) => (b ? n : 0))).toEqualTypeOf<
  Dataset<[string, number]>
>();
// @ts-expect-error the other side's keys must be strings too
counts.join(numbers.map((n) => [n, n]));

// Methods of every dataset that make pairs give pair datasets.
expectTypeOf(words.keyBy((w) => w.length).groupByKey()).toEqualTypeOf<
  Dataset<[number, string[]]>
>();
expectTypeOf(words.groupBy((w) => w[0]).mapValues((ws) => ws.length)).toEqualTypeOf<
  Dataset<[string | undefined, number]>
>();
expectTypeOf(words.zipWithIndex().lookup('a')).toEqualTypeOf<Promise<number[]>>();
expectTypeOf(words.zipWithUniqueId().values()).toEqualTypeOf<Dataset<number>>();
expectTypeOf(words.zip(numbers).countByKey()).toEqualTypeOf<Promise<Map<string, number>>>();
expectTypeOf(words.cartesian(numbers).keys()).toEqualTypeOf<Dataset<string>>();
expectTypeOf(counts.union(counts).reduceByKey((a, b) => a + b)).toEqualTypeOf<
  Dataset<[string, number]>
>();
expectTypeOf(sc.union([counts, counts])).toEqualTypeOf<Dataset<[string, number]>>();
expectTypeOf(sc.parallelize([1, 2, 3]).sum()).toEqualTypeOf<Promise<number>>();
expectTypeOf(sc.textFile('in.txt')).toEqualTypeOf<Dataset<string>>();
expectTypeOf(numbers.glom()).toEqualTypeOf<Dataset<number[]>>();
// @ts-expect-error an array of numbers is not a pair, whatever its length
numbers.glom().keys;

// The element type is judged as a whole. A pair or undefined is not a pair dataset until filtered.
declare const maybePairs: Dataset<[string, number] | undefined>;
// @ts-expect-error some elements are not pairs
maybePairs.reduceByKey;
expectTypeOf(maybePairs.filter((p) => p !== undefined)).toEqualTypeOf<Dataset<[string, number]>>();
declare const maybeNumbers: Dataset<number | undefined>;
// @ts-expect-error some elements are not numbers
maybeNumbers.sum;
// A union of pairs is a pair dataset keyed by the union of the keys.
declare const mixedPairs: Dataset<[string, number] | [number, boolean]>;
expectTypeOf(mixedPairs.keys()).toEqualTypeOf<Dataset<string | number>>();
expectTypeOf(mixedPairs.values()).toEqualTypeOf<Dataset<number | boolean>>();
declare const triples: Dataset<[string, number, boolean]>;
// @ts-expect-error a 3-element array is not a pair
triples.keys;

// Untyped data (any) keeps every method, with any keys and values; never (no elements) has every
// method and fits any dataset type.
expectTypeOf(words.map((line) => JSON.parse(line))).toEqualTypeOf<Dataset<Untyped>>();
expectTypeOf(words.map((line) => JSON.parse(line)).sum()).toEqualTypeOf<Promise<number>>();
expectTypeOf(
  words.map((line) => JSON.parse(line)).reduceByKey((a, b) => a.total + b.total),
).toEqualTypeOf<Dataset<[Untyped, Untyped]>>();
expectTypeOf(sc.emptyDataset().count()).toEqualTypeOf<Promise<number>>();
expectTypeOf(sc.emptyDataset()).toExtend<Dataset<[string, number]>>();
expectTypeOf(sc.emptyDataset()).toExtend<Dataset<number>>();
expectTypeOf(sc.emptyDataset<[string, number]>().keys()).toEqualTypeOf<Dataset<string>>();

// Datasets widen like their elements.
expectTypeOf(numbers).toExtend<Dataset<unknown>>();
expectTypeOf(numbers).toExtend<Dataset<number | string>>();
expectTypeOf(counts).toExtend<Dataset<[string, number | null]>>();
expectTypeOf(counts).not.toExtend<Dataset<[number, number]>>();

// Generic code: every dataset has the base methods, and Dataset<[K, V]> the pair methods.
function firstKeys<K, V>(pairs: Dataset<[K, V]>): Promise<K[]> {
  return pairs
    .reduceByKey((a) => a)
    .keys()
    .take(3);
}
expectTypeOf(firstKeys(counts)).toEqualTypeOf<Promise<string[]>>();
function tagged<T>(dataset: Dataset<T>): Dataset<[T, string]> {
  // @ts-expect-error T might not be a pair
  dataset.keys;
  return dataset.filter(Boolean).map((x) => [x, 'tag']);
}
expectTypeOf(tagged(numbers).mapValues((tag) => tag.length)).toEqualTypeOf<
  Dataset<[number, number]>
>();
function typedLoader<T>(lines: Dataset<string>): Dataset<T> {
  return lines.map((line) => JSON.parse(line)); // Dataset<any> fits any Dataset<T>
}
expectTypeOf(typedLoader<[string, number]>(words).lookup('a')).toEqualTypeOf<Promise<number[]>>();

// `instanceof` works on the value Dataset and narrows as for a generic class.
declare const something: unknown;
if (something instanceof Dataset) expectTypeOf(something).toEqualTypeOf<Dataset<Untyped>>();

// The runtime class has exactly the public methods (plus its internal lineage node).
type PublicMember = keyof BaseDataset<unknown> | PairMethod | NumericMethod;
expectTypeOf<PublicMember>().toEqualTypeOf<Exclude<keyof DatasetImpl<unknown>, 'node'>>();
