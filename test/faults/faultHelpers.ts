/**
 * Helpers of the fault tests: contexts that record every event and every worker process they ever
 * started (replacements included), kills at chosen points, and the check that after a fault only
 * the lost work was done again.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContextOptions,
  createContext,
  type FlintContext,
  type SchedulerEvent,
} from '@flint/rdd';
import { isAlive, waitFor } from '../helpers.js';

export type EventOf<T extends SchedulerEvent['type']> = Extract<SchedulerEvent, { type: T }>;

/** A context under test: its events, and the PIDs of every worker it started so far. */
export interface FaultContext {
  readonly sc: FlintContext;
  readonly events: SchedulerEvent[];
  /** Every worker process seen (from workerAdded events), replacements included. */
  readonly pids: Set<number>;
  /** PID of a worker id. */
  readonly pidOf: Map<string, number>;
  /** Events of one type, from index `from` on. */
  of<T extends SchedulerEvent['type']>(type: T, from?: number): EventOf<T>[];
}

/** Starts a context that records its events and the PIDs of all its workers. */
export async function faultContext(options: ContextOptions = {}): Promise<FaultContext> {
  const sc = await createContext({ workers: 3, ...options });
  const events: SchedulerEvent[] = [];
  const pids = new Set<number>(sc.workerPids);
  const pidOf = new Map<string, number>();
  sc.addListener((event) => {
    events.push(event);
    if (event.type === 'workerAdded' && event.pid !== undefined) {
      pids.add(event.pid);
      pidOf.set(event.workerId, event.pid);
    }
  });
  const context: FaultContext = {
    sc,
    events,
    pids,
    pidOf,
    of: (type, from = 0) => events.slice(from).filter((event) => event.type === type) as never,
  };
  await learnInitialWorkers(context, options.workers ?? 3);
  return context;
}

/**
 * The first workers joined before any listener could hear them. A warm-up job whose tasks report
 * their process id tells which worker id has which PID (the first offer gives every worker a task).
 */
async function learnInitialWorkers(context: FaultContext, workers: number): Promise<void> {
  const mark = context.events.length;
  const partitions = workers * 4;
  const perPartition = await context.sc
    .parallelize(
      Array.from({ length: partitions }, (_, i) => i),
      partitions,
    )
    .mapPartitions(() => [process.pid])
    .collect();
  for (const end of context.of('taskEnd', mark)) {
    const pid = perPartition[end.partition];
    if (end.result !== 'success' || pid === undefined || context.pidOf.has(end.workerId)) continue;
    context.pidOf.set(end.workerId, pid);
    context.pids.add(pid);
  }
  if (context.pidOf.size < workers)
    throw new Error(`Only learned ${context.pidOf.size} of ${workers} workers' PIDs.`);
}

/** Stops the context and ends every process it ever started, even when a test failed. */
export async function cleanUp(context: FaultContext | undefined): Promise<void> {
  if (!context) return;
  await context.sc.stop();
  for (const pid of context.pids) kill(pid, 'SIGKILL');
}

/** Sends a signal to a process; a process already gone is fine. */
export function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits until every one of `pids` has exited. */
export async function waitForExit(pids: Iterable<number>, timeoutMs = 10_000): Promise<void> {
  const list = [...pids];
  await waitFor(
    () => list.every((pid) => !isAlive(pid)),
    timeoutMs,
    `processes ${list.join(', ')} to exit`,
  );
}

/**
 * A private temp directory for the processes a test starts: TMPDIR points there while `run` runs,
 * and child processes (workers, drivers) inherit it, so whatever they leave in their temp
 * directory shows up in `leftovers()`, untouched by other programs using the machine's /tmp.
 */
