/**
 * A soak: 100 jobs with a shuffle on one context, a random worker SIGKILLed at a random point of a
 * third of them. Every answer must be exact, and at the end no worker process and no Flint temp
 * file may be left behind.
 */
import { mulberry32 } from '@flint/worker';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../helpers.js';
import {
  cleanUp,
  type FaultContext,
  faultContext,
  kill,
  liveWorkers,
  redoneWithoutLoss,
  waitForExit,
  waitForWorkers,
  withPrivateTmpdir,
} from './faultHelpers.js';

const JOBS = 100;
const WORKERS = 3;
const KEYS = 10;

/** A seeded generator (the engine's mulberry32), so a failing run can be replayed from its seed. */
const random = mulberry32;

describe('a soak of jobs with random worker kills', () => {
  it(`answers ${JOBS} shuffle jobs exactly while workers die under them, and leaves nothing behind`, {
    timeout: 240_000,
  }, async () => {
    const seed = Number(process.env.FLINT_SOAK_SEED ?? Date.now() % 100_000);
    const next = random(seed);
    let context: FaultContext | undefined;
    const started = Date.now();
    let kills = 0;
    await withPrivateTmpdir(async (leftovers) => {
      try {
        context = await faultContext({ workers: WORKERS });
        const ctx = context;
        for (let job = 0; job < JOBS; job++) {
          const values = Array.from({ length: 300 }, (_, i) => i + job);
          const expected = new Map<number, number>();
          for (const value of values)
            expected.set(value % KEYS, (expected.get(value % KEYS) ?? 0) + value);
          const mark = ctx.events.length;
          let remove: (() => void) | undefined;
          if (job % 3 === 1) {
            // Keep at least one other worker alive, so every job can make progress at once.
            await waitForWorkers(ctx, 2);
            const point = 1 + Math.floor(next() * 14);
            const pick = next();
            let seen = 0;
            remove = ctx.sc.addListener((event) => {
              if (event.type !== 'taskStart' && event.type !== 'taskEnd') return;
              if (++seen !== point) return;
              const live = liveWorkers(ctx);
              const victim = live[Math.floor(pick * live.length)];
              kill(ctx.pidOf.get(victim ?? ''), 'SIGKILL');
              kills++;
            });
          }
          try {
            const result = await ctx.sc
              .parallelize(values, 6)
              .map((x) => [x % KEYS, x] as [number, number])
              .reduceByKey((a, b) => a + b, 3)
              .collect();
            expect(new Map(result), `job ${job} (seed ${seed})`).toEqual(expected);
          } finally {
            remove?.();
          }
          expect(redoneWithoutLoss(ctx.events, mark), `job ${job} (seed ${seed})`).toEqual([]);
        }
        expect(kills).toBeGreaterThanOrEqual(30);
        const pids = [...ctx.pids];
        await ctx.sc.stop();
        await waitForExit(pids);
        for (const pid of pids) expect(isAlive(pid)).toBe(false);
        expect(leftovers()).toEqual([]);
        process.stdout.write(
          `soak: ${JOBS} jobs, ${kills} kills, ${pids.length} worker processes, ${Date.now() - started} ms (seed ${seed})\n`,
        );
      } finally {
        await cleanUp(context);
      }
    });
  });
});
