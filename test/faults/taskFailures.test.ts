/**
 * Tasks that throw: retried on another worker up to maxTaskFailures, then the job fails with the
 * user's error, the stage, the partition and every attempt; a flaky task succeeds on retry; a
 * worker on which tasks keep failing is excluded for the rest of the job; a task that kills its
 * worker counts as a failure too, so it cannot kill workers forever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskFailedError } from '@flint/rdd';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cleanUp,
  type FaultContext,
  faultContext,
  liveWorkers,
  waitForWorkers,
} from './faultHelpers.js';

const WORKERS = 3;
const numbers = Array.from({ length: 40 }, (_, i) => i);

describe('tasks that fail', () => {
  let context: FaultContext;
  let scratch: string;

  beforeAll(async () => {
    context = await faultContext({ workers: WORKERS });
    scratch = mkdtempSync(join(tmpdir(), 'fault-test-'));
  });
  afterAll(async () => {
    await cleanUp(context);
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await waitForWorkers(context, WORKERS);
  });

  it('fail the job after maxTaskFailures, naming the partition, the stage and every attempt', async () => {
    const mark = context.events.length;
    const error = await context.sc
      .parallelize(numbers, 8)
      .map((x) => {
        if (x === 17) throw new RangeError(`record ${x} is out of range`);
        return x;
      })
      .collect()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TaskFailedError);
    const failure = error as TaskFailedError;
    expect(failure.code).toBe('FLINT_TASK_FAILED');
    // Record 17 lives in partition 3 (partition i holds records 5i..5i+4).
    expect(failure.partition).toBe(3);
    expect(failure.message).toContain('record 17 is out of range');
    expect(failure.message).toContain('partition 3');
    expect(failure.message).toContain(`stage ${failure.stageId}`);
    expect(failure.attempts.map((attempt) => attempt.attempt)).toEqual([0, 1, 2, 3]);
    // Each retry ran on another worker than the attempt before it.
    for (let i = 1; i < failure.attempts.length; i++) {
      expect(failure.attempts[i]?.workerId).not.toBe(failure.attempts[i - 1]?.workerId);
    }
    expect(failure.attempts.every((attempt) => attempt.error.name === 'RangeError')).toBe(true);
    // The user's own error, with its stack, is the cause.
    expect((failure.cause as Error).message).toBe('record 17 is out of range');
    expect((failure.cause as Error).stack).toContain('RangeError: record 17 is out of range');
    expect(failure.stack).toContain('Worker stack:');
    const failedEnds = context.of('taskEnd', mark).filter((event) => event.result === 'failed');
    expect(failedEnds.map((event) => event.partition)).toEqual([3, 3, 3, 3]);
    expect(failedEnds[0]?.error?.message).toBe('record 17 is out of range');
    const jobEnd = context.of('jobEnd', mark).at(-1);
    expect(jobEnd).toMatchObject({ result: 'failed' });
    // The context stays usable.
    expect(await context.sc.parallelize(numbers, 4).count()).toBe(numbers.length);
  });

  it('succeed when a task fails on its first attempt only', async () => {
    const mark = context.events.length;
    const marker = join(scratch, 'flaky-once');
    const result = await context.sc
      .parallelize(numbers, 8)
      .map((x) => {
        const fs = process.getBuiltinModule('node:fs');
        if (x === 22 && !fs.existsSync(marker)) {
          fs.writeFileSync(marker, 'failed once');
          throw new Error('flaky failure');
        }
        return x * 10;
      })
      .collect();
    expect(result).toEqual(numbers.map((x) => x * 10));
    const ends = context.of('taskEnd', mark).filter((event) => event.partition === 4);
    expect(ends.map((event) => [event.attempt, event.result])).toEqual([
      [0, 'failed'],
      [1, 'success'],
    ]);
    expect(ends[1]?.workerId).not.toBe(ends[0]?.workerId);
    expect(context.of('jobEnd', mark).at(-1)).toMatchObject({ result: 'succeeded' });
  });

  it('exclude a worker on which tasks keep failing for the rest of the job', async () => {
    const mark = context.events.length;
    const badWorker = liveWorkers(context)[0] ?? '';
    const badPid = context.pidOf.get(badWorker);
    const result = await context.sc
      .parallelize(numbers, 20)
      .map((x) => {
        // Slow enough that every worker gets several tasks.
        const end = Date.now() + 10;
        let spins = 0;
        while (Date.now() < end) spins++;
        if (spins < 0) return x;
        if (process.pid === badPid) throw new Error('this worker has a broken disk');
        return x + 1;
      })
      .collect();
    expect(result).toEqual(numbers.map((x) => x + 1));
    const ends = context.of('taskEnd', mark);
    const exclusion = ends.findIndex((event) => event.workerExcluded === true);
    expect(exclusion).toBeGreaterThanOrEqual(0);
    expect(ends[exclusion]?.workerId).toBe(badWorker);
    // Exclusion after two different tasks failed there (Spark's maxFailedTasksPerExecutor).
    const failedThere = ends
      .slice(0, exclusion + 1)
      .filter((event) => event.result === 'failed' && event.workerId === badWorker);
    expect(new Set(failedThere.map((event) => event.partition)).size).toBe(2);
    const excludedAt = ends[exclusion]?.time ?? 0;
    const laterStarts = context
      .of('taskStart', mark)
      .filter((event) => event.time > excludedAt && event.workerId === badWorker);
    expect(laterStarts).toEqual([]);
    // The exclusion lasts for that job only.
    const next = context.events.length;
    await context.sc
      .parallelize(numbers, 12)
      .map((x) => x)
      .count();
    expect(context.of('taskStart', next).some((event) => event.workerId === badWorker)).toBe(true);
  });

  it('count a task that kills its worker as a failure, so it cannot kill workers forever', async () => {
    const mark = context.events.length;
    const error = await context.sc
      .parallelize(numbers, 4)
      .map((x) => {
        if (x === 5) process.exit(42);
        return x;
      })
      .count()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TaskFailedError);
    const failure = error as TaskFailedError;
    expect(failure.partition).toBe(0);
    expect(failure.attempts).toHaveLength(4);
    expect(failure.attempts.every((attempt) => attempt.error.code === 'FLINT_WORKER_LOST')).toBe(
      true,
    );
    expect(failure.message).toMatch(/was lost while running this task/);
    expect(context.of('workerLost', mark)).toHaveLength(4);
    // The local cluster replaced every worker that died.
    await waitForWorkers(context, WORKERS);
    expect(await context.sc.parallelize(numbers, 6).count()).toBe(numbers.length);
  });
});
