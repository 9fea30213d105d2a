/**
 * Cancellation through `{ signal }`: a running job rejects with FLINT_CANCELLED, its tasks stop,
 * and the context keeps working. The long jobs here would run for minutes if not cancelled.
 */
import type { SchedulerEvent } from '@flint/rdd';
import { describe, expect, it } from 'vitest';
import { expectFlintError, failure, jobsSince, useContext, waitFor } from './support.js';

const ctx = useContext();

/** Far more work than a test may take: about 10^9 elements per task. */
const endless = () => ctx.sc.range(0, 4e9, 1, 4).map((x) => x + 1);

/** Aborts `controller` as soon as a task of a job started after `mark` is running. */
async function abortOnceRunning(controller: AbortController, mark: number): Promise<void> {
  await waitFor(
    () => ctx.events.slice(mark).some((event) => event.type === 'taskStart'),
    15_000,
    'a task to start',
  );
  controller.abort();
}

/** Waits until every task started after `mark` has ended; returns how those tasks ended. */
async function taskEndsSince(mark: number): Promise<string[]> {
  const started = () =>
    ctx.events
      .slice(mark)
      .filter((e): e is Extract<SchedulerEvent, { type: 'taskStart' }> => e.type === 'taskStart');
  const ended = () =>
    ctx.events
      .slice(mark)
      .filter((e): e is Extract<SchedulerEvent, { type: 'taskEnd' }> => e.type === 'taskEnd');
  await waitFor(
    () => started().every((task) => ended().some((end) => end.taskId === task.taskId)),
    10_000,
    'the cancelled tasks to stop',
  );
  return ended().map((end) => end.result);
}

describe('cancellation with { signal }', () => {
  it('rejects a running count with FLINT_CANCELLED, stops its tasks, and the context keeps working', {
    timeout: 30_000,
  }, async () => {
    const controller = new AbortController();
    const mark = ctx.events.length;
    const running = endless().count({ signal: controller.signal });
    const outcome = failure(() => running);
    await abortOnceRunning(controller, mark);
    expectFlintError(await outcome, 'FLINT_CANCELLED');
    const results = await taskEndsSince(mark);
    expect(results.length).toBeGreaterThan(0);
    expect(results).not.toContain('success');
    const jobEnds = ctx.events.slice(mark).filter((e) => e.type === 'jobEnd');
    expect(jobEnds.map((e) => (e.type === 'jobEnd' ? e.result : ''))).toEqual(['cancelled']);
    expect(await ctx.sc.parallelize([1, 2, 3], 2).count()).toBe(3);
  });

  it('rejects at once for a signal that is already aborted, running no task', async () => {
    const controller = new AbortController();
    controller.abort();
    const mark = ctx.events.length;
    expectFlintError(
      await failure(() => ctx.sc.parallelize([1, 2, 3], 2).collect({ signal: controller.signal })),
      'FLINT_CANCELLED',
    );
    expect(jobsSince(ctx.events, mark).flatMap((job) => job.tasks)).toEqual([]);
    expect(await ctx.sc.parallelize([1, 2, 3], 2).collect()).toEqual([1, 2, 3]);
  });

  it('cancels a job in its shuffle map stage', { timeout: 30_000 }, async () => {
    const controller = new AbortController();
    const mark = ctx.events.length;
    const running = ctx.sc
      .range(0, 4e9, 1, 4)
      .map((x) => [x % 10, 1] as [number, number])
      .reduceByKey((a, b) => a + b, 2)
      .collect({ signal: controller.signal });
    const outcome = failure(() => running);
    await abortOnceRunning(controller, mark);
    expectFlintError(await outcome, 'FLINT_CANCELLED');
    expect(await taskEndsSince(mark)).not.toContain('success');
    const words = ctx.sc.parallelize(['a', 'b', 'a'], 2).map((w) => [w, 1] as [string, number]);
    expect((await words.reduceByKey((a, b) => a + b).collect()).sort()).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('cancels foreach(fn, env, { signal })', { timeout: 30_000 }, async () => {
    const controller = new AbortController();
    const acc = ctx.sc.accumulator(0);
    const mark = ctx.events.length;
    const running = endless().foreach(() => acc.add(1), { acc }, { signal: controller.signal });
    const outcome = failure(() => running);
    await abortOnceRunning(controller, mark);
    expectFlintError(await outcome, 'FLINT_CANCELLED');
    await taskEndsSince(mark);
    // Only successful tasks report their additions, as in Spark; every task here was killed.
    expect(acc.value).toBe(0);
  });

  it('cancels foreach(fn, undefined, { signal }) and reduce(fn, undefined, { signal })', {
    timeout: 30_000,
  }, async () => {
    const controller = new AbortController();
    const mark = ctx.events.length;
    const running = endless().foreach(() => {}, undefined, { signal: controller.signal });
    const outcome = failure(() => running);
    await abortOnceRunning(controller, mark);
    expectFlintError(await outcome, 'FLINT_CANCELLED');
    await taskEndsSince(mark);

    const second = new AbortController();
    const mark2 = ctx.events.length;
    const reducing = failure(() =>
      endless().reduce((a, b) => a + b, undefined, { signal: second.signal }),
    );
    await abortOnceRunning(second, mark2);
    expectFlintError(await reducing, 'FLINT_CANCELLED');
    await taskEndsSince(mark2);
  });

  it('cancels only its own job: another job running beside it completes', {
    timeout: 30_000,
  }, async () => {
    const controller = new AbortController();
    const mark = ctx.events.length;
    const outcome = failure(() => endless().count({ signal: controller.signal }));
    const other = ctx.sc
      .parallelize([1, 2, 3, 4], 2)
      .map((x) => x * 2)
      .collect();
    await abortOnceRunning(controller, mark);
    expectFlintError(await outcome, 'FLINT_CANCELLED');
    expect(await other).toEqual([2, 4, 6, 8]);
  });

  it('an abort after the action resolved changes nothing', async () => {
    const controller = new AbortController();
    const ds = ctx.sc.parallelize([1, 2, 3], 3);
    expect(await ds.count({ signal: controller.signal })).toBe(3);
    controller.abort();
    expect(await ds.collect()).toEqual([1, 2, 3]);
    expect(await ds.take(2, { signal: new AbortController().signal })).toEqual([1, 2]);
  });
});
