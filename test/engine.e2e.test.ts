import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type FlintContext, FlintError, type SchedulerEvent, TaskFailedError } from '@flint/rdd';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, killAll, recordingContext, waitFor } from './helpers.js';

describe('the engine end to end, on real worker processes', () => {
  let sc: FlintContext;
  let events: SchedulerEvent[];

  beforeAll(async () => {
    ({ sc, events } = await recordingContext({ workers: 2 }));
  });
  afterAll(async () => {
    await sc?.stop();
  });

  const eventsOfJob = <T extends SchedulerEvent['type']>(type: T, from: number) =>
    events
      .slice(from)
      .filter((event): event is Extract<SchedulerEvent, { type: T }> => event.type === type);

  it('counts with the card one-liner, 8 tasks spread over both workers', async () => {
    const data = Array.from({ length: 10_000 }, (_, i) => i);
    const mark = events.length;
    expect(await sc.parallelize(data).partition(8).count()).toBe(10_000);
    const stages = eventsOfJob('stageSubmitted', mark);
    const resultStage = stages.find((event) => event.stage.kind === 'ResultStage');
    expect(resultStage?.stage.numTasks).toBe(8);
    const resultTasks = eventsOfJob('taskEnd', mark).filter(
      (event) => event.stageId === resultStage?.stage.stageId && event.result === 'success',
    );
    expect(resultTasks.map((task) => task.partition).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
    expect(new Set(resultTasks.map((task) => task.workerId)).size).toBe(2);
  });

  it('runs a job with a shuffle as two stages, and toDebugString shows the boundary', async () => {
    const mark = events.length;
    const counts = sc
      .parallelize(['a b', 'b c', 'c a b'], 2)
      .flatMap((line) => line.split(' '))
      .map((word) => [word, 1] as [string, number])
      .reduceByKey((a, b) => a + b);
    expect(Object.fromEntries(await counts.collect())).toEqual({ a: 2, b: 3, c: 2 });
    const kinds = eventsOfJob('stageSubmitted', mark).map((event) => event.stage.kind);
    expect(kinds).toEqual(['ShuffleMapStage', 'ResultStage']);
    expect(
      counts
        .toDebugString()
        .split('\n')
        .map((line) => line.replace(/ at .*$/, '')),
    ).toEqual([
      '(2) ShuffledRDD[' + counts.id + ']',
      ` +-(2) MapPartitionsRDD[${counts.id - 1}]`,
      `    |  MapPartitionsRDD[${counts.id - 2}]`,
      `    |  ParallelCollectionRDD[${counts.id - 3}]`,
    ]);
  });

  it('skips a map stage whose outputs a previous job computed', async () => {
    const grouped = sc
      .parallelize([1, 2, 3, 4, 5, 6], 3)
      .map((x) => [x % 2, x] as [number, number])
      .groupByKey(2);
    await grouped.count();
    const mark = events.length;
    expect(await grouped.count()).toBe(2);
    expect(eventsOfJob('stageSubmitted', mark).map((event) => event.stage.kind)).toEqual([
      'ResultStage',
    ]);
  });

  it('gives the same answers as an in-memory reference for reduceByKey and groupByKey', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'c')),
            fc.integer({ min: -100, max: 100 }),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        async (pairs, inPartitions, outPartitions) => {
          const expectedSums = new Map<unknown, number>();
          const expectedGroups = new Map<unknown, number[]>();
          for (const [key, value] of pairs) {
            expectedSums.set(key, (expectedSums.get(key) ?? 0) + value);
            expectedGroups.set(key, [...(expectedGroups.get(key) ?? []), value]);
          }
          const ds = sc.parallelize(pairs as [number | string, number][], inPartitions);
          const sums = await ds.reduceByKey((a, b) => a + b, outPartitions).collect();
          expect(new Map(sums)).toEqual(expectedSums);
          expect(sums).toHaveLength(expectedSums.size);
          const groups = await ds.groupByKey(outPartitions).collect();
          // Values keep their input order: map outputs are merged in map-partition order.
          expect(new Map(groups)).toEqual(expectedGroups);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('fails a job whose function throws with the message, the stage and the partition', async () => {
    const failing = sc.parallelize([1, 2, 3, 4], 4).map((x) => {
      if (x === 3) throw new Error(`no threes allowed, got ${x}`);
      return x;
    });
    const error = await failing.collect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    const failure = error as TaskFailedError;
    expect(failure.code).toBe('FLINT_TASK_FAILED');
    expect(failure.message).toContain('no threes allowed, got 3');
    expect(failure.partition).toBe(2);
    expect(failure.attempts).toHaveLength(4);
    expect(failure.message).toContain(`stage ${failure.stageId}`);
    // The worker's stack of the user's error travels with it.
    expect(failure.stack).toContain('Error: no threes allowed, got 3\n    at ');
    expect((failure.cause as Error).message).toBe('no threes allowed, got 3');
    // The context stays usable after a failed job.
    expect(await sc.parallelize([1, 2, 3], 2).count()).toBe(3);
  });

  it('rejects a reduce on an empty dataset with FLINT_EMPTY', async () => {
    await expect(sc.parallelize([] as number[], 3).reduce((a, b) => a + b)).rejects.toMatchObject({
      code: 'FLINT_EMPTY',
    });
    await expect(sc.parallelize([], 2).first()).rejects.toBeInstanceOf(FlintError);
  });
});

describe('worker processes', () => {
  const started: number[] = [];
  afterEach(() => killAll(started.splice(0)));

  it('are gone after stop()', async () => {
    const { sc } = await recordingContext({ workers: 2 });
    const pids = sc.workerPids;
    started.push(...pids);
    expect(pids).toHaveLength(2);
    expect(await sc.range(0, 100).count()).toBe(100);
    await sc.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('exit on their own when the driver process is killed', async () => {
    const driverScript = fileURLToPath(new URL('./fixtures/driverThatWaits.ts', import.meta.url));
    const driver = spawn(
      process.execPath,
      ['--conditions=@flint/source', '--import', 'tsx', driverScript],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (driver.pid) started.push(driver.pid);
    let output = '';
    driver.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('\n'), 30_000, 'the driver to report its workers');
    const pids = JSON.parse(output.split('\n')[0] ?? '[]') as number[];
    started.push(...pids);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    driver.kill('SIGKILL');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 10_000, 'the workers to exit');
  });
});
