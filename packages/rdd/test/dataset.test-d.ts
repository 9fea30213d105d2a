// Type tests of the generic API: checked by `pnpm typecheck` (tsc), never run.
import { expectTypeOf } from 'vitest';
import type { Dataset } from '../src/index.js';

declare const words: Dataset<string>;
declare const numbers: Dataset<number>;

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
