/**
 * Losing workers at chosen points of a job with a shuffle: SIGKILL during the map stage, after it,
 * during the reduce stage, two workers, every worker in turn. Each test asserts the exact answer
 * and, from the events, that only the lost work was done again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchedulerEvent } from '@flint/rdd';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../helpers.js';
import {
  cleanUp,
  type FaultContext,
  faultContext,
  kill,
  liveWorkers,
  once,
  redoneWithoutLoss,
  stagesOf,
  sumsByKey,
  waitForWorkers,
} from './faultHelpers.js';

const WORKERS = 3;
const values = Array.from({ length: 120 }, (_, i) => i);
const KEYS = 12;
const expected = sumsByKey(values, KEYS);

/**
 * A two-stage job whose tasks take long enough for a fault to land mid-stage: 12 map tasks of about
 * 150 ms (10 records, 15 ms each), then 4 reduce tasks of about 240 ms (3 keys, 80 ms each).
 */
function slowShuffleJob(context: FaultContext, mapMs = 15, reduceMs = 80) {
  return context.sc
    .parallelize(values, 12)
    .map((x) => {
      const end = Date.now() + mapMs;
      let spins = 0;
      while (Date.now() < end) spins++;
      return [x % KEYS, x + spins * 0] as [number, number];
    })
    .reduceByKey((a, b) => a + b, 4)
    .mapValues((sum) => {
      const end = Date.now() + reduceMs;
      let spins = 0;
      while (Date.now() < end) spins++;
      return sum + spins * 0;
    });
}

