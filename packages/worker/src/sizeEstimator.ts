/**
 * Estimates how many bytes of V8 heap a value keeps alive, as Spark's SizeEstimator does for JVM
 * objects: cheaply, by the shape of the value, never by measuring the heap (which also holds
 * garbage). The constants are V8's on 64-bit Node without pointer compression (Node's official
 * builds), checked against `process.memoryUsage().heapUsed` (test/sizeEstimator.test.ts): a pair
 * `[string, number]` is 64 bytes plus its string, a string 16 bytes plus its characters, a small
 * integer nothing beyond the slot that holds it.
 *
 * Large containers are sampled (a fixed number of evenly spaced elements, scaled up), so an
 * estimate costs at most a few hundred steps whatever the value's size. Objects reached twice
 * are counted twice: the estimate errs towards spilling early, never towards running out.
 */

/** One reference: V8 without pointer compression. */
const SLOT = 8;
/** A JSArray (map, properties, elements, length) plus its FixedArray header (map, length). */
const ARRAY = 32 + 16;
/** A plain object's header (map, properties, elements); each own property adds a slot. */
const OBJECT = 24;
/** A string's header (map, hash, length); one byte per Latin-1 character. */
const STRING = 16;
/** A number that is not a small integer lives in a HeapNumber box. */
const HEAP_NUMBER = 16;
/** A Map or Set entry in V8's ordered hash table (key, value, chain, and its bucket share). */
const MAP_ENTRY = 3 * SLOT + 6;
const MAP = 64;
/** Elements looked at in a large container; the rest are assumed alike. */
const SAMPLE = 32;
/** Nesting deeper than this is counted as one slot: the estimate must stay cheap. */
const MAX_DEPTH = 12;

const isSmallInteger = (value: number) => (value | 0) === value && !Object.is(value, -0);

/** The estimated heap bytes a value keeps alive (beyond the slot that refers to it). */
export function estimateSize(value: unknown): number {
  return sizeOf(value, 0);
}

function sizeOf(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'number':
      return isSmallInteger(value) ? 0 : HEAP_NUMBER;
    case 'string':
      return STRING + ((value.length + 7) & ~7);
    case 'bigint':
      return 16 + 8 * Math.ceil(value.toString(16).length / 16);
    case 'object':
      if (value === null) return 0;
      if (depth >= MAX_DEPTH) return SLOT;
      return objectSize(value, depth + 1);
    default:
      // Booleans, undefined and symbols are shared; functions do not travel in records.
      return 0;
  }
}

function objectSize(value: object, depth: number): number {
  if (Array.isArray(value)) {
    const { length } = value;
    if (length <= SAMPLE) {
      let total = ARRAY + SLOT * length;
      for (let i = 0; i < length; i++) total += sizeOf(value[i], depth);
      return total;
    }
    let sampled = 0;
    for (let i = 0; i < SAMPLE; i++)
      sampled += sizeOf(value[Math.floor((i * length) / SAMPLE)], depth);
    return ARRAY + SLOT * length + (sampled * length) / SAMPLE;
  }
  if (ArrayBuffer.isView(value)) return 96 + value.byteLength;
  if (value instanceof ArrayBuffer) return 64 + value.byteLength;
  if (value instanceof Date) return 32;
  if (value instanceof Map || value instanceof Set) {
    const { size } = value;
    let sampled = 0;
    let seen = 0;
    for (const entry of value instanceof Map ? value.entries() : value.values()) {
      sampled +=
        value instanceof Map
          ? sizeOf(entry[0], depth) + sizeOf(entry[1], depth)
          : sizeOf(entry, depth);
      if (++seen === SAMPLE) break;
    }
    return MAP + MAP_ENTRY * size + (seen === 0 ? 0 : (sampled * size) / seen);
  }
  let total = OBJECT;
  let seen = 0;
  let keys = 0;
  for (const key in value) {
    keys++;
    if (seen < SAMPLE) {
      seen++;
      total += SLOT + sizeOf((value as Record<string, unknown>)[key], depth);
    }
  }
  // Objects with more properties than the sample are rare in records: scale the rest up.
  return keys > seen ? OBJECT + ((total - OBJECT) * keys) / seen : total;
}

