/**
 * Sorting in-memory records into runs and merging sorted runs back, streaming, as Spark's
 * ExternalAppendOnlyMap and ExternalSorter do.
 *
 * Two orders. Runs of combiners are sorted by `hashKey` and merged by hash, then by key equality
 * (KeyMap's: SameValueZero for primitives, structure for arrays and objects): that is exact for
 * every key KeyMap accepts, including mixed types (`1` and `1n` are different keys, yet compare
 * as equal numbers in the engine's ordering, which therefore cannot group keys). Runs of records
 * to sort (sortByKey) use the engine's ordering, `compareValues`, and ties keep run order, so the
 * merge is stable.
 */
import { hashKey, KeyMap } from '../keys.js';

type Pair = [unknown, unknown];

/** Indices of `keys` in order of `hashKey(key)`, ties in index order. */
export function hashOrder(keys: readonly unknown[]): Uint32Array {
  const hashes = new Uint32Array(keys.length);
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    hashes[i] = hashKey(keys[i]);
    order[i] = i;
  }
  // Typed-array sort is not guaranteed stable: the index breaks ties.
  order.sort((a, b) => (hashes[a] as number) - (hashes[b] as number) || a - b);
  return order;
}

/** `[keys[i], values[i]]` for each index of `order`. */
export function* pairsInOrder(
  keys: readonly unknown[],
  values: readonly unknown[],
  order: Uint32Array,
): Generator<Pair> {
  for (const index of order) yield [keys[index], values[index]];
}

interface HashHead {
  readonly run: number;
  readonly iterator: Iterator<unknown>;
  hash: number;
  record: Pair;
}

/**
 * Merges runs of `[key, combiner]` sorted by key hash into one stream with each key once,
 * combining equal keys with `mergeCombiners` in run order (run 0's combiner first). Output is in
 * hash order.
 */
export function* mergeByHash(
  runs: readonly Iterable<unknown>[],
  mergeCombiners: (a: unknown, b: unknown) => unknown,
): Generator<Pair> {
  const heap = new Heap<HashHead>((a, b) => a.hash - b.hash || a.run - b.run);
  const iterators = runs.map((run) => run[Symbol.iterator]());
  try {
    iterators.forEach((iterator, run) => {
      const next = iterator.next();
      if (!next.done) {
        const record = next.value as Pair;
        heap.push({ run, iterator, hash: hashKey(record[0]), record });
      }
    });
    const group: Pair[] = [];
    while (heap.size > 0) {
      const hash = (heap.peek() as HashHead).hash;
      // Every record with this hash, run by run (a run holds its equal hashes together).
      while (heap.size > 0 && (heap.peek() as HashHead).hash === hash) {
        const head = heap.pop() as HashHead;
        group.push(head.record);
        let next = head.iterator.next();
        while (!next.done) {
          const record = next.value as Pair;
          const recordHash = hashKey(record[0]);
          if (recordHash !== hash) {
            head.hash = recordHash;
            head.record = record;
            heap.push(head);
            break;
          }
          group.push(record);
          next = head.iterator.next();
        }
      }
      if (group.length === 1) yield group[0] as Pair;
      else yield* combineGroup(group, mergeCombiners);
      group.length = 0;
    }
  } finally {
    for (const iterator of iterators) iterator.return?.();
  }
}

/** Records that share a hash: equal keys combine, in the order they came. */
function combineGroup(
  group: readonly Pair[],
  mergeCombiners: (a: unknown, b: unknown) => unknown,
): IterableIterator<Pair> {
  const combined = new KeyMap<unknown>();
  for (const [key, combiner] of group)
    combined.set(key, combined.has(key) ? mergeCombiners(combined.get(key), combiner) : combiner);
  return combined.entries();
}

interface SortedHead {
  readonly run: number;
  readonly iterator: Iterator<unknown>;
  record: unknown;
  sortKey: unknown;
}

/**
 * Merges runs each sorted by `compare` of `sortKeyOf(record)` into one sorted stream; ties keep
 * run order, so the merge is stable.
 */
export function* mergeSorted(
  runs: readonly Iterable<unknown>[],
  sortKeyOf: (record: unknown) => unknown,
  compare: (a: unknown, b: unknown) => number,
): Generator<unknown> {
  const heap = new Heap<SortedHead>((a, b) => compare(a.sortKey, b.sortKey) || a.run - b.run);
  const iterators = runs.map((run) => run[Symbol.iterator]());
  try {
    iterators.forEach((iterator, run) => {
      const next = iterator.next();
      if (!next.done)
        heap.push({ run, iterator, record: next.value, sortKey: sortKeyOf(next.value) });
    });
    while (heap.size > 0) {
      const head = heap.peek() as SortedHead;
      yield head.record;
      const next = head.iterator.next();
      if (next.done) heap.pop();
      else {
        head.record = next.value;
        head.sortKey = sortKeyOf(next.value);
        heap.replaceTop(head);
      }
    }
  } finally {
    for (const iterator of iterators) iterator.return?.();
  }
}

/** A binary min-heap. */
export class Heap<T> {
  readonly #items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i] as T, items[parent] as T) >= 0) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.replaceTop(last);
    return top;
  }

  /** Replaces the smallest item (after its key changed) and restores the order. */
  replaceTop(item: T): void {
    const items = this.#items;
    items[0] = item;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.compare(items[left] as T, items[smallest] as T) < 0)
        smallest = left;
      if (right < items.length && this.compare(items[right] as T, items[smallest] as T) < 0)
        smallest = right;
      if (smallest === i) return;
      [items[i], items[smallest]] = [items[smallest] as T, items[i] as T];
      i = smallest;
    }
  }
}
