/**
 * The built-in per-partition halves of actions: what a result task computes from its partition
 * before the driver combines the partitions' results (count sums, collect concatenates).
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compareValues } from './ordering.js';
import type { TaskRuntime } from './pipeline.js';
import type { RecordSink } from './recordSink.js';
import type { ResultSpec } from './taskSpec.js';

type Fn1 = (value: unknown) => unknown;
type Fn2 = (a: unknown, b: unknown) => unknown;

/** What `reduce` sends for a partition: empty partitions have no value to reduce. */
export type PartialReduce =
  | { readonly empty: true }
  | { readonly empty: false; readonly value: unknown };

/** A sink for every result kind that consumes records one by one. */
export function createResultSink(
  result: Exclude<ResultSpec, { kind: 'partitionFunction' }>,
  runtime: TaskRuntime,
): RecordSink<unknown> {
  switch (result.kind) {
    case 'collect': {
      const records: unknown[] = [];
      return {
        add(record) {
          records.push(record);
          return true;
        },
        finish: () => records,
      };
    }
    case 'count': {
      let count = 0;
      return {
        add() {
          count++;
          return true;
        },
        addCount(n) {
          count += n;
        },
        finish: () => count,
      };
    }
    case 'take': {
      const records: unknown[] = [];
      return {
        add(record) {
          records.push(record);
          return records.length < result.n;
        },
        finish: () => records,
      };
    }
    case 'fold':
    case 'aggregate': {
      const fn = runtime.fn(result.kind === 'fold' ? result.fn : result.seqOp) as Fn2;
      // Each partition starts from its own copy of the zero, so a mutating seqOp is safe.
      let accumulator = structuredClone(result.zero);
      return {
        add(record) {
          accumulator = fn(accumulator, record);
          return true;
        },
        finish: () => accumulator,
      };
    }
    case 'reduce': {
      const fn = runtime.fn(result.fn) as Fn2;
      let empty = true;
      let accumulator: unknown;
      return {
        add(record) {
          accumulator = empty ? record : fn(accumulator, record);
          empty = false;
          return true;
        },
        finish: (): PartialReduce =>
          empty ? { empty: true } : { empty: false, value: accumulator },
      };
    }
    case 'min':
    case 'max': {
      const keyFn = result.keyFn ? (runtime.fn(result.keyFn) as Fn1) : undefined;
      const sign = result.kind === 'min' ? 1 : -1;
      let best: PartialReduce = { empty: true };
      let bestKey: unknown;
      return {
        add(record) {
          const key = keyFn ? keyFn(record) : record;
          if (best.empty || sign * compareValues(key, bestKey) < 0) {
            best = { empty: false, value: record };
            bestKey = key;
          }
          return true;
        },
        finish: () => best,
      };
    }
    case 'takeOrdered':
      return takeOrderedSink(
        result.n,
        result.ascending,
        result.keyFn ? (runtime.fn(result.keyFn) as Fn1) : undefined,
      );
    case 'stats': {
      const stats = emptyStats();
      return {
        add(record) {
          addToStats(stats, record);
          return true;
        },
        finish: () => stats,
      };
    }
    case 'histogram':
      return histogramSink(result.buckets);
    case 'foreach': {
      const fn = runtime.fn(result.fn) as Fn1;
      return {
        add(record) {
          fn(record);
          return true;
        },
        finish: () => undefined,
      };
    }
    case 'saveAsTextFile':
      return textFileSink(result.dir, runtime.partition, runtime.attempt);
    case 'sampleKeys':
      return sampleKeysSink(
        result.size,
        result.seed + runtime.partition,
        result.keyFn ? (runtime.fn(result.keyFn) as Fn1) : undefined,
      );
    default:
      return result satisfies never;
  }
}

/** Partial statistics of a partition, mergeable on the driver (Chan et al.'s parallel variance). */
export interface PartialStats {
  count: number;
  mean: number;
  m2: number;
  sum: number;
  min: number;
  max: number;
}

export function emptyStats(): PartialStats {
  return {
    count: 0,
    mean: 0,
    m2: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
  };
}

