/**
 * A hash table from strings to slot numbers, for KeyMap's string keys: the lookup that combining
 * by a string key (word count) pays once per record.
 *
 * A Map looks up a string that was just made (a word split out of a line) by hashing it in C++,
 * through a call out of JavaScript on every lookup, because a new string has no hash yet. Here
 * the hash is a loop over the string's characters that V8 compiles into the caller, and the
 * table is a typed array probed linearly: a lookup costs about half of a Map's (W2's map task,
 * 33 MB of words: 1.0 s with a Map, 0.77 s with this table).
 */

/** Smallest table: entries are added one at a time, so small maps should not pay for a big one. */
const MIN_CAPACITY = 16;

/** FNV-1a over UTF-16 code units, then Murmur3's 32-bit finaliser, as a signed 32-bit integer. */
export function stringHash(value: string): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * Strings to slots given by the owner, which keeps the key of each slot in `keysBySlot` (an array
 * it only appends to): the table holds no strings of its own, just hashes and slot numbers.
 */
export class StringSlots {
  /** Pairs of ints per bucket: the key's hash and its slot plus one (0: an empty bucket). */
  #table = new Int32Array(2 * MIN_CAPACITY);
  /** Buckets minus one; the bucket count is a power of two. */
  #mask = MIN_CAPACITY - 1;
  #size = 0;
  readonly #keysBySlot: readonly unknown[];

  constructor(keysBySlot: readonly unknown[]) {
    this.#keysBySlot = keysBySlot;
  }

  get size(): number {
    return this.#size;
  }

  /** The slot of `key`, or -1 when it has none. */
  slotOf(key: string): number {
    const hash = stringHash(key);
    const table = this.#table;
    const mask = this.#mask;
    for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
      const slotPlusOne = table[2 * bucket + 1] as number;
      if (slotPlusOne === 0) return -1;
      if (table[2 * bucket] === hash && this.#keysBySlot[slotPlusOne - 1] === key)
        return slotPlusOne - 1;
    }
  }

  /** Records that `key`, which has no slot yet, is in `slot` (`keysBySlot[slot] === key`). */
  add(key: string, slot: number): void {
    // Kept at most half full, so that a miss (a new key) ends after a probe or two.
    if (2 * (this.#size + 1) > this.#mask + 1) this.#grow();
    this.#place(stringHash(key), slot + 1);
    this.#size++;
  }

  #place(hash: number, slotPlusOne: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let bucket = hash & mask;
    while (table[2 * bucket + 1] !== 0) bucket = (bucket + 1) & mask;
    table[2 * bucket] = hash;
    table[2 * bucket + 1] = slotPlusOne;
  }

  #grow(): void {
    const old = this.#table;
    this.#table = new Int32Array(2 * old.length);
    this.#mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      const slotPlusOne = old[i + 1] as number;
      if (slotPlusOne !== 0) this.#place(old[i] as number, slotPlusOne);
    }
  }
}
