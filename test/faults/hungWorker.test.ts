/**
 * A hung worker (SIGSTOP: its socket stays open, it answers nothing) is lost by missed heartbeats;
 * reducers waiting on its blocks give up after the network timeout; the driver kills it and the
 * local cluster replaces it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../helpers.js';
import {
  cleanUp,
  type FaultContext,
  faultContext,
  kill,
  once,
  redoneWithoutLoss,
  stagesOf,
  sumsByKey,
} from './faultHelpers.js';

const values = Array.from({ length: 120 }, (_, i) => i);
const KEYS = 12;

describe('a hung worker', () => {
  let context: FaultContext;

  beforeAll(async () => {
    context = await faultContext({
      workers: 3,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 3_000,
    });
  });
  afterAll(async () => {
    await cleanUp(context);
  });

  it('is lost by missed heartbeats, its work is redone elsewhere, and it is replaced', async () => {
    const mark = context.events.length;
    let stopped: { workerId: string; pid: number } | undefined;
    once(
      context,
      (event) =>
        event.type === 'taskEnd' &&
        event.result === 'success' &&
        event.stageId === stagesOf(context, mark).map,
      (event) => {
        if (event.type !== 'taskEnd') return;
        const pid = context.pidOf.get(event.workerId);
        if (pid === undefined) return;
        stopped = { workerId: event.workerId, pid };
        kill(pid, 'SIGSTOP');
      },
    );
    const mapMs = 15;
    const started = Date.now();
    const result = await context.sc
      .parallelize(values, 12)
      .map((x) => {
        const end = Date.now() + mapMs;
        let spins = 0;
        while (Date.now() < end) spins++;
        return [x % KEYS, x + spins * 0] as [number, number];
      })
      .reduceByKey((a, b) => a + b, 4)
      .collect();
    expect(new Map(result)).toEqual(sumsByKey(values, KEYS));
    expect(stopped).toBeDefined();
    const lost = context.of('workerLost', mark);
    expect(lost.map((event) => event.workerId)).toEqual([stopped?.workerId]);
    expect(lost[0]?.reason).toMatch(/no heartbeat/);
    // Detected within the timeout plus one watchdog period, not after a default minute.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
    // The driver killed the hung process, and a replacement joined.
    await waitFor(() => !isAlive(stopped?.pid ?? -1), 10_000, 'the hung worker to be killed');
    await waitFor(
      () => context.of('workerAdded', mark).length >= 1,
      30_000,
      'a replacement worker',
    );
    expect(await context.sc.range(0, 1_000, 1, 6).count()).toBe(1_000);
  });

  it('does not hold up reducers that were fetching its blocks', async () => {
    await waitFor(() => context.sc.workerPids.length === 3, 30_000, 'three workers');
    const mark = context.events.length;
    let stopped: string | undefined;
    once(
      context,
      (event) =>
        event.type === 'stageCompleted' &&
        event.result === 'succeeded' &&
        event.stage.kind === 'ShuffleMapStage',
      () => {
        // Every worker holds map outputs now; the reducers about to start will fetch from this one.
        const first = context.of('taskEnd', mark).find((event) => event.result === 'success');
        stopped = first?.workerId;
        kill(context.pidOf.get(stopped ?? ''), 'SIGSTOP');
      },
    );
    const started = Date.now();
    const result = await context.sc
      .parallelize(values, 6)
      .map((x) => [x % KEYS, x] as [number, number])
      .reduceByKey((a, b) => a + b, 3)
      .collect();
    expect(new Map(result)).toEqual(sumsByKey(values, KEYS));
    // Bounded by the 3 s timeouts (shuffle fetch, heartbeat), not by TCP or a default minute.
    expect(Date.now() - started).toBeLessThan(20_000);
    // Reducers gave up on its blocks (fetch failures), whether or not the driver had noticed yet.
    const fetchFailures = context
      .of('taskEnd', mark)
      .filter((event) => event.result === 'fetchFailed');
    expect(fetchFailures.length).toBeGreaterThan(0);
    await waitFor(
      () => context.of('workerLost', mark).length > 0,
      10_000,
      'the hung worker to be lost',
    );
    expect(context.of('workerLost', mark).map((event) => event.workerId)).toEqual([stopped]);
    expect(redoneWithoutLoss(context.events, mark)).toEqual([]);
  });
});
