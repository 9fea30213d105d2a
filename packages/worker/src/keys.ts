/**
 * Keys compared by value. Spark compares keys with `equals`/`hashCode`; JavaScript's Map compares
 * objects by identity, so structured keys (arrays, plain objects) are given a canonical string that
 * is equal exactly when the keys are structurally equal. Hashes are deterministic across processes,
 * because a map task on one worker and a reduce task on another must agree on them.
 */

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
 * A Map whose keys compare by value: primitives as JavaScript compares them (SameValueZero),
 * arrays and plain objects structurally. Iteration is in insertion order.
 */
export class KeyMap<V> {
  readonly #primitives = new Map<unknown, V>();
  readonly #structured = new Map<string, { key: unknown; value: V }>();
  #order: unknown[] | undefined;

  get size(): number {
    return this.#primitives.size + this.#structured.size;
  }

  get(key: unknown): V | undefined {
    return isStructured(key)
      ? this.#structured.get(canonicalKey(key))?.value
      : this.#primitives.get(key);
  }

  has(key: unknown): boolean {
    return isStructured(key) ? this.#structured.has(canonicalKey(key)) : this.#primitives.has(key);
  }

  set(key: unknown, value: V): void {
    if (isStructured(key)) {
      const canonical = canonicalKey(key);
      const entry = this.#structured.get(canonical);
      if (entry) entry.value = value;
      else {
        this.#structured.set(canonical, { key, value });
        this.#recordOrder(key);
      }
    } else {
      if (!this.#primitives.has(key)) this.#recordOrder(key);
      this.#primitives.set(key, value);
    }
  }

  /** Entries in insertion order, as `[key, value]` pairs. */
  *entries(): IterableIterator<[unknown, V]> {
    if (this.#order === undefined) {
      yield* this.#primitives.entries();
      return;
    }
    for (const key of this.#order) yield [key, this.get(key) as V];
  }

  // Only a map that mixes primitive and structured keys pays for remembering one global order.
  #recordOrder(key: unknown): void {
    if (this.#order === undefined) {
      if (!isStructured(key) && this.#structured.size === 0) return;
      this.#order = [...this.#primitives.keys()];
      for (const entry of this.#structured.values())
        if (entry.key !== key) this.#order.push(entry.key);
    }
    this.#order.push(key);
  }
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

/** FNV-1a over UTF-16 code units, then a final mix so that nearby strings spread. */
function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return mix(hash);
}

/** Murmur3's 32-bit finaliser. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
