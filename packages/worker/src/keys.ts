/**
 * Keys compared by value. Spark compares keys with `equals`/`hashCode`; JavaScript's Map compares
 * objects by identity, so structured keys (arrays, plain objects) are given a canonical string that
 * is equal exactly when the keys are structurally equal. Hashes are deterministic across processes,
 * because a map task on one worker and a reduce task on another must agree on them.
 */

import { StringSlots, stringHash } from './stringSlots.js';

/** A canonical string for a structured key: equal for structurally equal keys, with type tags. */
export function canonicalKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key);
    case 'number':
      return Object.is(key, -0) ? '0' : String(key);
    case 'bigint':
      return `${key}n`;
    case 'boolean':
      return key ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'object': {
      if (key === null) return 'null';
      if (Array.isArray(key)) return `[${key.map(canonicalKey).join(',')}]`;
      if (key instanceof Date) return `Date(${key.getTime()})`;
      const entries = Object.keys(key)
        .sort()
        .map(
          (name) =>
            `${JSON.stringify(name)}:${canonicalKey((key as Record<string, unknown>)[name])}`,
        );
      return `{${entries.join(',')}}`;
    }
    default:
      return String(key);
  }
}

const isStructured = (key: unknown): key is object => typeof key === 'object' && key !== null;

/**
 * A KeyMap's storage, for a caller that merges into the values of known keys itself (a fused
 * loop): one of two layouts, the other's fields empty.
 */
export interface MapSlots {
  /** Dense layout: small integer `k` has an entry exactly when `present[k] === 1`... */
  readonly present: Uint8Array;
  /** ...and its value is `numbers[k]`. */
  readonly numbers: Float64Array;
  /** Sparse layout: a string key's slot... */
  readonly stringSlots: StringSlots | undefined;
  /** ...or another primitive key's slot (structured keys are never found in either)... */
  readonly primitiveSlots: ReadonlyMap<unknown, number> | undefined;
  /** ...and its value is `values[slot]`. */
  readonly values: unknown[];
}

/** No storage to merge into: every key is missing from both layouts. */
export const NO_SLOTS: MapSlots = {
  present: new Uint8Array(0),
  numbers: new Float64Array(0),
  stringSlots: undefined,
  primitiveSlots: undefined,
  values: [],
};

/** Number keys and their number values, entry i being `[keys[i], values[i]]`. */
export interface NumberColumns {
  readonly keys: readonly number[];
  readonly values: Float64Array;
}

/** Keys below this may be kept densely, indexed by their value. */
const DENSE_KEY_LIMIT = 1 << 22;
/** A dense map may have at most this many slots per entry (plus a start), or it turns sparse. */
const DENSE_SLOTS_PER_ENTRY = 4;
const DENSE_MIN_SLOTS = 1024;

/**
 * A Map whose keys compare by value: primitives as JavaScript compares them (SameValueZero),
 * arrays and plain objects structurally. Iteration is in insertion order.
 *
 * Entries are addressed by slot: {@link slotOf} finds a key once, and {@link valueAt} and
 * {@link setAt} read and replace its value without hashing it again, so combining a value into
 * a known key costs one lookup, not the two of a Map's get and set.
 *
 * While every key is a small non-negative integer and they are not too sparse (counts by id, W3's
 * `x % 100000`), entries live in arrays indexed by key, and while every value is a number, in a
 * Float64Array: a lookup is an index and a sum allocates nothing, several times cheaper than a
 * Map's hashing and boxed numbers, which is most of what combining by key costs. The first other
 * key moves the entries into the sparse layout, in insertion order; the first other value, into
 * an array.
 */
