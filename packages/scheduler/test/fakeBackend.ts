/**
 * A fake backend for scheduler unit tests: a worker pool that records what the scheduler sends
 * instead of talking to sockets, plus a bus that records every event. Tests play the workers by
 * feeding the scheduler's events synchronously.
 */
import type { DriverToWorkerMessage, StageSpec } from '@flint/worker';
import { ListenerBus, type SchedulerEvent } from '../src/events.js';
import type { TaskSet } from '../src/taskScheduler.js';
import type { WorkerHandle, WorkerPool } from '../src/workerPool.js';

export interface SentMessage {
  readonly workerId: string;
  readonly message: DriverToWorkerMessage;
}

export class FakeBackend {
  readonly workers = new Map<string, WorkerHandle>();
  readonly sent: SentMessage[] = [];
  readonly events: SchedulerEvent[] = [];
  readonly bus = new ListenerBus();

  constructor() {
    this.bus.addListener((event) => this.events.push(event));
  }

  /** The pool as the scheduler sees it. */
  get pool(): WorkerPool {
    const pool = {
      workers: this.workers,
      send: (workerId: string, message: DriverToWorkerMessage) =>
        this.sent.push({ workerId, message }),
    };
    return pool as unknown as WorkerPool;
  }

  addWorker(id: string, cores = 1): WorkerHandle {
    const worker: WorkerHandle = {
      id,
      blockServer: `ws://127.0.0.1:${1000 + this.workers.size}/${id}`,
      cores,
      pid: undefined,
      definedStages: new Set(),
      runningTasks: 0,
      lastHeard: Date.now(),
    };
    this.workers.set(id, worker);
    return worker;
  }

  removeWorker(id: string): void {
    this.workers.delete(id);
  }

  /** Tasks launched so far, in order, with where they went. */
  launched(): {
    taskId: number;
    workerId: string;
    stageKey: string;
    partition: number;
    attempt: number;
  }[] {
    return this.sent.flatMap(({ workerId, message }) =>
      message.type === 'launchTask' ? [{ workerId, ...message.task }] : [],
    );
  }

  /** Task ids the scheduler asked workers to kill. */
  killed(): number[] {
    return this.sent.flatMap(({ message }) =>
      message.type === 'killTask' ? [message.taskId] : [],
    );
  }

  of<T extends SchedulerEvent['type']>(type: T): Extract<SchedulerEvent, { type: T }>[] {
    return this.events.filter((event) => event.type === type) as Extract<
      SchedulerEvent,
      { type: T }
    >[];
  }
}

/** A task set of `partitions` partitions; its spec is never looked into by the task scheduler. */
export function taskSet(stageId: number, partitions: number, jobId = 0, stageAttempt = 0): TaskSet {
  const spec = {
    stageKey: `${stageId}.${stageAttempt}`,
    stageId,
    root: {},
    output: {},
  } as unknown as StageSpec;
  return {
    stageId,
    stageAttempt,
    jobId,
    spec,
    partitions: Array.from({ length: partitions }, (_, i) => i),
    inputsFor: () => undefined,
  };
}

export const metrics = {
  durationMs: 1,
  recordsRead: 1,
  recordsWritten: 0,
  shuffleBytesWritten: 0,
  shuffleBytesRead: 0,
};

export function userError(message: string) {
  return { name: 'Error', message, stack: `Error: ${message}\n    at userFunction (app.ts:3:11)` };
}