function addToStats(stats: PartialStats, record: unknown): void {
  if (typeof record !== 'number') {
    throw new TypeError(
      `Numeric statistics need numbers, but got ${typeof record} ${String(record).slice(0, 40)}.`,
    );
  }
  // Welford's update keeps the variance stable for large counts.
  stats.count++;
  const delta = record - stats.mean;
  stats.mean += delta / stats.count;
  stats.m2 += delta * (record - stats.mean);
  stats.sum += record;
  if (record < stats.min) stats.min = record;
  if (record > stats.max) stats.max = record;
}

/** Merges `b` into `a`. */
export function mergeStats(a: PartialStats, b: PartialStats): PartialStats {
  if (b.count === 0) return a;
  if (a.count === 0) return { ...b };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
  };
}

function takeOrderedSink(
  n: number,
  ascending: boolean,
  keyFn: Fn1 | undefined,
): RecordSink<unknown[]> {
  const sign = ascending ? 1 : -1;
  let kept: { key: unknown; record: unknown }[] = [];
  const trim = () => {
    kept.sort((a, b) => sign * compareValues(a.key, b.key));
    kept = kept.slice(0, n);
  };
  return {
    add(record) {
      if (n === 0) return false;
      kept.push({ key: keyFn ? keyFn(record) : record, record });
      // Sorting in batches keeps memory at O(n) without sorting on every record.
      if (kept.length >= 2 * n + 1024) trim();
      return true;
    },
    finish() {
      trim();
      return kept.map(({ record }) => record);
    },
  };
}

function histogramSink(buckets: readonly unknown[]): RecordSink<number[]> {
  const counts = new Array<number>(Math.max(0, buckets.length - 1)).fill(0);
  const last = buckets.length - 1;
  return {
    add(record) {
      if (last < 1 || (typeof record === 'number' && Number.isNaN(record))) return true;
      if (compareValues(record, buckets[0]) < 0 || compareValues(record, buckets[last]) > 0)
        return true;
      // The last bucket is closed: a value equal to the last edge counts in it.
      let low = 0;
      let high = last;
      while (high - low > 1) {
        const middle = (low + high) >>> 1;
        if (compareValues(buckets[middle], record) <= 0) low = middle;
        else high = middle;
      }
      counts[low] = (counts[low] ?? 0) + 1;
      return true;
    },
    finish: () => counts,
  };
}

function textFileSink(dir: string, partition: number, attempt: number): RecordSink<undefined> {
  const name = `part-${String(partition).padStart(5, '0')}`;
  const temporary = join(dir, '_temporary', `${name}.attempt-${attempt}`);
  mkdirSync(dirname(temporary), { recursive: true });
  const fd = openSync(temporary, 'w');
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    if (pending.length > 0) writeSync(fd, pending.join(''));
    pending = [];
    pendingLength = 0;
  };
  return {
    add(record) {
      const line = `${String(record)}\n`;
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength > 1 << 16) flush();
      return true;
    },
    finish() {
      flush();
      closeSync(fd);
      // The rename makes the part appear whole or not at all.
      renameSync(temporary, join(dir, name));
      return undefined;
    },
  };
}

/** What `sampleKeys` sends: the partition's size and a uniform sample of its keys. */
export interface KeySample {
  readonly count: number;
  readonly sample: unknown[];
}

function sampleKeysSink(size: number, seed: number, keyFn: Fn1 | undefined): RecordSink<KeySample> {
  const random = mulberry32(seed);
  const sample: unknown[] = [];
  let count = 0;
  return {
    add(record) {
      const key = keyFn ? keyFn(record) : (record as unknown[])[0];
      count++;
      // Reservoir sampling (Algorithm R): every record is kept with probability size / count.
      if (sample.length < size) sample.push(key);
      else {
        const slot = Math.floor(random() * count);
        if (slot < size) sample[slot] = key;
      }
      return true;
    },
    finish: () => ({ count, sample }),
  };
}

/** A small, fast, seeded PRNG (mulberry32), the same on every worker. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
