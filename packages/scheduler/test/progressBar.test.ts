import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ListenerBus, type SchedulerEvent, type StageInfo } from '../src/events.js';
import { ConsoleProgressBar } from '../src/progressBar.js';

const UP1 = '\u001b[1A';
const CLEAR = '\r\u001b[J';

/** A terminal that records what is written to it. */
class FakeTty {
  readonly isTTY: boolean;
  readonly columns: number;
  readonly writes: string[] = [];

  constructor(columns = 41, isTTY = true) {
    this.columns = columns;
    this.isTTY = isTTY;
  }

  write(s: string): boolean {
    this.writes.push(s);
    return true;
  }
}

function stage(stageId: number, numTasks: number, attempt = 0): StageInfo {
  return {
    stageId,
    attempt,
    name: `stage ${stageId}`,
    kind: 'ShuffleMapStage',
    numTasks,
    parentStageIds: [],
    nodeIds: [],
  };
}

const submitted = (info: StageInfo, jobId = 0): SchedulerEvent => ({
  type: 'stageSubmitted',
  time: Date.now(),
  jobId,
  stage: info,
});
const completed = (info: StageInfo): SchedulerEvent => ({
  type: 'stageCompleted',
  time: Date.now(),
  stage: info,
  result: 'succeeded',
});

let nextTaskId = 0;
const taskStart = (stageId: number, partition: number): SchedulerEvent => ({
  type: 'taskStart',
  time: Date.now(),
  taskId: nextTaskId++,
  stageId,
  stageAttempt: 0,
  partition,
  attempt: 0,
  workerId: 'w1',
  speculative: false,
});
const taskEnd = (
  stageId: number,
  partition: number,
  result: 'success' | 'failed' = 'success',
): SchedulerEvent => ({
  type: 'taskEnd',
  time: Date.now(),
  taskId: 0,
  stageId,
  stageAttempt: 0,
  partition,
  attempt: 0,
  workerId: 'w1',
  result,
});

