/**
 * Pipelined short tasks: a worker holds more tasks than cores, queued in launch order. A worker
 * that dies with tasks in its queue has them run elsewhere, without counting them as failures; a
 * job cancelled while tasks wait in queues kills them there, and they never run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers.js';
import { cleanUp, type FaultContext, faultContext, waitForWorkers } from './faultHelpers.js';

const WORKERS = 2;

describe('tasks queued on workers', () => {
  let context: FaultContext;
  let scratch: string;

  beforeAll(async () => {
    context = await faultContext({ workers: WORKERS });
    scratch = mkdtempSync(join(tmpdir(), 'queued-tasks-'));
  });
  afterAll(async () => {
    await cleanUp(context);
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await waitForWorkers(context, WORKERS);
    // Tiny tasks first: the scheduler then queues a few tasks per core for the next job.
    await context.sc.parallelize([1, 2, 3, 4], 4).count();
  });

  it('run elsewhere when their worker dies, and do not count as failures', async () => {
    const mark = context.events.length;
    const marker = join(scratch, 'died-once');
    const sum = await context.sc
      .parallelize(
        Array.from({ length: 40 }, (_, i) => i),
        8,
      )
      .map((x) => {
        const fs = process.getBuiltinModule('node:fs');
        if (x === 0 && !fs.existsSync(marker)) {
          fs.writeFileSync(marker, 'died');
          process.exit(3);
        }
        return x;
      })
      .sum();
    expect(sum).toBe((39 * 40) / 2);
    const lost = context.of('workerLost', mark);
    expect(lost).toHaveLength(1);
    // Only partition 0 had started on the dead worker: it alone ended as lost.
    const ends = context.of('taskEnd', mark);
    expect(ends.filter((end) => end.result === 'lost').map((end) => end.partition)).toEqual([0]);
    expect(ends.some((end) => end.result === 'failed')).toBe(false);
    // Each partition succeeded once, and started once. Those queued on the dead worker were
    // launched twice, but their first launch never took a core: it left no event, counted no
    // failure, and gave its attempt number back, so attempt numbers count attempts that ran.
    const successes = ends.filter((end) => end.result === 'success');
    expect(successes.map((end) => end.partition).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
    for (const end of successes) expect(end.attempt).toBe(end.partition === 0 ? 1 : 0);
    const startsOf = (partition: number) =>
      context.of('taskStart', mark).filter((event) => event.partition === partition);
    for (let partition = 1; partition < 8; partition++) expect(startsOf(partition)).toHaveLength(1);
  });

  it('are killed where they wait when their job is cancelled, and never run', async () => {
    const mark = context.events.length;
    const controller = new AbortController();
    const started = Date.now();
    const job = context.sc
      .parallelize(
        Array.from({ length: 240 }, (_, i) => i),
        6,
      )
      .mapPartitionsWithIndex(function* (index, partition) {
        const fs = process.getBuiltinModule('node:fs');
        fs.writeFileSync(`${scratch}/ran-${index}`, '');
        // 40 records of 10 ms: a kill lands between two of them.
        for (const x of partition) {
          const end = Date.now() + 10;
          while (Date.now() < end) {
            // busy
          }
          yield x;
        }
      })
      .collect({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 150);
    await expect(job).rejects.toMatchObject({ code: 'FLINT_CANCELLED' });
    expect(Date.now() - started).toBeLessThan(2_000);
    // One task per worker had started; the queued ones were killed before they ran.
    const starts = context.of('taskStart', mark);
    expect(starts).toHaveLength(WORKERS);
    const startedPartitions = new Set(starts.map((event) => event.partition));
    const ran = [0, 1, 2, 3, 4, 5].filter((x) => existsSync(`${scratch}/ran-${x}`));
    for (const partition of ran) expect(startedPartitions.has(partition)).toBe(true);
    await waitFor(
      () => context.of('taskEnd', mark).length === WORKERS,
      5_000,
      'the killed tasks to report',
    );
    expect(context.of('taskEnd', mark).map((end) => end.result)).toEqual(['killed', 'killed']);
    // The workers are free again: the next job runs at once.
    expect(await context.sc.parallelize([1, 2, 3], 3).count()).toBe(3);
  });
});
