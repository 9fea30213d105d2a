/**
 * The M&M model: six colours with their shares and weights, and a generator that makes the M&M
 * at any position of a seeded tub. Each M&M depends only on (seed, index), so the same tub comes
 * out on one thread or on any number of workers, however it is partitioned.
 */
import type { Dataset, FlintContext } from '@flint/rdd';

/** One colour of M&M: how common it is and what one weighs on average. */
export interface Colour {
  readonly name: string;
  /** The fraction of a tub in this colour; the shares of a model add up to 1. */
  readonly share: number;
  /** The average weight of one M&M of this colour, in grams. */
  readonly grams: number;
}

/** What a tub is made of: its colours, and how far one M&M's weight strays from its colour's. */
export interface TubModel {
  readonly colours: readonly Colour[];
  /** Each M&M weighs its colour's `grams` plus or minus up to this much, in grams. */
  readonly noiseGrams: number;
}

/** One M&M. */
export interface MM {
  readonly colour: string;
  /** In grams. */
  readonly weight: number;
}

/** Milk chocolate M&Ms, with the colour mix Mars has published and made-up (close) weights. */
export const TUB_MODEL: TubModel = {
  colours: [
    { name: 'blue', share: 0.24, grams: 0.92 },
    { name: 'orange', share: 0.2, grams: 0.88 },
    { name: 'green', share: 0.16, grams: 0.9 },
    { name: 'yellow', share: 0.14, grams: 0.87 },
    { name: 'red', share: 0.13, grams: 0.86 },
    { name: 'brown', share: 0.13, grams: 0.89 },
  ],
  noiseGrams: 0.02,
};

/** The seed used when none is given. @default 42 */
export const DEFAULT_SEED = 42;

/**
 * The M&M at position `index` of the tub made from `seed`.
 *
 * Self-contained on purpose (it uses only its arguments and `Math`), so it can be shipped to the
 * workers as it is, in a function's env: `.map((i) => mmAt(i, seed, model), { mmAt, seed, model })`.
 */
export function mmAt(index: number, seed: number, model: TubModel): MM {
  // A mulberry32 stream seeded from (seed, index): hashing the position, rather than drawing from
  // one stream in order, is what makes the tub independent of how it is partitioned.
  let state =
    Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^
    Math.imul(index | 0, 0x85ebca77) ^
    Math.imul(Math.floor(index / 4294967296), 0xc2b2ae3d);
  let colourDraw = 0;
  let noiseDraw = 0;
  for (let draw = 0; draw < 2; draw++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const uniform = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    if (draw === 0) colourDraw = uniform;
    else noiseDraw = uniform;
  }
  const { colours } = model;
  // The last colour also takes what rounding leaves above the sum of the shares.
  let colour = colours[colours.length - 1]!;
  let cumulative = 0;
  for (const candidate of colours) {
    cumulative += candidate.share;
    if (colourDraw < cumulative) {
      colour = candidate;
      break;
    }
  }
  return { colour: colour.name, weight: colour.grams + (noiseDraw * 2 - 1) * model.noiseGrams };
}

/** Where and how to make a tub. */
export interface TubOptions {
  readonly size: number;
  readonly seed: number;
  readonly partitions: number;
  /** @default TUB_MODEL */
  readonly model?: TubModel;
}

/**
 * The tub as a dataset: `size` M&Ms, generated on the workers (only the numbers of a range and
 * the generator's source cross the wire), in `partitions` chunks.
 */
export function makeTub(sc: FlintContext, options: TubOptions): Dataset<MM> {
  const { seed, model = TUB_MODEL } = options;
  return sc
    .range(0, options.size, 1, options.partitions)
    .map((index) => mmAt(index, seed, model), { mmAt, seed, model });
}