export class KeyMap<V> {
  /** Sparse: keys and values by slot, in insertion order. */
  readonly #keys: unknown[] = [];
  /** Sparse: string keys to their slot (the most common keys, looked up fastest). */
  readonly #stringSlots = new StringSlots(this.#keys);
  /** Sparse: other primitive keys (a Map compares them as wanted) to their slot. */
  readonly #primitiveSlots = new Map<unknown, number>();
  /** Sparse: structured keys, by canonical string, to their slot. */
  readonly #structuredSlots = new Map<string, number>();
  readonly #values: V[] = [];
  /** Whether entries live in the dense arrays below (all keys so far small integers). */
  #dense = true;
  /** While dense: 1 where a key has an entry. */
  #present = new Uint8Array(0);
  /** While dense and every value is a number: the values by key; else undefined. */
  #numbers: Float64Array | undefined = new Float64Array(0);
  /** While dense once a value was not a number: the values by key. */
  #denseValues: V[] = [];
  /** The dense keys, in insertion order. */
  #denseKeys: number[] = [];
  /** What {@link slots} returned, until the storage moves (grows, boxes or turns sparse). */
  #slots: MapSlots | undefined;

  get size(): number {
    return this.#dense ? this.#denseKeys.length : this.#keys.length;
  }

  /** The slot of `key`'s entry, or -1 when it has none. Valid until the next insert. */
  slotOf(key: unknown): number {
    if (this.#dense) {
      if (!isDenseKey(key)) return -1;
      return key < this.#present.length && this.#present[key] === 1 ? key : -1;
    }
    if (typeof key === 'string') return this.#stringSlots.slotOf(key);
    const slot = isStructured(key)
      ? this.#structuredSlots.get(canonicalKey(key))
      : this.#primitiveSlots.get(key);
    return slot === undefined ? -1 : slot;
  }

