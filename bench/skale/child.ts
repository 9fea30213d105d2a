/**
 * One skale workload in a process of its own: skale keeps its master state per process and forks
 * SKALE_WORKERS workers at context creation. The bench forks this file and reads one SkaleReply.
 * skale ships functions by source and recognises only plain and arrow functions, so every
 * function handed to it is an inline arrow.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { timeJobs, tinyJobData } from '../baselines/tinyJob.js';
import { repeat, type Sample, timed } from '../measure.js';
import type { SkaleReply, SkaleRequest } from './protocol.js';

/** The part of skale 1.2.2's Dataset used here (lib/dataset.js); actions return promises. */
interface SkaleDataset<T> {
  map<U>(fn: (value: T) => U): SkaleDataset<U>;
  filter(fn: (value: T) => boolean): SkaleDataset<T>;
  flatMap<U>(fn: (value: T) => U[]): SkaleDataset<U>;
  /** Unlike Spark, skale's reduceByKey takes the initial value of each key's accumulator. */
  reduceByKey<V>(fn: (a: V, b: V) => V, init: V): SkaleDataset<T>;
  reduce(fn: (a: T, b: T) => T, init: T): Promise<T>;
  aggregate<A>(
    reducer: (acc: A, value: T) => A,
    combiner: (acc: A, part: A) => A,
    init: A,
  ): Promise<A>;
  count(): Promise<number>;
}

interface SkaleContext {
  range(start: number, end: number, step?: number, partitions?: number): SkaleDataset<number>;
  parallelize<T>(values: T[], partitions?: number): SkaleDataset<T>;
  textFile(pathOrDir: string): SkaleDataset<string>;
  end(): void;
}

type Pair = [string, number];

/**
 * The three largest pairs by count, ordered as the baseline orders them (count, then word).
 * Self-contained, as skale ships it to the workers by source.
 */
const keepTop3 = (acc: Pair[], pair: Pair): Pair[] => {
  acc.push(pair);
  acc.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (acc.length > 3) acc.length = 3;
  return acc;
};

async function runWorkload(sc: SkaleContext, request: SkaleRequest): Promise<Sample<unknown>[]> {
  switch (request.workload) {
    case 'W1':
      return repeat(request, () =>
        timed(() =>
          sc
            .range(0, request.n)
            .map((x) => x * 2)
            .filter((x) => x % 3 === 0)
            .count(),
        ),
      );
    case 'W2':
      return repeat(request, () =>
        timed(async () => {
          const counts = sc
            .textFile(`${request.dir}/`)
            .flatMap((line) => line.split(' '))
            .map((word): Pair => [word, 1])
            .reduceByKey((a: number, b: number) => a + b, 0);
          // The second action reuses the executed shuffle instead of reading the files again.
          const distinct = await counts.count();
          const top3 = await counts.aggregate(
            keepTop3,
            (acc, part) => part.reduce(keepTop3, acc),
            [],
          );
          return { distinct, top3 };
        }),
      );
    case 'W3':
      return repeat(request, () =>
        timed(async () => {
          const sums = sc
            .range(0, request.n)
            .map((x): [number, number] => [x % 100000, x])
            .reduceByKey((a: number, b: number) => a + b, 0);
          const count = await sums.count();
          const sum = await sums.map((pair) => pair[1]).reduce((a, b) => a + b, 0);
          return { count, sum };
        }),
      );
    case 'W5': {
      const data = tinyJobData();
      return repeat(request, async () => {
        const result = await timeJobs(request.jobs, () => sc.parallelize(data, 8).count());
        return { ms: result.p50, result };
      });
    }
    case 'W6':
      return repeat(request, async () => {
        const sample = await timed(() => sc.range(0, request.tasks, 1, request.tasks).count());
        return {
          ms: sample.ms,
          result: { count: sample.result, tasksPerSecond: request.tasks / (sample.ms / 1000) },
        };
      });
    default:
      return request satisfies never;
  }
}

async function main(request: SkaleRequest): Promise<SkaleReply> {
  const requireSkale = createRequire(path.join(request.skaleDir, 'package.json'));
  const skale = requireSkale('skale') as { context(): SkaleContext };
  // The context forks its workers without waiting; the first job waits for them.
  const started = performance.now();
  const sc = skale.context();
  try {
    await sc.range(0, 1000).count();
    const startupMs = performance.now() - started;
    return { ok: true, startupMs, samples: await runWorkload(sc, request) };
  } finally {
    sc.end();
  }
}

const request = JSON.parse(process.argv[2] ?? '{}') as SkaleRequest;
const reply = await main(request).catch(
  (error: unknown): SkaleReply => ({
    ok: false,
    message: error instanceof Error ? error.message : String(error),
  }),
);
process.send?.(reply, () => process.exit(0));