describe('losing workers during a job with a shuffle', () => {
  let context: FaultContext;
  let scratch: string;
  const triggers: (() => void)[] = [];
  /** Runs `action` at the first event matching `when` (see `once`), for this test only. */
  const at = (
    when: (event: SchedulerEvent) => boolean,
    action: (event: SchedulerEvent) => void,
  ) => {
    triggers.push(once(context, when, action));
  };

  beforeAll(async () => {
    context = await faultContext({ workers: WORKERS });
    scratch = mkdtempSync(join(tmpdir(), 'worker-loss-test-'));
  });
  afterAll(async () => {
    await cleanUp(context);
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // The local cluster replaces lost workers; each test starts at full size.
    await waitForWorkers(context, WORKERS);
  });
  afterEach(() => {
    for (const remove of triggers.splice(0)) remove();
  });

  it('recomputes the lost map output when a worker is killed mid map stage', async () => {
    const mark = context.events.length;
    let killed: { workerId: string; partition: number } | undefined;
    at(
      (event) =>
        event.type === 'taskEnd' &&
        event.result === 'success' &&
        event.stageId === stagesOf(context, mark).map,
      (event) => {
        if (event.type !== 'taskEnd') return;
        killed = { workerId: event.workerId, partition: event.partition };
        kill(context.pidOf.get(event.workerId), 'SIGKILL');
      },
    );
    const result = await slowShuffleJob(context).collect();
    expect(new Map(result)).toEqual(expected);
    expect(killed).toBeDefined();
    const lost = context.of('workerLost', mark);
    expect(lost.map((event) => event.workerId)).toEqual([killed?.workerId]);
    // The map output the killed worker held is recomputed, on another worker.
    const { map } = stagesOf(context, mark);
    expect(lost[0]?.lostMapOutputs?.flatMap((outputs) => outputs.mapIndices)).toContain(
      killed?.partition,
    );
    const reruns = context
      .of('taskStart', mark)
      .filter((event) => event.stageId === map && event.partition === killed?.partition);
    expect(reruns).toHaveLength(2);
    expect(reruns[1]?.workerId).not.toBe(killed?.workerId);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });

  it('recomputes only the missing map partitions when a worker holding map outputs dies after the map stage', async () => {
    const mark = context.events.length;
    let victim: string | undefined;
    at(
      (event) =>
        event.type === 'stageCompleted' &&
        event.result === 'succeeded' &&
        event.stage.kind === 'ShuffleMapStage',
      () => {
        // The worker that ran the first map task holds at least one map output.
        const first = context.of('taskEnd', mark).find((event) => event.result === 'success');
        victim = first?.workerId;
        kill(context.pidOf.get(victim ?? ''), 'SIGKILL');
      },
    );
    const result = await slowShuffleJob(context).collect();
    expect(new Map(result)).toEqual(expected);
    const { map, result: reduce } = stagesOf(context, mark);
    const heldByVictim = context
      .of('taskEnd', mark)
      .filter(
        (event) =>
          event.stageId === map &&
          event.stageAttempt === 0 &&
          event.result === 'success' &&
          event.workerId === victim,
      )
      .map((event) => event.partition)
      .sort((a, b) => a - b);
    expect(heldByVictim.length).toBeGreaterThan(0);
    // The map stage ran again for exactly the partitions the dead worker held, then the reduce stage.
    const mapAttempts = context
      .of('stageSubmitted', mark)
      .filter((event) => event.stage.stageId === map);
    expect(mapAttempts.map((event) => event.stage.attempt)).toEqual([0, 1]);
    expect([...(mapAttempts[1]?.partitions ?? [])].sort((a, b) => a - b)).toEqual(heldByVictim);
    const reduceAttempts = context
      .of('stageSubmitted', mark)
      .filter((event) => event.stage.stageId === reduce);
    expect(reduceAttempts.length).toBeGreaterThanOrEqual(2);
    expect(context.of('taskEnd', mark).some((event) => event.result === 'fetchFailed')).toBe(true);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });

  it('retries the reduce stage when a worker dies while reducers fetch its blocks', async () => {
    const mark = context.events.length;
    let victim: string | undefined;
    let finishedBeforeKill: number[] = [];
    at(
      (event) =>
        event.type === 'taskEnd' &&
        event.result === 'success' &&
        event.stageId === stagesOf(context, mark).result,
      (event) => {
        if (event.type !== 'taskEnd') return;
        finishedBeforeKill = [event.partition];
        // Kill a worker other than the one that just finished: it holds map outputs that the
        // reducers still to start must fetch.
        victim = liveWorkers(context).find((id) => id !== event.workerId);
        kill(context.pidOf.get(victim ?? ''), 'SIGKILL');
      },
    );
    const result = await slowShuffleJob(context).collect();
    expect(new Map(result)).toEqual(expected);
    expect(victim).toBeDefined();
    const { result: reduce } = stagesOf(context, mark);
    // A reduce partition that finished before the fault never runs again.
    for (const partition of finishedBeforeKill) {
      const starts = context
        .of('taskStart', mark)
        .filter((event) => event.stageId === reduce && event.partition === partition);
      expect(starts).toHaveLength(1);
    }
    expect(context.of('workerLost', mark).map((event) => event.workerId)).toEqual([victim]);
    // A reducer started after the kill could not fetch the dead worker's blocks: the reduce stage
    // was resubmitted once the map stage had recomputed what the dead worker held.
    const fetchFailures = context
      .of('taskEnd', mark)
      .filter((event) => event.result === 'fetchFailed');
    expect(fetchFailures.length).toBeGreaterThan(0);
    const reduceAttempts = context
      .of('stageSubmitted', mark)
      .filter((event) => event.stage.stageId === reduce);
    expect(reduceAttempts.length).toBeGreaterThanOrEqual(2);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });

  it('survives losing two of three workers in one job', async () => {
    const mark = context.events.length;
    const originals = liveWorkers(context);
    const victims: string[] = [];
    at(
      (event) =>
        event.type === 'taskEnd' &&
        event.result === 'success' &&
        event.stageId === stagesOf(context, mark).map,
      (event) => {
        if (event.type !== 'taskEnd') return;
        victims.push(event.workerId);
        kill(context.pidOf.get(event.workerId), 'SIGKILL');
      },
    );
    at(
      (event) => event.type === 'taskStart' && event.stageId === stagesOf(context, mark).result,
      (event) => {
        if (event.type !== 'taskStart') return;
        const victim = originals.find((id) => !victims.includes(id));
        if (victim) victims.push(victim);
        kill(context.pidOf.get(victim ?? ''), 'SIGKILL');
      },
    );
    const result = await slowShuffleJob(context).collect();
    expect(new Map(result)).toEqual(expected);
    expect(victims).toHaveLength(2);
    expect(
      context
        .of('workerLost', mark)
        .map((event) => event.workerId)
        .sort(),
    ).toEqual([...victims].sort());
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });

  it('survives every worker being killed once, in turn, across one job', async () => {
    const mark = context.events.length;
    const originals = liveWorkers(context);
    const victims: string[] = [];
    let successes = 0;
    // Kill an original worker at the 1st, 5th and 9th successful task of the job: each kill lands
    // while the job runs, and the last original worker dies after the first ones were replaced
    // or while only replacements are starting.
    const remove = context.sc.addListener((event) => {
      if (
        event.type !== 'taskEnd' ||
        event.result !== 'success' ||
        victims.length === originals.length
      )
        return;
      successes++;
      if (successes % 4 !== 1) return;
      const victim = originals.find(
        (id) => !victims.includes(id) && liveWorkers(context).includes(id),
      );
      if (!victim) return;
      victims.push(victim);
      kill(context.pidOf.get(victim), 'SIGKILL');
    });
    try {
      const result = await slowShuffleJob(context, 20, 150).collect();
      expect(new Map(result)).toEqual(expected);
    } finally {
      remove();
    }
    expect([...victims].sort()).toEqual([...originals].sort());
    for (const id of originals) expect(isAlive(context.pidOf.get(id) ?? -1)).toBe(false);
    // Replacements joined and did the work the originals could not finish.
    expect(context.of('workerAdded', mark).length).toBeGreaterThanOrEqual(1);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });

  it('recomputes on use only the cached partitions a lost worker held', async () => {
    const log = join(scratch, 'computed.log');
    const computed = () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b);
    const cached = context.sc
      .parallelize(values, 6)
      .mapPartitionsWithIndex(function* (index, partition) {
        // Each computation of a partition leaves a line in the log.
        process.getBuiltinModule('node:fs').appendFileSync(log, `${index}\n`);
        for (const x of partition) yield x * 2;
      })
      .cache();
    const doubled = values.map((x) => x * 2);
    const first = context.events.length;
    expect(await cached.count()).toBe(values.length);
    expect(computed()).toEqual([0, 1, 2, 3, 4, 5]);
    const holder = new Map(
      context
        .of('taskEnd', first)
        .filter((event) => event.result === 'success')
        .map((event) => [event.partition, event.workerId]),
    );
    // Later jobs read the cache where it is: nothing is computed again.
    expect(await cached.collect()).toEqual(doubled);
    expect(computed()).toEqual([0, 1, 2, 3, 4, 5]);
    const victim = holder.get(0) ?? '';
    const lostPartitions = [...holder]
      .filter(([, workerId]) => workerId === victim)
      .map(([partition]) => partition);
    kill(context.pidOf.get(victim), 'SIGKILL');
    await waitFor(
      () => context.of('workerLost').some((event) => event.workerId === victim),
      10_000,
      'the loss',
    );
    const mark = context.events.length;
    expect(await cached.collect()).toEqual(doubled);
    // Only the partitions the dead worker held were computed again, from lineage.
    expect(computed()).toEqual([0, 1, 2, 3, 4, 5, ...lostPartitions].sort((a, b) => a - b));
    expect(await cached.map((x) => x + 1).sum()).toBe(doubled.reduce((sum, x) => sum + x + 1, 0));
    expect(computed()).toHaveLength(6 + lostPartitions.length);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });
});

