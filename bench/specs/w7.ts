import {
  formatWordStats,
  sameWordStats,
  type WordStats,
  wordCountPlain,
} from '../baselines/wordCount.js';
import { wordsFile } from '../data.js';
import { repeat, timed } from '../measure.js';
import type { WorkloadSpec } from '../spec.js';
import { memoryPerWorker, RSS_BOUND_BYTES, wordCount, workerPeaks } from '../workloads/w7.js';
import { flintMeasured, plain, type SpecContext } from './common.js';
import { megabytes } from './w2.js';

export async function w7Spec(ctx: SpecContext): Promise<WorkloadSpec<WordStats>> {
  const bytes = ctx.sizes.largerThanMemoryBytes;
  const { workers, runs } = ctx.config;
  ctx.log(`W7 preparing words.txt (${megabytes(bytes)})…`);
  const file = await wordsFile(bytes);
  return {
    id: 'W7',
    title:
      `larger than memory: W2 on ${megabytes(bytes)} with memoryPerWorker '${memoryPerWorker}' ` +
      `x ${workers} workers; peak RSS bound ${Math.round(RSS_BOUND_BYTES / 2 ** 20)} MiB`,
    same: sameWordStats,
    format: formatWordStats,
    impls: [
      flintMeasured(
        ctx,
        async (sc, run) => {
          const samples = await repeat(runs, () => timed(() => wordCount(sc, file)));
          // Read before stopping the context: VmHWM lives as long as the worker process.
          return { samples, ...(await workerPeaks(await run.contextPids())) };
        },
        { memoryPerWorker },
      ),
      plain(ctx, () => wordCountPlain(file)),
    ],
  };
}
