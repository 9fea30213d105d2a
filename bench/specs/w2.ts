import { wordCountThreads } from '../baselines/threads.js';
import {
  formatWordStats,
  sameWordStats,
  type WordStats,
  wordCountPlain,
} from '../baselines/wordCount.js';
import { wordsFile } from '../data.js';
import { splitIntoFiles } from '../skale/splitFiles.js';
import type { WorkloadSpec } from '../spec.js';
import { wordCount } from '../workloads/w2.js';
import { flint, plain, type SpecContext, skale, threads } from './common.js';

export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

export async function w2Spec(ctx: SpecContext): Promise<WorkloadSpec<WordStats>> {
  const bytes = ctx.sizes.wordsBytes;
  ctx.log(`W2 preparing words.txt (${megabytes(bytes)})…`);
  const file = await wordsFile(bytes);
  return {
    id: 'W2',
    title: `word count: textFile(words.txt, ${megabytes(bytes)}), distinct words and top 3`,
    same: sameWordStats,
    format: formatWordStats,
    impls: [
      flint(ctx, (sc) => wordCount(sc, file)),
      plain(ctx, () => wordCountPlain(file)),
      threads(ctx, (pool) => wordCountThreads(pool, file)),
      ...skale<WordStats>(ctx, async () => ({
        workload: 'W2',
        dir: await splitIntoFiles(file, ctx.config.workers),
      })),
    ],
  };
}
