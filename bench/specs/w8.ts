import {
  formatWordStats,
  sameWordStats,
  type WordStats,
  wordCountPlain,
} from '../baselines/wordCount.js';
import { wordsFile } from '../data.js';
import type { Impl, WorkloadSpec } from '../spec.js';
import { SCALES, wordCount } from '../workloads/w8.js';
import { flint, plain, type SpecContext } from './common.js';
import { megabytes } from './w2.js';

/** "name: 2x 2.01, 4x 4.12" from the medians of `name 1x`, `name 2x`, `name 4x`. */
function scaling(name: string, medians: Map<string, number>): string {
  const base = medians.get(`${name} 1x`);
  const ratios = SCALES.slice(1).map((scale) => {
    const ms = medians.get(`${name} ${scale}x`);
    return `${scale}x ${base === undefined || ms === undefined ? '-' : (ms / base).toFixed(2)}`;
  });
  return `${name} time vs 1x (linear is 2.00 and 4.00): ${ratios.join(', ')}`;
}

export async function w8Spec(ctx: SpecContext): Promise<WorkloadSpec<WordStats>> {
  const base = ctx.sizes.scalingBaseBytes;
  const impls: Impl<WordStats>[] = [];
  // No warm-up run: each run takes seconds to tens of seconds, far beyond what V8's warm-up costs.
  const unwarmed = { ...ctx, config: { ...ctx.config, warmup: 0 } };
  for (const scale of SCALES) {
    ctx.log(`W8 preparing words.txt (${megabytes(base * scale)})…`);
    const file = await wordsFile(base * scale);
    const group = `${scale}x`;
    impls.push(flint(unwarmed, (sc) => wordCount(sc, file), {}, group));
    impls.push(plain(unwarmed, () => wordCountPlain(file), group));
  }
  return {
    id: 'W8',
    title: `scaling: W2 at ${SCALES.map((s) => megabytes(base * s)).join(', ')}`,
    same: sameWordStats,
    format: formatWordStats,
    impls,
    summarize: (medians) => [scaling('flint', medians), scaling('plain', medians)],
  };
}