describe('ConsoleProgressBar', () => {
  let bus: ListenerBus;
  let bar: ConsoleProgressBar | undefined;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    bus = new ListenerBus();
  });

  afterEach(() => {
    bar?.close();
    bar = undefined;
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function attach(tty: FakeTty, options: ConstructorParameters<typeof ConsoleProgressBar>[1] = {}) {
    bar = new ConsoleProgressBar(tty, { showAfterMs: 0, ...options });
    bus.addListener(bar.listener);
    return bar;
  }

  it("draws Spark's line, completed + running / total, fit to the terminal width", () => {
    const tty = new FakeTty(41);
    attach(tty);
    const s0 = stage(0, 4);
    bus.post(submitted(s0));
    for (const partition of [0, 1, 2]) bus.post(taskStart(0, partition));
    bus.post(taskEnd(0, 0));
    expect(tty.writes).toEqual([]); // drawn on the timer, not inside the listener
    vi.advanceTimersByTime(1);
    expect(tty.writes).toEqual(['[Stage 0:====>              (1 + 2) / 4]']);
    expect(tty.writes[0]).toHaveLength(40);
  });

  it('redraws in place at most once per interval', () => {
    const tty = new FakeTty(41);
    attach(tty, { intervalMs: 100 });
    bus.post(submitted(stage(0, 4)));
    bus.post(taskStart(0, 0));
    vi.advanceTimersByTime(1);
    expect(tty.writes).toEqual(['[Stage 0:>                  (0 + 1) / 4]']);

    bus.post(taskEnd(0, 0));
    bus.post(taskStart(0, 1));
    bus.post(taskStart(0, 2));
    vi.advanceTimersByTime(50);
    expect(tty.writes).toHaveLength(1);
    vi.advanceTimersByTime(60);
    expect(tty.writes[1]).toBe(`${CLEAR}[Stage 0:====>              (1 + 2) / 4]`);

    // A flood of events over one second draws about ten times, never more.
    const s1 = stage(1, 1000);
    bus.post(submitted(s1));
    for (let i = 0; i < 1000; i++) {
      bus.post(taskStart(1, i));
      bus.post(taskEnd(1, i));
      vi.advanceTimersByTime(1);
    }
    const draws = tty.writes.length - 2;
    expect(draws).toBeGreaterThanOrEqual(9);
    expect(draws).toBeLessThanOrEqual(11);
  });

  it('draws one line per running stage and moves up over all of them to redraw', () => {
    const tty = new FakeTty(41);
    attach(tty);
    bus.post(submitted(stage(0, 4)));
    bus.post(submitted(stage(1, 2), 1));
    bus.post(taskStart(1, 0));
    vi.advanceTimersByTime(1);
    expect(tty.writes).toEqual([
      '[Stage 0:>                  (0 + 0) / 4]\n[Stage 1:>                  (0 + 1) / 2]',
    ]);
    bus.post(taskEnd(1, 0));
    vi.advanceTimersByTime(100);
    expect(tty.writes[1]).toBe(
      `${UP1}${CLEAR}[Stage 0:>                  (0 + 0) / 4]\n[Stage 1:=========>         (1 + 0) / 2]`,
    );
  });

  it('erases its lines as soon as the last stage completes, without waiting for the timer', () => {
    const tty = new FakeTty(41);
    attach(tty);
    const s0 = stage(0, 1);
    const s1 = stage(1, 1);
    bus.post(submitted(s0));
    bus.post(submitted(s1));
    vi.advanceTimersByTime(1);
    expect(tty.writes).toHaveLength(1);

    bus.post(completed(s0));
    expect(tty.writes).toHaveLength(1); // one stage still runs: redrawn on the timer
    bus.post(completed(s1));
    expect(tty.writes[1]).toBe(`${UP1}${CLEAR}`);
    vi.advanceTimersByTime(1000);
    expect(tty.writes).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("erases a failed job's stages at jobEnd", () => {
    const tty = new FakeTty(41);
    attach(tty);
    bus.post(submitted(stage(3, 2), 7));
    vi.advanceTimersByTime(1);
    bus.post({ type: 'jobEnd', time: Date.now(), jobId: 7, result: 'failed', error: 'boom' });
    expect(tty.writes).toEqual(['[Stage 3:>                  (0 + 0) / 2]', CLEAR]);
  });

  it('counts a partition once even when a speculative copy also succeeds, and shows retries', () => {
    const tty = new FakeTty(41);
    attach(tty);
    // A retry runs only the partitions whose output was lost: 2 of the stage's 8.
    bus.post({ ...submitted(stage(2, 8, 1)), partitions: [0, 5] } as SchedulerEvent);
    bus.post({ ...taskStart(2, 0), stageAttempt: 1 } as SchedulerEvent);
    bus.post({ ...taskEnd(2, 0), stageAttempt: 1 } as SchedulerEvent);
    bus.post({ ...taskEnd(2, 0), stageAttempt: 1 } as SchedulerEvent);
    vi.advanceTimersByTime(1);
    expect(tty.writes).toEqual([`[Stage 2 (retry 1):====>${' '.repeat(4)}(1 + 0) / 2]`]);
  });

  it('writes nothing off a TTY unless forced', () => {
    const pipe = new FakeTty(41, false);
    attach(pipe);
    bus.post(submitted(stage(0, 4)));
    bus.post(taskStart(0, 0));
    vi.advanceTimersByTime(1000);
    expect(pipe.writes).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    const forced = new FakeTty(41, false);
    const forcedBar = new ConsoleProgressBar(forced, { force: true, showAfterMs: 0 });
    const remove = bus.addListener(forcedBar.listener);
    bus.post(submitted(stage(5, 1)));
    vi.advanceTimersByTime(1);
    expect(forced.writes).toEqual([`[Stage 5:>${' '.repeat(18)}(0 + 0) / 1]`]);
    remove();
    forcedBar.close();
  });

  it('shows a stage only once it has run for showAfterMs, so short stages never flash', () => {
    const tty = new FakeTty(41);
    bar = new ConsoleProgressBar(tty);
    bus.addListener(bar.listener);
    const quick = stage(0, 1);
    bus.post(submitted(quick));
    vi.advanceTimersByTime(300);
    bus.post(completed(quick));
    vi.advanceTimersByTime(1000);
    expect(tty.writes).toEqual([]);

    bus.post(submitted(stage(1, 1)));
    vi.advanceTimersByTime(499);
    expect(tty.writes).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(tty.writes).toEqual([`[Stage 1:>${' '.repeat(18)}(0 + 0) / 1]`]);
  });

  it('cuts lines to narrow terminals', () => {
    const tty = new FakeTty(20);
    attach(tty);
    bus.post(submitted(stage(12, 128)));
    vi.advanceTimersByTime(1);
    expect(tty.writes[0]).toBe('[Stage 12:(0 + 0) /');
    expect(tty.writes[0]).toHaveLength(19);
  });

  it('uses an unref’d timer, and close() cancels it and erases the bar', () => {
    const tty = new FakeTty(41);
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const progress = attach(tty);
    bus.post(submitted(stage(0, 4)));
    vi.advanceTimersByTime(1);
    bus.post(taskStart(0, 0));
    const timer = setTimeoutSpy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    expect(vi.getTimerCount()).toBe(1);

    progress.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(tty.writes).toEqual(['[Stage 0:>                  (0 + 0) / 4]', CLEAR]);
    bus.post(taskStart(0, 1));
    vi.advanceTimersByTime(1000);
    expect(tty.writes).toHaveLength(2);
  });
});
