import {
  formatWordStats,
  sameWordStats,
  type WordStats,
  wordCountPlain,
} from '../baselines/wordCount.js';
import { wordsFile } from '../data.js';
import { repeat, timed } from '../measure.js';
import type { WorkloadSpec } from '../spec.js';
import {
  countSpills,
  MEMORY_PER_WORKER_MIB,
  memoryPerWorker,
  RSS_BOUND_BYTES,
  RSS_OVERHEAD_MIB,
  wordCount,
  workerPeaks,
} from '../workloads/w7.js';
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
      `x ${workers} workers; peak RSS bound ${MEMORY_PER_WORKER_MIB} + ${RSS_OVERHEAD_MIB} = ` +
      `${Math.round(RSS_BOUND_BYTES / 2 ** 20)} MiB`,
    same: sameWordStats,
    format: formatWordStats,
    impls: [
      flintMeasured(
        ctx,
        async (sc, run) => {
          const spills = countSpills(sc);
          // No warm-up run: each run takes tens of seconds, far beyond what V8's warm-up costs.
          const samples = await repeat({ runs, warmup: 0 }, () => timed(() => wordCount(sc, file)));
          spills.stop();
          // Read before stopping the context: VmHWM lives as long as the worker process.
          return { samples, ...(await workerPeaks(await run.contextPids(), spills.bytes)) };
        },
        { memoryPerWorker },
      ),
      plain(ctx, () => wordCountPlain(file)),
    ],
  };
}
