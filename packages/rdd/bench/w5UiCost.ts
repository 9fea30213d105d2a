/**
 * What the web UI costs a tiny job when no browser is connected (issue #9, on W5's tiny-job
 * latency): a warm context runs `sc.parallelize([1, 2, 3, 4], 2).count()` many times, with the UI
 * off and on, the two interleaved round after round (alternating which goes first) so that load
 * from other processes on a shared machine falls on both alike. Prints each round's p50 and p99
 * and their medians over the rounds.
 *
 *   node --conditions=@flint/source --import tsx packages/rdd/bench/w5UiCost.ts [rounds] [jobs]
 */
import { createContext } from '@flint/rdd';

const rounds = Number(process.argv[2] ?? 6);
const jobs = Number(process.argv[3] ?? 300);
const WARMUP_JOBS = 50;

type Config = 'ui off' | 'ui on';

async function measure(config: Config): Promise<{ p50: number; p99: number }> {
  const sc = await createContext({
    workers: 2,
    progress: false,
    ui: config === 'ui on' ? { port: 0 } : false,
  });
  try {
    if ((sc.uiUrl !== undefined) !== (config === 'ui on')) throw new Error(`${config}: wrong UI`);
    const data = [1, 2, 3, 4];
    for (let i = 0; i < WARMUP_JOBS; i++) await sc.parallelize(data, 2).count();
    const latencies: number[] = [];
    for (let i = 0; i < jobs; i++) {
      const startedAt = performance.now();
      const count = await sc.parallelize(data, 2).count();
      latencies.push(performance.now() - startedAt);
      if (count !== 4) throw new Error(`count() returned ${count}, not 4`);
    }
    latencies.sort((a, b) => a - b);
    return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
  } finally {
    await sc.stop();
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(middle)] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const results: Record<Config, { p50: number[]; p99: number[] }> = {
  'ui off': { p50: [], p99: [] },
  'ui on': { p50: [], p99: [] },
};
console.log(`W5 tiny job, ${jobs} jobs per run after ${WARMUP_JOBS} to warm up, ${rounds} rounds`);
for (let round = 0; round < rounds; round++) {
  const order: Config[] = round % 2 === 0 ? ['ui off', 'ui on'] : ['ui on', 'ui off'];
  for (const config of order) {
    const { p50, p99 } = await measure(config);
    results[config].p50.push(p50);
    results[config].p99.push(p99);
    console.log(
      `round ${round + 1}  ${config.padEnd(6)}  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms`,
    );
  }
}
for (const config of ['ui off', 'ui on'] as const) {
  const { p50, p99 } = results[config];
  console.log(
    `median  ${config.padEnd(6)}  p50 ${median(p50).toFixed(2)} ms  p99 ${median(p99).toFixed(2)} ms`,
  );
}
