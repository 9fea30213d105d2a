import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DAGScheduler } from '../src/dagScheduler.js';
import type { LineageNode } from '../src/lineage.js';
import { FakeBackend, metrics, userError } from './fakeBackend.js';

/** parallelize(4 partitions) -> shuffle into 2 partitions: a ShuffleMapStage and a ResultStage. */
function shuffledLineage(): LineageNode {
  const source: LineageNode = {
    id: 0,
    name: 'ParallelCollectionRDD',
    callSite: 'parallelize at app.ts:1',
    numPartitions: 4,
    op: { kind: 'parallelize' },
    dependencies: [],
    cached: false,
    slices: [[[1, 1]], [[2, 2]], [[1, 3]], [[2, 4]]],
  };
  return {
    id: 1,
    name: 'ShuffledRDD',
    callSite: 'partitionBy at app.ts:2',
    numPartitions: 2,
    op: { kind: 'shuffleRead' },
    dependencies: [
      {
        kind: 'shuffle',
        parent: source,
        shuffleId: 0,
        partitioner: { kind: 'hash', numPartitions: 2 },
        mapSideCombine: false,
      },
    ],
    cached: false,
  };
}

describe('DAGScheduler', () => {
  let backend: FakeBackend;
  let dag: DAGScheduler;

  /** Tasks launched and not yet ended, with their stage ids. */
  const running = () => {
    const ended = new Set(backend.of('taskEnd').map((event) => event.taskId));
    return backend.of('taskStart').filter((event) => !ended.has(event.taskId));
  };
  const kindOf = (stageId: number) =>
    backend.of('stageSubmitted').find((event) => event.stage.stageId === stageId)?.stage.kind;
  /** Plays a worker finishing task `taskId` (a map task writes 2 blocks; a result task counts 1). */
  const finish = (taskId: number, accumulatorUpdates?: [number, number][]) => {
    const task = backend.of('taskStart').find((event) => event.taskId === taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    const base =
      kindOf(task.stageId) === 'ShuffleMapStage'
        ? { kind: 'mapStatus' as const, sizes: [10, 10] }
        : { kind: 'value' as const, value: 1 };
    const result = accumulatorUpdates ? { ...base, accumulatorUpdates } : base;
    dag.post({ type: 'taskFinished', workerId: task.workerId, taskId, result, metrics });
  };
  const finishAll = () => {
    for (let task = running()[0]; task; task = running()[0]) finish(task.taskId);
  };
  const lose = (workerId: string) => {
    backend.removeWorker(workerId);
    dag.post({ type: 'workerLost', workerId, reason: 'its connection closed' });
  };

  beforeEach(() => {
    vi.useFakeTimers();
    backend = new FakeBackend();
    dag = new DAGScheduler(backend.pool, backend.bus, 4);
    for (const id of ['a', 'b']) dag.post({ type: 'workerAdded', worker: backend.addWorker(id) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('recomputes only the map outputs a lost worker held, after a reducer cannot fetch them', async () => {
    const job = dag.runJob(shuffledLineage(), { kind: 'count' }, [0, 1]);
    // Map stage: a and b take two partitions each.
    for (let i = 0; i < 4; i++) finish(running()[0]?.taskId ?? -1);
    const mapOnB = backend
      .of('taskEnd')
      .filter((event) => event.workerId === 'b' && event.result === 'success')
      .map((event) => event.partition);
    expect(mapOnB.length).toBeGreaterThan(0);
    const [onA, onB] = [
      running().find((task) => task.workerId === 'a'),
      running().find((task) => task.workerId === 'b'),
    ];
    expect(kindOf(onA?.stageId ?? -1)).toBe('ResultStage');
    lose('b');
    expect(backend.of('workerLost')[0]).toMatchObject({
      workerId: 'b',
      lostMapOutputs: [{ shuffleId: 0, mapIndices: mapOnB }],
    });
    expect(backend.of('taskEnd').at(-1)).toMatchObject({ taskId: onB?.taskId, result: 'lost' });
    // The reducer on a cannot fetch b's blocks.
    const fetchFailure = {
      shuffleId: 0,
      mapIndex: mapOnB[0] ?? 0,
      address: 'ws://127.0.0.1:1001/b',
    };
    dag.post({
      type: 'taskFailed',
      workerId: 'a',
      taskId: onA?.taskId ?? -1,
      error: userError('gone'),
      fetchFailure,
      killed: false,
    });
    expect(backend.of('stageCompleted').at(-1)).toMatchObject({ result: 'resubmitted' });
    vi.advanceTimersByTime(100);
    const resubmitted = backend.of('stageSubmitted').slice(2);
    expect(
      resubmitted.map((event) => [event.stage.kind, event.stage.attempt, event.partitions]),
    ).toEqual([['ShuffleMapStage', 1, mapOnB]]);
    finishAll();
    expect(
      backend
        .of('stageSubmitted')
        .slice(3)
        .map((event) => [event.stage.kind, event.stage.attempt, event.partitions]),
    ).toEqual([['ResultStage', 1, [0, 1]]]);
    finishAll();
    await expect(job).resolves.toEqual([1, 1]);
  });

  it('reruns, in the running map stage, the finished outputs lost with a worker', async () => {
    const job = dag.runJob(shuffledLineage(), { kind: 'count' }, [0, 1]);
    const firstOnB = running().find((task) => task.workerId === 'b');
    finish(firstOnB?.taskId ?? -1); // b holds one map output, then starts another map task
    lose('b');
    expect(backend.of('workerLost')[0]?.lostMapOutputs).toEqual([
      { shuffleId: 0, mapIndices: [firstOnB?.partition ?? -1] },
    ]);
    finishAll();
    // One map stage attempt only; the lost partition simply ran again in it.
    const mapAttempts = backend
      .of('stageSubmitted')
      .filter((event) => event.stage.kind === 'ShuffleMapStage');
    expect(mapAttempts).toHaveLength(1);
    const reruns = backend
      .of('taskStart')
      .filter(
        (event) =>
          event.stageId === mapAttempts[0]?.stage.stageId &&
          event.partition === firstOnB?.partition,
      );
    expect(reruns.map((event) => [event.workerId, event.attempt])).toEqual([
      ['b', 0],
      ['a', 1],
    ]);
    await expect(job).resolves.toEqual([1, 1]);
  });

  it('fails the job with FLINT_FETCH_FAILED when a stage keeps losing its inputs', async () => {
    const job = dag.runJob(shuffledLineage(), { kind: 'count' }, [0, 1]);
    const outcome = job.then(
      () => undefined,
      (error: unknown) => error,
    );
    for (let round = 0; round < 4; round++) {
      // The map stage (or its missing partitions) finishes; then a reducer of the latest attempt
      // cannot fetch (reducers of earlier attempts may still be running: their failures are old news).
      const ofKind = (kind: string) => running().filter((task) => kindOf(task.stageId) === kind);
      for (let task = ofKind('ShuffleMapStage')[0]; task; task = ofKind('ShuffleMapStage')[0])
        finish(task.taskId);
      const reducer = ofKind('ResultStage').find((task) => task.stageAttempt === round);
      const fetchFailure = {
        shuffleId: 0,
        mapIndex: 0,
        address: backend.workers.get(reducer?.workerId ?? '')?.blockServer ?? '',
      };
      dag.post({
        type: 'taskFailed',
        workerId: reducer?.workerId ?? '',
        taskId: reducer?.taskId ?? -1,
        error: userError('gone'),
        fetchFailure,
        killed: false,
      });
      vi.advanceTimersByTime(100);
    }
    const error = await outcome;
    expect(error).toMatchObject({ code: 'FLINT_FETCH_FAILED' });
    expect((error as Error).message).toMatch(
      /failed 4 times in a row because map outputs of its parent stage could not be fetched/,
    );
  });

  it('applies a partition’s accumulator additions once, even when it runs again', async () => {
    const applied: (readonly (readonly [number, number])[])[] = [];
    dag.accumulatorListener = (updates) => applied.push(updates);
    const job = dag.runJob(shuffledLineage(), { kind: 'count' }, [0, 1]);
    const firstOnB = running().find((task) => task.workerId === 'b');
    finish(firstOnB?.taskId ?? -1, [[7, 1]]);
    lose('b');
    for (let task = running()[0]; task; task = running()[0]) finish(task.taskId, [[7, 1]]);
    await job;
    // 4 map partitions and 2 result partitions, each counted once; the rerun's addition is dropped.
    expect(applied).toHaveLength(6);
  });

  it('kills the running tasks of a cancelled job and rejects it with FLINT_CANCELLED', async () => {
    const controller = new AbortController();
    const job = dag.runJob(shuffledLineage(), { kind: 'count' }, [0, 1], {
      signal: controller.signal,
    });
    const outcome = job.then(
      () => undefined,
      (error: unknown) => error,
    );
    controller.abort('enough');
    expect(await outcome).toMatchObject({
      code: 'FLINT_CANCELLED',
      message: 'The job was cancelled: enough.',
    });
    expect(backend.killed().sort()).toEqual(
      running()
        .map((task) => task.taskId)
        .sort(),
    );
    expect(backend.of('jobEnd').at(-1)).toMatchObject({ result: 'cancelled' });
  });
});