describe('without worker replacement (as on a cluster)', () => {
  let context: FaultContext | undefined;
  afterAll(async () => {
    await cleanUp(context);
  });

  it('goes on with the workers that remain', async () => {
    context = await faultContext({ workers: 3, replaceLostWorkers: false });
    const ctx = context;
    const mark = ctx.events.length;
    let victim: string | undefined;
    const remove = once(
      ctx,
      (event) =>
        event.type === 'taskEnd' &&
        event.result === 'success' &&
        event.stageId === stagesOf(ctx, mark).map,
      (event) => {
        if (event.type !== 'taskEnd') return;
        victim = event.workerId;
        kill(ctx.pidOf.get(victim), 'SIGKILL');
      },
    );
    const result = await slowShuffleJob(ctx).collect();
    remove();
    expect(new Map(result)).toEqual(expected);
    expect(redoneWithoutLoss(ctx.events, mark)).toEqual([]);
    await waitFor(() => ctx.sc.workerPids.length === 2, 5_000, 'the dead worker to be reaped');
    const next = ctx.events.length;
    expect(await ctx.sc.range(0, 600, 1, 6).count()).toBe(600);
    const used = new Set(ctx.of('taskStart', next).map((event) => event.workerId));
    expect(used.size).toBe(2);
    expect(used.has(victim ?? '')).toBe(false);
    expect(ctx.of('workerAdded', mark)).toEqual([]);
  });
});