/**
 * The running size of a collection that grows one record at a time, from a sample of its records
 * (Spark's SizeTracker samples the whole collection instead; records of one dataset are alike,
 * so sampling them is as good and costs far less). The first records are all measured, then one
 * in `stride`.
 */
export class SizeTracker {
  #count = 0;
  #sampledBytes = 0;
  #sampled = 0;

  constructor(
    /** Bytes each record costs besides its own size (its slot, a map entry). */
    private readonly perRecord = SLOT,
    private readonly stride = 16,
  ) {}

  /** Counts one more record. */
  add(record: unknown): void {
    const index = this.#count++;
    if (index < SAMPLE || index % this.stride === 0) {
      this.#sampledBytes += sizeOf(record, 0);
      this.#sampled++;
    }
  }

  get count(): number {
    return this.#count;
  }

  /** The estimated bytes of every record counted so far. */
  get bytes(): number {
    if (this.#sampled === 0) return 0;
    return this.#count * (this.perRecord + this.#sampledBytes / this.#sampled);
  }

  reset(): void {
    this.#count = 0;
    this.#sampledBytes = 0;
    this.#sampled = 0;
  }
}

/**
 * The running size of a map of combiners (an aggregation by key). A new key costs its map entry,
 * its key and its first combiner; merging a value into an existing combiner costs what the
 * combiner grew by: nothing for a sum, the value for groupByKey's arrays. Both are sampled (all
 * of the first few, then one in `stride`), the growth by measuring the combiner before and after.
 */
export class CombinerSizeTracker {
  #entries = 0;
  #merges = 0;
  #entryBytes = 0;
  #entrySamples = 0;
  #growthBytes = 0;
  #growthSamples = 0;

  constructor(
    /** What a map entry costs besides its key and value. */
    private readonly perEntry = MAP_ENTRY,
    private readonly stride = 16,
  ) {}

  /** Whether the next new entry should be measured. */
  get samplesEntry(): boolean {
    return this.#entries < SAMPLE || this.#entries % this.stride === 0;
  }

  /** Counts a new key; `sized` is the measured key plus combiner when {@link samplesEntry}. */
  addEntry(sized?: number): void {
    this.#entries++;
    if (sized !== undefined) {
      this.#entryBytes += sized;
      this.#entrySamples++;
    }
  }

  /** Whether the next merge should be measured (before and after). */
  get samplesMerge(): boolean {
    return this.#merges < SAMPLE || this.#merges % this.stride === 0;
  }

  /** Counts a merge; `growth` is the measured growth when {@link samplesMerge}. */
  addMerge(growth?: number): void {
    this.#merges++;
    if (growth !== undefined) {
      this.#growthBytes += growth;
      this.#growthSamples++;
    }
  }

  /** The estimated bytes of the map. */
  get bytes(): number {
    const perEntry = this.#entrySamples === 0 ? 0 : this.#entryBytes / this.#entrySamples;
    const perMerge = this.#growthSamples === 0 ? 0 : this.#growthBytes / this.#growthSamples;
    return Math.max(0, this.#entries * (this.perEntry + perEntry) + this.#merges * perMerge);
  }

  /** Empties the count (after a spill); the samples stay, as the records stay alike. */
  reset(): void {
    this.#entries = 0;
    this.#merges = 0;
  }
}

/**
 * What a key costs in a KeyMap besides its Map entry: its slot in the key and value arrays, and
 * for a structured key (array, object) also its canonical string.
 */
export function estimateKeySize(key: unknown): number {
  const size = estimateSize(key) + 2 * SLOT;
  return typeof key === 'object' && key !== null ? 2 * size : size;
}
