/**
 * `[number, number]` records kept as two growing float64 columns, in arrival order: no array and
 * no boxed number per record, 16 bytes each, and written to a block as they are (see the codec's
 * number pairs). A shuffle bucket or a sort buffer holds them this way while every record it gets
 * is such a pair.
 */
import { encodePairBlock } from './recordFrames.js';
import type { SizeTracker } from './sizeEstimator.js';

/** Small: a map task may have a bucket per reduce partition, thousands of them. */
const INITIAL_CAPACITY = 16;

export class PairColumns {
  #keys = new Float64Array(INITIAL_CAPACITY);
  #values = new Float64Array(INITIAL_CAPACITY);
  #length = 0;

  /** The number of pairs. */
  get length(): number {
    return this.#length;
  }

  /** The heap the columns take, in bytes. */
  get bytes(): number {
    return 16 * this.#keys.length;
  }

  /** The keys, in arrival order (a view, valid until the next push). */
  get keys(): Float64Array {
    return this.#keys.subarray(0, this.#length);
  }

  /** The values, in arrival order (a view, valid until the next push). */
  get values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }

  push(key: number, value: number): void {
    if (this.#length === this.#keys.length) this.#grow();
    this.#keys[this.#length] = key;
    this.#values[this.#length++] = value;
  }

  /** The pairs as records, in arrival order, each made as it is read. */
  *pairs(): Generator<[number, number]> {
    for (let i = 0; i < this.#length; i++)
      yield [this.#keys[i] as number, this.#values[i] as number];
  }

  /**
   * Appends the pairs to `records` as records, in arrival order, counting each in `size`: for a
   * holder of pairs whose first record of another kind arrived, which keeps records from then on.
   */
  appendTo(records: unknown[], size: SizeTracker): void {
    for (const pair of this.pairs()) {
      records.push(pair);
      size.add(pair);
    }
  }

  /** The pairs as a block of frames, written from the columns. */
  toBlock(): Uint8Array {
    return encodePairBlock(this.keys, this.values);
  }

  #grow(): void {
    const keys = new Float64Array(2 * this.#keys.length);
    keys.set(this.#keys);
    this.#keys = keys;
    const values = new Float64Array(2 * this.#values.length);
    values.set(this.#values);
    this.#values = values;
  }
}
