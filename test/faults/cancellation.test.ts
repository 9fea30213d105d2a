/**
 * Cancelling a job (its AbortSignal) or the whole context (stop()) stops the running tasks on
 * every worker; a cancelled job leaves the context usable. A driver that dies takes its workers
 * with it: they stop their tasks, free their blocks and exit, leaving no process or temp file.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FlintError } from '@flint/rdd';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../helpers.js';
import {
  cleanUp,
  type FaultContext,
  faultContext,
  kill,
  waitForExit,
  waitForWorkers,
  withPrivateTmpdir,
} from './faultHelpers.js';

/** Tasks of about 4 s, made of 10 ms records, so a kill lands between records. */
function longJob(context: FaultContext) {
  return context.sc
    .parallelize(
      Array.from({ length: 2_400 }, (_, i) => i),
      6,
    )
    .mapPartitions(function* (partition) {
      for (const x of partition) {
        const end = Date.now() + 10;
        let spins = 0;
        while (Date.now() < end) spins++;
        yield [x % 10, x + spins * 0] as [number, number];
      }
    });
}

describe('cancelling a job', () => {
  let context: FaultContext;

  beforeAll(async () => {
    context = await faultContext({ workers: 3 });
  });
  afterAll(async () => {
    await cleanUp(context);
  });

  it('kills its running tasks on every worker and leaves the context usable', async () => {
    const mark = context.events.length;
    const controller = new AbortController();
    let running = 0;
    const remove = context.sc.addListener((event) => {
      if (event.type === 'taskStart' && ++running === 3)
        setTimeout(() => controller.abort(new Error('the user clicked stop')), 200);
    });
    const started = Date.now();
    const error = await longJob(context)
      .reduceByKey((a, b) => a + b)
      .collect({ signal: controller.signal })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    remove();
    expect(error).toBeInstanceOf(FlintError);
    expect(error).toMatchObject({ code: 'FLINT_CANCELLED' });
    expect((error as Error).message).toContain('the user clicked stop');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(context.of('jobEnd', mark).at(-1)).toMatchObject({ result: 'cancelled' });
    // Every task that was running is reported killed, promptly (they stop between records).
    const starts = context.of('taskStart', mark);
    expect(starts).toHaveLength(3);
    await waitFor(
      () => context.of('taskEnd', mark).length === starts.length,
      3_000,
      'the killed tasks to report',
    );
    const ends = context.of('taskEnd', mark);
    expect(ends.map((event) => event.result)).toEqual(['killed', 'killed', 'killed']);
    expect(new Set(ends.map((event) => event.workerId)).size).toBe(3);
    expect(ends.every((event) => event.reason === 'its job was cancelled')).toBe(true);
    // Nothing more of the cancelled job starts, and the next job runs normally.
    const next = context.events.length;
    expect(
      await context.sc
        .parallelize([1, 2, 3, 4, 5, 6], 3)
        .map((x) => x * x)
        .collect(),
    ).toEqual([1, 4, 9, 16, 25, 36]);
    expect(
      context.of('taskStart', next).every((event) => event.stageId > (starts[0]?.stageId ?? 0)),
    ).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      context.sc.range(0, 10).count({ signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'FLINT_CANCELLED' });
  });
});

describe('stopping the context during a job', () => {
  let context: FaultContext | undefined;
  afterEach(async () => {
    await cleanUp(context);
  });

  it('cancels the job, stops the workers and leaves no process or temp file', async () => {
    await withPrivateTmpdir(async (leftovers) => {
      context = await faultContext({ workers: 2 });
      const ctx = context;
      await waitForWorkers(ctx, 2);
      const mark = ctx.events.length;
      let running = 0;
      const job = longJob(ctx).count();
      const outcome = job.then(
        () => undefined,
        (e: unknown) => e,
      );
      await waitFor(
        () => {
          running = ctx.of('taskStart', mark).length;
          return running >= 2;
        },
        10_000,
        'tasks to start',
      );
      expect(running).toBe(2);
      const pids = [...ctx.pids];
      const started = Date.now();
      await ctx.sc.stop();
      expect(await outcome).toMatchObject({ code: 'FLINT_CANCELLED' });
      await waitForExit(pids, 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(leftovers()).toEqual([]);
      await expect(ctx.sc.range(0, 3).count()).rejects.toMatchObject({ code: 'FLINT_CONTEXT' });
    });
  });
});

describe('the driver dying', () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) kill(pid, 'SIGKILL');
  });

  it('makes busy workers stop their tasks and exit, leaving no process or temp file', async () => {
    await withPrivateTmpdir(async (leftovers) => {
      const script = fileURLToPath(new URL('./fixtures/driverMidJob.ts', import.meta.url));
      const driver = spawn(
        process.execPath,
        ['--conditions=@flint/source', '--import', 'tsx', script],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      if (driver.pid) started.push(driver.pid);
      let output = '';
      driver.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(() => output.includes('\n'), 30_000, 'the driver to report its busy workers');
      const pids = JSON.parse(output.split('\n')[0] ?? '[]') as number[];
      started.push(...pids);
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(isAlive(pid)).toBe(true);
      driver.kill('SIGKILL');
      const killedAt = Date.now();
      await waitForExit(pids, 10_000);
      // Their tasks had seconds left: they stopped them rather than finishing first.
      expect(Date.now() - killedAt).toBeLessThan(3_000);
      expect(leftovers()).toEqual([]);
    });
  });
});
