/**
 * Combiners by key, as both sides of a shuffle build them: the first value of a key becomes its
 * combiner, later ones merge into it. A known key costs one lookup (KeyMap's slots), and the map
 * keeps the sampled size estimate that tells a Spillable when to go to disk.
 */
import { KeyMap, type MapSlots, type NumberColumns } from './keys.js';
import { CombinerSizeTracker, estimateKeySize, estimateSize } from './sizeEstimator.js';

type Create = (value: unknown) => unknown;
type Merge = (combiner: unknown, value: unknown) => unknown;

export class CombinerMap {
  #map = new KeyMap<unknown>();
  readonly #size = new CombinerSizeTracker();

  /** The number of keys. */
  get size(): number {
    return this.#map.size;
  }

  /** The estimated bytes of the keys and combiners. */
  get estimatedBytes(): number {
    return this.#size.bytes;
  }

  /** Adds `value` under `key`: `create(value)` for a new key, `merge(combiner, value)` else. */
  add(key: unknown, value: unknown, create: Create, merge: Merge): void {
    // Kept small so that V8 inlines it into the record loop; the rare branches are calls.
    const map = this.#map;
    const slot = map.slotOf(key);
    if (slot < 0) this.#addKey(key, create(value));
    else if (this.#size.samplesMerge) this.#mergeMeasured(slot, value, merge);
    else {
      map.setAt(slot, merge(map.valueAt(slot), value));
      this.#size.addMerge();
    }
  }

  #addKey(key: unknown, combiner: unknown): void {
    this.#map.insert(key, combiner);
    const size = this.#size;
    size.addEntry(size.samplesEntry ? estimateKeySize(key) + estimateSize(combiner) : undefined);
  }

  #mergeMeasured(slot: number, value: unknown, merge: Merge): void {
    const map = this.#map;
    // Measured before the merge, which may grow the combiner in place (groupByKey's arrays).
    const before = estimateSize(map.valueAt(slot));
    this.#replace(slot, merge(map.valueAt(slot), value), before);
  }

  /** Stores `combiner` in `slot`, counting how much it grew from `before` bytes. */
  #replace(slot: number, combiner: unknown, before: number): void {
    this.#map.setAt(slot, combiner);
    this.#size.addMerge(estimateSize(combiner) - before);
  }

  /** The map's storage, see {@link KeyMap.slots}. */
  slots(): MapSlots {
    return this.#map.slots();
  }

  /** Stores a combiner merged outside {@link add} under `key`, which has one. */
  replaceCombiner(key: unknown, combiner: unknown): void {
    const slot = this.#map.slotOf(key);
    this.#replace(slot, combiner, estimateSize(this.#map.valueAt(slot)));
  }

  /** The entries in the order their keys first came, as `[key, combiner]` pairs. */
  entries(): IterableIterator<[unknown, unknown]> {
    return this.#map.entries();
  }

  /**
   * Takes the contents out as number columns and empties the map, when every key is a small
   * integer and every combiner a number; else leaves the map as it is and returns undefined.
   */
  drainNumbers(): NumberColumns | undefined {
    const columns = this.#map.toNumberColumns();
    if (columns !== undefined) this.#clear();
    return columns;
  }

  /** Takes the contents out as two arrays (no pair per entry) and empties the map. */
  drain(): { keys: unknown[]; values: unknown[] } {
    const arrays = this.#map.toArrays();
    this.#clear();
    return arrays;
  }

  #clear(): void {
    this.#map = new KeyMap<unknown>();
    this.#size.reset();
  }
}
