import { encodeMessage } from '@flint/worker';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SPECULATION } from '../src/speculation.js';
import type { TaskAttemptFailure } from '../src/taskFailedError.js';
import {
  type FetchFailure,
  TaskScheduler,
  type TaskSchedulerListener,
  type TaskSet,
} from '../src/taskScheduler.js';
import { FakeBackend, metrics, taskSet, userError } from './fakeBackend.js';

/** Records what the task scheduler reports. */
class Outcomes implements TaskSchedulerListener {
  readonly succeeded: { stageId: number; partition: number; workerId: string }[] = [];
  readonly failed: { partition: number; failures: readonly TaskAttemptFailure[] }[] = [];
  readonly fetchFailures: FetchFailure[] = [];

  taskSucceeded(taskSet: TaskSet, partition: number, _result: unknown, workerId: string): void {
    this.succeeded.push({ stageId: taskSet.stageId, partition, workerId });
  }

  taskSetFailed(
    _taskSet: TaskSet,
    partition: number,
    failures: readonly TaskAttemptFailure[],
  ): void {
    this.failed.push({ partition, failures });
  }

  fetchFailed(_taskSet: TaskSet, _partition: number, fetch: FetchFailure): void {
    this.fetchFailures.push(fetch);
  }
}

describe('TaskScheduler', () => {
  let backend: FakeBackend;
  let outcomes: Outcomes;
  let scheduler: TaskScheduler;

  const finish = (taskId: number) => {
    const task = backend.launched().find((launched) => launched.taskId === taskId);
    scheduler.taskFinished(task?.workerId ?? '', taskId, { kind: 'value', value: taskId }, metrics);
  };
  const fail = (taskId: number, message = 'boom') => {
    const task = backend.launched().find((launched) => launched.taskId === taskId);
    scheduler.taskFailed(task?.workerId ?? '', taskId, userError(message), undefined, false);
  };
  const running = () => {
    const ended = new Set(backend.of('taskEnd').map((event) => event.taskId));
    return backend.launched().filter((task) => !ended.has(task.taskId));
  };

  beforeEach(() => {
    backend = new FakeBackend();
    outcomes = new Outcomes();
    scheduler = new TaskScheduler(backend.pool, backend.bus, outcomes, 4);
  });

  it('fills every core, defines a stage once per worker, and runs the rest as slots free up', () => {
    backend.addWorker('a', 2);
    backend.addWorker('b', 1);
    scheduler.submit(taskSet(0, 5));
    expect(backend.launched().map((task) => [task.workerId, task.partition])).toEqual([
      ['a', 0],
      ['a', 1],
      ['b', 2],
    ]);
    expect(
      backend.sent
        .filter(({ message }) => message.type === 'defineStage')
        .map(({ workerId }) => workerId),
    ).toEqual(['a', 'b']);
    finish(2);
    expect(backend.launched().at(-1)).toMatchObject({ workerId: 'b', partition: 3 });
    expect(outcomes.succeeded).toEqual([{ stageId: 0, partition: 2, workerId: 'b' }]);
  });

  it('retries a failed task on another worker, then fails the task set with every attempt', () => {
    backend.addWorker('a');
    backend.addWorker('b');
    scheduler.submit(taskSet(0, 1));
    for (let attempt = 0; attempt < 4; attempt++) {
      const [task] = running();
      expect(task?.attempt).toBe(attempt);
      expect(task?.workerId).toBe(attempt % 2 === 0 ? 'a' : 'b');
      fail(task?.taskId ?? -1, `failure ${attempt}`);
    }
    expect(outcomes.failed).toHaveLength(1);
    expect(
      outcomes.failed[0]?.failures.map((failure) => [
        failure.attempt,
        failure.workerId,
        failure.error.message,
      ]),
    ).toEqual([
      [0, 'a', 'failure 0'],
      [1, 'b', 'failure 1'],
      [2, 'a', 'failure 2'],
      [3, 'b', 'failure 3'],
    ]);
    expect(running()).toEqual([]);
  });

  it('waits for another worker rather than retrying where the task failed, when one exists', () => {
    backend.addWorker('a');
    backend.addWorker('b');
    scheduler.submit(taskSet(0, 2));
    fail(0); // partition 0 failed on a; b is busy with partition 1
    expect(running().map((task) => task.partition)).toEqual([1]);
    finish(1); // b frees up and takes the retry
    expect(running()).toMatchObject([{ workerId: 'b', partition: 0, attempt: 1 }]);
  });

  it('excludes a worker from the job after two different tasks failed on it', () => {
    backend.addWorker('bad');
    backend.addWorker('good');
    scheduler.submit(taskSet(0, 6));
    fail(0); // partition 0 on bad
    const next = running().find((task) => task.workerId === 'bad');
    fail(next?.taskId ?? -1); // a second, different task fails on bad
    expect(backend.of('taskEnd').at(-1)).toMatchObject({
      workerId: 'bad',
      result: 'failed',
      workerExcluded: true,
    });
    expect(scheduler.excludedWorkers(0)).toEqual(new Set(['bad']));
    // From now on only 'good' runs tasks of job 0, until it ends.
    while (running().length > 0) finish(running()[0]?.taskId ?? -1);
    expect(outcomes.succeeded).toHaveLength(6);
    const afterExclusion = backend.launched().slice(3);
    expect(afterExclusion.every((task) => task.workerId === 'good')).toBe(true);
    scheduler.jobEnded(0);
    expect(scheduler.excludedWorkers(0).size).toBe(0);
  });

  it('keeps excluded workers eligible when all are excluded, so the job ends by maxTaskFailures', () => {
    backend.addWorker('only');
    scheduler.submit(taskSet(0, 2));
    for (let i = 0; i < 8 && outcomes.failed.length === 0; i++) fail(running()[0]?.taskId ?? -1);
    expect(outcomes.failed).toHaveLength(1);
    expect(outcomes.failed[0]?.failures).toHaveLength(4);
  });

  it("requeues a lost worker's tasks, counting the loss as a failure of each", () => {
    backend.addWorker('a');
    backend.addWorker('b');
    scheduler.submit(taskSet(0, 3));
    backend.removeWorker('a');
    scheduler.workerLost('a', 'its connection closed');
    expect(backend.of('taskEnd').at(-1)).toMatchObject({
      workerId: 'a',
      partition: 0,
      result: 'lost',
      reason: 'its connection closed',
    });
    finish(1);
    expect(running().map((task) => [task.workerId, task.partition, task.attempt])).toEqual([
      ['b', 0, 1],
    ]);
  });

  it('fails a task that keeps losing its workers after maxTaskFailures', () => {
    for (let i = 0; i < 4; i++) {
      backend.addWorker(`w${i}`);
      if (i === 0) scheduler.submit(taskSet(0, 1));
      else scheduler.reviveOffers();
      backend.removeWorker(`w${i}`);
      scheduler.workerLost(`w${i}`, 'its connection closed');
    }
    expect(outcomes.failed[0]?.failures.map((failure) => failure.error.code)).toEqual([
      'FLINT_WORKER_LOST',
      'FLINT_WORKER_LOST',
      'FLINT_WORKER_LOST',
      'FLINT_WORKER_LOST',
    ]);
  });

  it('reports the first fetch failure of a task set once and launches nothing more of it', () => {
    backend.addWorker('a');
    backend.addWorker('b');
    scheduler.submit(taskSet(1, 4));
    const fetch = { shuffleId: 0, mapIndex: 2, address: 'ws://gone' };
    scheduler.taskFailed('a', 0, userError('unreachable'), fetch, false);
    scheduler.taskFailed('b', 1, userError('unreachable'), fetch, false);
    expect(outcomes.fetchFailures).toEqual([fetch]);
    expect(backend.launched()).toHaveLength(2);
    expect(backend.of('taskEnd').map((event) => event.result)).toEqual([
      'fetchFailed',
      'fetchFailed',
    ]);
    expect(scheduler.hasActiveTaskSets).toBe(false);
  });

  it('reruns finished partitions whose outputs were lost, in the same attempt', () => {
    backend.addWorker('a');
    scheduler.submit(taskSet(0, 2));
    finish(0);
    expect(scheduler.rerunPartitions(0, 0, [0])).toBe(true);
    finish(1);
    expect(running()).toMatchObject([{ partition: 0, attempt: 1 }]);
    finish(running()[0]?.taskId ?? -1);
    expect(outcomes.succeeded.map((success) => success.partition)).toEqual([0, 1, 0]);
    expect(scheduler.rerunPartitions(0, 0, [1])).toBe(false); // the attempt is over
  });

  it('kills every running task of a cancelled stage', () => {
    backend.addWorker('a');
    backend.addWorker('b');
    scheduler.submit(taskSet(0, 4));
    scheduler.cancelStage(0, true, 'its job was cancelled');
    expect(backend.killed()).toEqual([0, 1]);
    scheduler.taskFailed('a', 0, userError('killed'), undefined, true);
    scheduler.taskFailed('b', 1, userError('killed'), undefined, true);
    expect(backend.of('taskEnd').map((event) => [event.result, event.reason])).toEqual([
      ['killed', 'its job was cancelled'],
      ['killed', 'its job was cancelled'],
    ]);
    expect(backend.launched()).toHaveLength(2);
  });

  it("prefers the worker holding a task's cached input, for up to the locality wait", () => {
    vi.useFakeTimers();
    try {
      const revives: number[] = [];
      scheduler = new TaskScheduler(backend.pool, backend.bus, outcomes, 4, undefined, (delayMs) =>
        revives.push(delayMs),
      );
      backend.addWorker('a');
      backend.addWorker('b');
      const set = {
        ...taskSet(0, 3),
        preferredWorkers: (partition: number) => (partition < 2 ? ['a'] : []),
      };
      scheduler.submit(set);
      // a runs its cached partition 0; b takes partition 2 (no preference), not a's partition 1.
      expect(running().map((task) => [task.workerId, task.partition])).toEqual([
        ['a', 0],
        ['b', 2],
      ]);
      finish(1);
      expect(running().map((task) => task.partition)).toEqual([0]);
      expect(revives).toEqual([3_000]);
      // Still within the wait, a frees up and takes it.
      finish(0);
      expect(running()).toMatchObject([{ workerId: 'a', partition: 1 }]);
      // Another task set whose preferred worker stays busy runs elsewhere once the wait is over.
      scheduler.submit({ ...taskSet(1, 1, 1), preferredWorkers: () => ['a'] });
      expect(running()).toHaveLength(1);
      vi.advanceTimersByTime(3_000);
      scheduler.revived();
      expect(running().map((task) => [task.workerId, task.stageKey])).toEqual([
        ['a', '0.0'],
        ['b', '1.0'],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('launches tasks with messages whose size does not grow with the partition count', () => {
    backend.addWorker('a', 1_000_000);
    const sizes = (partitions: number) => {
      const from = backend.sent.length;
      const stageId = backend.sent.length === 0 ? 1 : 2;
      scheduler.submit(taskSet(stageId, partitions, stageId));
      return backend.sent
        .slice(from)
        .filter(({ message }) => message.type === 'launchTask')
        .map(({ message }) => encodeMessage(message).byteLength);
    };
    const few = sizes(10);
    const many = sizes(20_000);
    expect(many).toHaveLength(20_000);
    // Only a task id and a partition grow, by their own digits.
    expect(Math.max(...many)).toBeLessThanOrEqual(Math.max(...few) + 4);
  });

  describe('with short tasks (pipelined)', () => {
    const short = { ...metrics, durationMs: 0.1 };
    const finishShort = (taskId: number) => {
      const task = backend.launched().find((launched) => launched.taskId === taskId);
      scheduler.taskFinished(task?.workerId ?? '', taskId, { kind: 'value', value: 0 }, short);
    };
    const perWorker = () => {
      const counts: Record<string, number> = {};
      for (const task of running()) counts[task.workerId] = (counts[task.workerId] ?? 0) + 1;
      return counts;
    };

    it('queues more tasks than cores on each worker, evenly, once tasks prove short', () => {
      backend.addWorker('a');
      backend.addWorker('b');
      scheduler.submit(taskSet(0, 100));
      expect(perWorker()).toEqual({ a: 1, b: 1 }); // nothing known yet: one per core
      finishShort(0);
      // 0.1 ms tasks: 2 ms of queued work per core, 20 tasks, offered round robin.
      expect(perWorker()).toEqual({ a: 21, b: 21 });
      // Long tasks again: no task is added to the queues, which drain.
      for (const task of running()
        .filter((t) => t.workerId === 'a')
        .slice(0, 5))
        finish(task.taskId);
      expect(perWorker()).toMatchObject({ a: 16 });
    });

    it('trusts other task sets only for a few queued tasks per core', () => {
      backend.addWorker('a');
      scheduler.submit(taskSet(0, 1));
      finishShort(0);
      scheduler.submit(taskSet(1, 50, 1));
      expect(perWorker()).toEqual({ a: 5 });
    });

    it("starts queued tasks only as cores free up, and reruns a lost worker's queue elsewhere", () => {
      backend.addWorker('a', 2);
      backend.addWorker('b');
      scheduler.submit(taskSet(0, 1));
      finishShort(0);
      scheduler.submit(taskSet(1, 30, 1));
      const onA = running().filter((task) => task.workerId === 'a');
      expect(onA.length).toBeGreaterThan(2);
      backend.removeWorker('a');
      scheduler.workerLost('a', 'its connection closed');
      // Only the two tasks on its cores had started: they alone end as lost; the queued ones
      // never started, so no event says they did, and they run elsewhere.
      const lost = backend.of('taskEnd').filter((event) => event.result === 'lost');
      expect(lost.map((event) => event.taskId)).toEqual(onA.slice(0, 2).map((task) => task.taskId));
      const started = new Set(backend.of('taskStart').map((event) => event.taskId));
      expect(onA.map((task) => started.has(task.taskId))).toEqual(onA.map((_, i) => i < 2));
      const live = () => running().filter((task) => task.workerId !== 'a');
      while (live().length > 0) finishShort(live()[0]?.taskId ?? -1);
      expect(outcomes.succeeded.filter((s) => s.stageId === 1)).toHaveLength(30);
    });

    it('never fails a task for losses that happened while it waited in a queue', () => {
      scheduler = new TaskScheduler(backend.pool, backend.bus, outcomes, 1);
      backend.addWorker('a');
      scheduler.submit(taskSet(0, 1));
      finishShort(0);
      scheduler.submit(taskSet(1, 1, 1)); // runs on a
      scheduler.submit(taskSet(2, 2, 2)); // waits in a's queue
      expect(running().map((task) => task.stageKey)).toEqual(['1.0', '2.0', '2.0']);
      backend.removeWorker('a');
      scheduler.workerLost('a', 'its connection closed');
      // With maxTaskFailures 1, the started task's loss fails its set; the queued ones' do not.
      expect(outcomes.failed).toHaveLength(1);
      backend.addWorker('b');
      scheduler.reviveOffers();
      const live = running().filter((task) => task.workerId === 'b');
      expect(live.map((task) => [task.stageKey, task.workerId])).toEqual([
        ['2.0', 'b'],
        ['2.0', 'b'],
      ]);
    });

    it('moves a task queued behind long ones to an idle worker, once its worker let it go', () => {
      backend.addWorker('a');
      scheduler.submit(taskSet(0, 1));
      finishShort(0);
      scheduler.submit(taskSet(1, 3, 1)); // all three go to a: 1 running, 2 queued
      expect(perWorker()).toEqual({ a: 3 });
      const [first, second, third] = running();
      finish(first?.taskId ?? -1); // it took 1 ms after all: no longer pipelined
      backend.addWorker('b');
      scheduler.reviveOffers();
      // b is idle: the last queued task is taken back from a, and b gets it once a confirms.
      expect(backend.killed()).toEqual([third?.taskId]);
      scheduler.reviveOffers();
      expect(backend.killed()).toEqual([third?.taskId]); // one per idle core, not one per offer
      scheduler.taskFailed('a', third?.taskId ?? -1, userError('killed'), undefined, true);
      expect(running().at(-1)).toMatchObject({ workerId: 'b', partition: third?.partition });
      // The withdrawn task never started on a: no event says it did.
      const startedOnA = backend
        .of('taskStart')
        .filter((event) => event.workerId === 'a' && event.stageId === 1);
      expect(startedOnA.map((event) => event.taskId)).toEqual([first?.taskId, second?.taskId]);
      finish(second?.taskId ?? -1);
      finish(running().at(-1)?.taskId ?? -1);
      expect(outcomes.succeeded.filter((s) => s.stageId === 1).map((s) => s.partition)).toEqual([
        0, 1, 2,
      ]);
    });
  });

  describe('with speculation', () => {
    beforeEach(() => {
      scheduler = new TaskScheduler(backend.pool, backend.bus, outcomes, 4, DEFAULT_SPECULATION);
    });

    it('copies a straggler to another worker; the first result wins and the other is killed', () => {
      backend.addWorker('a');
      backend.addWorker('b');
      scheduler.submit(taskSet(0, 4));
      finish(1); // b: partition 1, then 2, then 3, each quickly; a keeps partition 0
      finish(2);
      finish(3);
      const [straggler] = running();
      expect(straggler?.partition).toBe(0);
      scheduler.checkSpeculation(Date.now() + 10); // not slow enough yet
      expect(running()).toHaveLength(1);
      scheduler.checkSpeculation(Date.now() + 60_000);
      const copy = running().find((task) => task.taskId !== straggler?.taskId);
      expect(copy).toMatchObject({ workerId: 'b', partition: 0, attempt: 1 });
      expect(backend.of('taskStart').at(-1)).toMatchObject({ speculative: true });
      finish(copy?.taskId ?? -1);
      expect(backend.killed()).toEqual([straggler?.taskId]);
      // The straggler finishing anyway changes nothing: its result is dropped.
      finish(straggler?.taskId ?? -1);
      expect(outcomes.succeeded.filter((success) => success.partition === 0)).toHaveLength(1);
      expect(backend.of('taskEnd').at(-1)).toMatchObject({
        taskId: straggler?.taskId,
        result: 'killed',
      });
    });

    it('does not judge stragglers before most tasks finished', () => {
      backend.addWorker('a');
      backend.addWorker('b');
      scheduler.submit(taskSet(0, 8));
      finish(0);
      scheduler.checkSpeculation(Date.now() + 60_000);
      expect(backend.of('taskStart').some((event) => event.speculative)).toBe(false);
    });
  });
});