export async function withPrivateTmpdir<T>(
  run: (leftovers: () => string[]) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fault-tmp-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  // tsx keeps its compile cache in the temp directory; that is the test harness, not Flint.
  const leftovers = () => readdirSync(dir).filter((name) => !name.startsWith('tsx-'));
  try {
    return await run(leftovers);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stages of the job that started at event index `from`, by kind. */
export function stagesOf(context: FaultContext, from: number) {
  const submitted = context.of('stageSubmitted', from);
  const map = submitted.find((event) => event.stage.kind === 'ShuffleMapStage')?.stage.stageId;
  const result = submitted.find((event) => event.stage.kind === 'ResultStage')?.stage.stageId;
  return { map, result };
}

/**
 * What went wrong with "only the lost work was redone", from the events from index `from` on
 * (empty when all is well). A partition of a stage may run again only when its earlier attempt
 * did not succeed, or, for a map stage, when the driver reported its output lost (with its worker,
 * or because a reducer could not fetch from there). A result partition runs again only after no
 * success. Speculative copies are exempt.
 */
export function redoneWithoutLoss(events: readonly SchedulerEvent[], from = 0): string[] {
  const problems: string[] = [];
  const mapStageOfShuffle = new Map<number, number>();
  const lostWorkers = new Set<string>();
  /** `stage:partition` -> worker holding its valid output (map) or its result. */
  const succeeded = new Map<string, string>();
  const running = new Map<number, { key: string; stageAttempt: number }>();
  const runningByKey = new Map<string, Set<number>>();
  const forget = (
    lost: readonly { shuffleId: number; mapIndices: readonly number[] }[] | undefined,
  ) => {
    for (const { shuffleId, mapIndices } of lost ?? []) {
      for (const mapIndex of mapIndices)
        succeeded.delete(`${mapStageOfShuffle.get(shuffleId)}:${mapIndex}`);
    }
  };
  for (const event of events.slice(from)) {
    switch (event.type) {
      case 'jobStart':
        for (const stage of event.stages)
          if (stage.shuffleId !== undefined) mapStageOfShuffle.set(stage.shuffleId, stage.stageId);
        break;
      case 'workerLost':
        lostWorkers.add(event.workerId);
        forget(event.lostMapOutputs);
        break;
      case 'stageCompleted':
        forget(event.lostMapOutputs);
        break;
      case 'taskStart': {
        const key = `${event.stageId}:${event.partition}`;
        if (lostWorkers.has(event.workerId))
          problems.push(`task ${event.taskId} started on lost worker ${event.workerId}`);
        if (!event.speculative) {
          if (succeeded.has(key)) {
            problems.push(
              `stage ${event.stageId} partition ${event.partition} ran again (task ${event.taskId}) although its output on ${succeeded.get(key)} was not lost`,
            );
          }
          for (const otherId of runningByKey.get(key) ?? []) {
            const other = running.get(otherId);
            if (other && other.stageAttempt >= event.stageAttempt) {
              problems.push(
                `stage ${event.stageId} partition ${event.partition} started twice in attempt ${event.stageAttempt} (task ${event.taskId})`,
              );
            }
          }
        }
        running.set(event.taskId, { key, stageAttempt: event.stageAttempt });
        const set = runningByKey.get(key) ?? new Set();
        set.add(event.taskId);
        runningByKey.set(key, set);
        break;
      }
      case 'taskEnd': {
        const key = `${event.stageId}:${event.partition}`;
        running.delete(event.taskId);
        runningByKey.get(key)?.delete(event.taskId);
        if (event.result === 'success' && !succeeded.has(key)) succeeded.set(key, event.workerId);
        break;
      }
      default:
        break;
    }
  }
  return problems;
}

/** A reference answer for the word-count-like job the fault tests run: sum of values by key. */
export function sumsByKey(values: readonly number[], keys: number): Map<number, number> {
  const sums = new Map<number, number>();
  for (const value of values) sums.set(value % keys, (sums.get(value % keys) ?? 0) + value);
  return sums;
}

/** Ids of the workers that joined and were not lost. */
export function liveWorkers(context: FaultContext): string[] {
  const lost = new Set(context.of('workerLost').map((event) => event.workerId));
  return [...context.pidOf.keys()].filter((id) => !lost.has(id));
}

/** Waits until the context has `count` live workers again (replacements joined). */
export async function waitForWorkers(
  context: FaultContext,
  count: number,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(() => liveWorkers(context).length >= count, timeoutMs, `${count} live workers`);
}

/**
 * Runs `action` once, synchronously inside the scheduler's event loop, on the first event from
 * now on for which `when` holds: the fault lands exactly at that point of the job.
 */
export function once(
  context: FaultContext,
  when: (event: SchedulerEvent) => boolean,
  action: (event: SchedulerEvent) => void,
): () => void {
  let done = false;
  const remove = context.sc.addListener((event) => {
    if (done || !when(event)) return;
    done = true;
    action(event);
  });
  return remove;
}