  /** The value in a slot that {@link slotOf} returned. */
  valueAt(slot: number): V {
    if (!this.#dense) return this.#values[slot] as V;
    const numbers = this.#numbers;
    return numbers !== undefined ? (numbers[slot] as V) : (this.#denseValues[slot] as V);
  }

  /** Replaces the value in a slot that {@link slotOf} returned. */
  setAt(slot: number, value: V): void {
    if (!this.#dense) this.#values[slot] = value;
    else if (this.#numbers === undefined) this.#denseValues[slot] = value;
    else if (typeof value === 'number') this.#numbers[slot] = value;
    else this.#boxValues(slot, value);
  }

  /** Adds an entry for a key that has none (see {@link slotOf}). */
  insert(key: unknown, value: V): void {
    if (this.#dense) {
      if (isDenseKey(key) && (key < this.#present.length || this.#growDense(key))) {
        this.#present[key] = 1;
        this.#denseKeys.push(key === 0 ? 0 : key); // -0 is key 0, as in a Map
        this.setAt(key, value);
        return;
      }
      this.#makeSparse();
    }
    this.#addSparse(key, value);
  }

  get(key: unknown): V | undefined {
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.valueAt(slot);
  }

  has(key: unknown): boolean {
    return this.slotOf(key) >= 0;
  }

  set(key: unknown, value: V): void {
    const slot = this.slotOf(key);
    if (slot < 0) this.insert(key, value);
    else this.setAt(slot, value);
  }

  /**
   * The map's storage, for a caller that replaces values of known keys in place (a fused loop):
   * {@link NO_SLOTS} while the keys are dense and some value is not a number. Valid until the next
   * {@link insert} or {@link setAt}; writing a number into a dense slot, or any value into a
   * sparse one, is a {@link setAt} that keeps it valid.
   */
  slots(): MapSlots {
    this.#slots ??= this.#storage();
    return this.#slots;
  }

  #storage(): MapSlots {
    if (!this.#dense)
      return {
        ...NO_SLOTS,
        stringSlots: this.#stringSlots,
        primitiveSlots: this.#primitiveSlots,
        values: this.#values as unknown[],
      };
    const numbers = this.#numbers;
    return numbers === undefined ? NO_SLOTS : { ...NO_SLOTS, present: this.#present, numbers };
  }

  /** Entries in insertion order, as `[key, value]` pairs. */
  *entries(): IterableIterator<[unknown, V]> {
    if (this.#dense) {
      const keys = this.#denseKeys;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as number;
        yield [key, this.valueAt(key)];
      }
      return;
    }
    const keys = this.#keys;
    const values = this.#values;
    for (let i = 0; i < keys.length; i++) yield [keys[i], values[i] as V];
  }

  /** A dense map of numbers as two columns in insertion order; undefined for any other map. */
  toNumberColumns(): NumberColumns | undefined {
    const numbers = this.#numbers;
    if (!this.#dense || numbers === undefined) return undefined;
    const keys = this.#denseKeys.slice();
    const values = new Float64Array(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = numbers[keys[i] as number] as number;
    return { keys, values };
  }

  /** Keys and values as two arrays in insertion order (no pair per entry). */
  toArrays(): { keys: unknown[]; values: V[] } {
    if (!this.#dense) return { keys: this.#keys.slice(), values: this.#values.slice() };
    const keys = this.#denseKeys.slice();
    const values = keys.map((key) => this.valueAt(key));
    return { keys, values };
  }

  /**
   * Grows the dense arrays to give `key` a slot, unless that would make them too sparse for the
   * entries they hold. Returns whether it did.
   */
  #growDense(key: number): boolean {
    const limit = DENSE_MIN_SLOTS + DENSE_SLOTS_PER_ENTRY * this.#denseKeys.length;
    if (key >= limit) return false;
    const length = Math.min(limit, Math.max(key + 1, 2 * this.#present.length));
    this.#slots = undefined;
    const present = new Uint8Array(length);
    present.set(this.#present);
    this.#present = present;
    if (this.#numbers !== undefined) {
      const numbers = new Float64Array(length);
      numbers.set(this.#numbers);
      this.#numbers = numbers;
    } else {
      // Grown by push, so the array stays packed (holes would slow every access).
      while (this.#denseValues.length < length) this.#denseValues.push(undefined as V);
    }
    return true;
  }

  /** The first value that is not a number: the values move to an array that holds anything. */
  #boxValues(key: number, value: V): void {
    const numbers = this.#numbers as Float64Array;
    this.#numbers = undefined;
    this.#slots = undefined;
    const values: V[] = [];
    for (let slot = 0; slot < numbers.length; slot++) values.push(numbers[slot] as V);
    values[key] = value;
    this.#denseValues = values;
  }

  /** Adds an entry in the sparse layout, in the next slot. */
  #addSparse(key: unknown, value: V): void {
    const slot = this.#keys.length;
    this.#keys.push(key === 0 ? 0 : key); // -0 is key 0, as in a Map
    this.#values.push(value);
    if (typeof key === 'string') this.#stringSlots.add(key, slot);
    else if (isStructured(key)) this.#structuredSlots.set(canonicalKey(key), slot);
    else this.#primitiveSlots.set(key, slot);
  }

  /** Moves the dense entries into the sparse layout, in insertion order, for good. */
  #makeSparse(): void {
    const { keys, values } = this.toArrays();
    this.#dense = false;
    this.#slots = undefined;
    for (let slot = 0; slot < keys.length; slot++) this.#addSparse(keys[slot], values[slot] as V);
    this.#present = new Uint8Array(0);
    this.#numbers = undefined;
    this.#denseValues = [];
    this.#denseKeys = [];
  }
}

/** A key a dense KeyMap may index by: a non-negative integer below DENSE_KEY_LIMIT (or -0). */
function isDenseKey(key: unknown): key is number {
  return typeof key === 'number' && key >>> 0 === key && key < DENSE_KEY_LIMIT;
}

/** A deterministic 32-bit hash of a key, equal for keys that compare equal. */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'number':
      return hashNumber(key);
    case 'string':
      return hashString(key);
    case 'boolean':
      return key ? 1231 : 1237; // Java's Boolean.hashCode, as Spark would see it.
    default:
      return key === null || key === undefined ? 0 : hashString(canonicalKey(key));
  }
}

function hashNumber(value: number): number {
  // Small integers hash to themselves, as Java's Integer.hashCode does, so that Spark's
  // round-robin keys (repartition) and dense integer keys spread exactly evenly.
  if (Number.isInteger(value) && Math.abs(value) <= 0x7fffffff) return (value | 0) >>> 0;
  return hashString(canonicalKey(value));
}

function hashString(value: string): number {
  return stringHash(value) >>> 0;
}
