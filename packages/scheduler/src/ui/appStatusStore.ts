/**
 * The web UI's model of one application: scheduler events folded into jobs, stages, tasks,
 * workers and cached blocks (Spark's AppStatusListener + AppStatusStore in one).
 *
 * Invariants: {@link AppStatusStore.apply} costs O(1) per task event (a few map look-ups and
 * counter updates; no allocation beyond the task's own record), and O(size of the job) per job
 * event. Counters stay exact when old records are evicted: only finished jobs, stages and tasks are
 * dropped, oldest first, once the retention limits are passed.
 */

import { cacheBlockPrefix } from '@flint/worker';
import type { LineageNodeInfo, SchedulerEvent, StageInfo } from '../events.js';

type TaskEndEvent = Extract<SchedulerEvent, { type: 'taskEnd' }>;

/** A task's metrics as the worker reported them. */
export type TaskMetrics = NonNullable<TaskEndEvent['metrics']>;
/** Where a job is. */
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
/** Where a stage attempt is; `resubmitted` means it was aborted by a fetch failure and retried. */
export type StageStatus = 'pending' | 'active' | 'complete' | 'failed' | 'resubmitted' | 'skipped';
/** Where a task attempt is. */
export type TaskStatus = 'running' | TaskEndEvent['result'];

/** One task attempt. */
export interface TaskData {
  readonly taskId: number;
  readonly partition: number;
  readonly attempt: number;
  readonly workerId: string;
  readonly speculative: boolean;
  /** Unknown (undefined) when the log began after the task started. */
  readonly launchTime: number | undefined;
  finishTime: number | undefined;
  status: TaskStatus;
  error: { readonly message: string; readonly stack?: string } | undefined;
  metrics: TaskMetrics | undefined;
}

/** Totals of the task metrics of a stage, job or worker. */
export interface MetricTotals {
  durationMs: number;
  recordsRead: number;
  recordsWritten: number;
  shuffleBytesRead: number;
  shuffleBytesWritten: number;
  /** Bytes written to the workers' disks because memory was short. */
  spilledBytes: number;
}

/** Task counts of a stage, job or worker. */
export interface TaskCounts {
  active: number;
  succeeded: number;
  failed: number;
  killed: number;
}

/** One attempt of a stage. */
export interface StageData {
  readonly stageId: number;
  readonly attempt: number;
  info: StageInfo;
  /** Tasks of this attempt: all partitions at first, only the missing ones in a retry. */
  numTasks: number;
  /** The job that submitted it, for display. */
  jobId: number;
  /** Every running job that needs it (jobs share shuffle map stages); each counts its tasks. */
  jobIds: readonly number[];
  status: StageStatus;
  submissionTime: number | undefined;
  completionTime: number | undefined;
  failureReason: string | undefined;
  readonly tasks: Map<number, TaskData>;
  /** Finished tasks evicted from `tasks` to respect the retention limit. */
  evictedTasks: number;
  /**
   * Ids of finished tasks from `finishedHead` on, oldest first: the eviction order. A queue,
   * because scanning a Map from its start after many deletes walks V8's tombstones.
   */
  readonly finishedOrder: number[];
  finishedHead: number;
  /** Partitions that succeeded, so the progress never counts a speculative copy twice. */
  readonly succeededPartitions: Set<number>;
  readonly counts: TaskCounts;
  readonly totals: MetricTotals;
}

/** One job. */
export interface JobData {
  readonly jobId: number;
  readonly description: string;
  readonly submissionTime: number;
  completionTime: number | undefined;
  status: JobStatus;
  error: string | undefined;
  /** Every stage the job needs, as the DAGScheduler cut them at job start. */
  readonly stages: readonly StageInfo[];
  readonly lineage: readonly LineageNodeInfo[];
  /** Tasks of all the job's stages (each counted once, at its first attempt). */
  readonly numTasks: number;
  /** Stage ids this job actually ran; the rest are skipped once the job ends. */
  readonly submittedStageIds: Set<number>;
  readonly completedStageIds: Set<number>;
  readonly failedStageIds: Set<number>;
  numSkippedStages: number;
  numSkippedTasks: number;
  readonly counts: TaskCounts;
}

/** One worker (Spark's executor). */
export interface WorkerData {
  readonly workerId: string;
  address: string;
  cores: number;
  pid: number | undefined;
  memoryBytes: number | undefined;
  addedTime: number;
  isAlive: boolean;
  removedTime: number | undefined;
  removeReason: string | undefined;
  readonly counts: TaskCounts;
  readonly totals: MetricTotals;
  /** Cached blocks this worker holds, by block id. */
  readonly blocks: Map<string, BlockData>;
  cachedBytes: number;
}

/** One cached block on one worker. */
export interface BlockData {
  readonly blockId: string;
  readonly workerId: string;
  readonly bytes: number;
  readonly time: number;
}

/** The application itself. */
export interface ApplicationData {
  appId: string | undefined;
  appName: string | undefined;
  startTime: number | undefined;
  endTime: number | undefined;
}

/** Options of {@link AppStatusStore}. */
export interface AppStatusStoreOptions {
  /** Finished jobs kept for display (Spark's `spark.ui.retainedJobs`). @default 1000 */
  readonly retainedJobs?: number;
  /** Finished stage attempts kept (Spark's `spark.ui.retainedStages`). @default 1000 */
  readonly retainedStages?: number;
  /** Task records kept per stage attempt; counters stay exact beyond it. @default 10000 */
  readonly retainedTasksPerStage?: number;
  /**
   * `true` for a running application, where a running job's duration grows with the wall clock;
   * `false` when replaying a log, where time stops at the last event. @default true
   */
  readonly live?: boolean;
}

/** Folds scheduler events into the state the UI pages render. */
export class AppStatusStore {
  readonly application: ApplicationData = {
    appId: undefined,
    appName: undefined,
    startTime: undefined,
    endTime: undefined,
  };
  /** Jobs by id, oldest first. */
  readonly jobs = new Map<number, JobData>();
  /** Stage attempts by `stageId.attempt`, in the order they appeared. */
  readonly stages = new Map<string, StageData>();
  /** Workers by id, in the order they joined. */
  readonly workers = new Map<string, WorkerData>();
  /** Dataset (lineage node) names by id, for the storage page. */
  readonly datasetNames = new Map<number, string>();
  /** Bumped on every event; the live view uses it to tell whether anything changed. */
  version = 0;
  /** The time of the last event applied. */
  lastEventTime = 0;
  /** Finished jobs evicted to respect `retainedJobs`. */
  evictedJobs = 0;

  readonly #latestAttempt = new Map<number, number>();
  readonly #runningJobIds = new Set<number>();
  readonly #retainedJobs: number;
  readonly #retainedStages: number;
  readonly #retainedTasksPerStage: number;
  readonly #live: boolean;

  constructor(options: AppStatusStoreOptions = {}) {
    this.#retainedJobs = options.retainedJobs ?? 1000;
    this.#retainedStages = options.retainedStages ?? 1000;
    this.#retainedTasksPerStage = options.retainedTasksPerStage ?? 10_000;
    this.#live = options.live ?? true;
  }

  /** The time "now" for durations of things still running. */
  now(): number {
    if (this.application.endTime !== undefined) return this.application.endTime;
    return this.#live ? Date.now() : this.lastEventTime;
  }

  /** The stage attempt, or the latest attempt of the stage when `attempt` is omitted. */
  stage(stageId: number, attempt?: number): StageData | undefined {
    const wanted = attempt ?? this.#latestAttempt.get(stageId);
    return wanted === undefined ? undefined : this.stages.get(stageKey(stageId, wanted));
  }

  /** The attempts of a stage that are still retained, oldest first. */
  stageAttempts(stageId: number): StageData[] {
    const latest = this.#latestAttempt.get(stageId) ?? -1;
    const attempts: StageData[] = [];
    for (let attempt = 0; attempt <= latest; attempt++) {
      const stage = this.stages.get(stageKey(stageId, attempt));
      if (stage !== undefined) attempts.push(stage);
    }
    return attempts;
  }

  /** Applies one event. Never throws on events that arrive out of the usual order. */
  apply(event: SchedulerEvent): void {
    this.version += 1;
    this.lastEventTime = Math.max(this.lastEventTime, event.time);
    switch (event.type) {
      case 'applicationStart':
        this.application.appId = event.appId;
        this.application.appName = event.appName;
        this.application.startTime = event.time;
        break;
      case 'applicationEnd':
        this.application.endTime = event.time;
        break;
      case 'workerAdded':
        this.#onWorkerAdded(event);
        break;
      case 'workerLost':
        this.#onWorkerLost(event);
        break;
      case 'jobStart':
        this.#onJobStart(event);
        break;
      case 'jobEnd':
        this.#onJobEnd(event);
        break;
      case 'stageSubmitted':
        this.#onStageSubmitted(event);
        break;
      case 'stageCompleted':
        this.#onStageCompleted(event);
        break;
      case 'taskStart':
        this.#onTaskStart(event);
        break;
      case 'taskEnd':
        this.#onTaskEnd(event);
        break;
      case 'blockUpdated':
        this.#onBlockUpdated(event);
        break;
      case 'unpersistDataset':
        this.#onUnpersist(event.nodeId);
        break;
      case 'shuffleRemoved':
      case 'broadcastRemoved':
        break; // shuffle data and broadcasts are not on the storage page
      default:
        event satisfies never;
    }
  }

  #onWorkerAdded(event: Extract<SchedulerEvent, { type: 'workerAdded' }>): void {
    const existing = this.workers.get(event.workerId);
    if (existing !== undefined) {
      // A worker that reconnects under the same id is alive again.
      existing.address = event.address;
      existing.cores = event.cores;
      existing.pid = event.pid;
      existing.memoryBytes = event.memoryBytes;
      existing.addedTime = event.time;
      existing.isAlive = true;
      existing.removedTime = undefined;
      existing.removeReason = undefined;
      return;
    }
    this.workers.set(event.workerId, {
      workerId: event.workerId,
      address: event.address,
      cores: event.cores,
      pid: event.pid,
      memoryBytes: event.memoryBytes,
      addedTime: event.time,
      isAlive: true,
      removedTime: undefined,
      removeReason: undefined,
      counts: newCounts(),
      totals: newTotals(),
      blocks: new Map(),
      cachedBytes: 0,
    });
  }

  #onWorkerLost(event: Extract<SchedulerEvent, { type: 'workerLost' }>): void {
    const worker = this.workers.get(event.workerId);
    if (worker === undefined) return;
    worker.isAlive = false;
    worker.removedTime = event.time;
    worker.removeReason = event.reason;
    // Its cached blocks went with it (they are recomputed from lineage on use).
    worker.blocks.clear();
    worker.cachedBytes = 0;
  }

  #onJobStart(event: Extract<SchedulerEvent, { type: 'jobStart' }>): void {
    let numTasks = 0;
    for (const info of event.stages) {
      numTasks += info.numTasks;
      if (this.stage(info.stageId) === undefined) this.#addStage(info, event.jobId, 'pending');
    }
    // Only cached datasets have blocks to name; keeping just those bounds the map.
    for (const node of event.lineage) if (node.cached) this.datasetNames.set(node.id, node.name);
    this.#runningJobIds.add(event.jobId);
    this.jobs.set(event.jobId, {
      jobId: event.jobId,
      description: event.description,
      submissionTime: event.time,
      completionTime: undefined,
      status: 'running',
      error: undefined,
      stages: event.stages,
      lineage: event.lineage,
      numTasks,
      submittedStageIds: new Set(),
      completedStageIds: new Set(),
      failedStageIds: new Set(),
      numSkippedStages: 0,
      numSkippedTasks: 0,
      counts: newCounts(),
    });
  }

  #onJobEnd(event: Extract<SchedulerEvent, { type: 'jobEnd' }>): void {
    const job = this.jobs.get(event.jobId);
    if (job === undefined) return;
    job.status = event.result;
    job.error = event.error;
    job.completionTime = event.time;
    this.#runningJobIds.delete(event.jobId);
    for (const info of job.stages) {
      if (job.submittedStageIds.has(info.stageId)) continue;
      // Never run by this job: its output was there already (Spark's "skipped" stages).
      job.numSkippedStages += 1;
      job.numSkippedTasks += info.numTasks;
      const stage = this.stage(info.stageId);
      if (stage !== undefined && stage.status === 'pending') stage.status = 'skipped';
    }
    this.#evictJobs();
  }

  #onStageSubmitted(event: Extract<SchedulerEvent, { type: 'stageSubmitted' }>): void {
    const info = event.stage;
    let stage = this.stages.get(stageKey(info.stageId, info.attempt));
    if (stage === undefined) stage = this.#addStage(info, event.jobId, 'active');
    stage.info = info;
    stage.numTasks = event.partitions?.length ?? info.numTasks;
    stage.jobId = event.jobId;
    // The event names one job; every running job that needs this stage runs it too (Spark's
    // stage.jobIds). Stage events are rare, so a scan of the running jobs is fine here.
    const jobIds = [event.jobId];
    for (const jobId of this.#runningJobIds) {
      const job = this.jobs.get(jobId);
      if (jobId !== event.jobId && job?.stages.some((s) => s.stageId === info.stageId)) {
        jobIds.push(jobId);
      }
    }
    stage.jobIds = jobIds;
    stage.status = 'active';
    stage.submissionTime = event.time;
    stage.completionTime = undefined;
    stage.failureReason = undefined;
    for (const jobId of jobIds) this.jobs.get(jobId)?.submittedStageIds.add(info.stageId);
  }

  #onStageCompleted(event: Extract<SchedulerEvent, { type: 'stageCompleted' }>): void {
    const info = event.stage;
    const stage = this.stages.get(stageKey(info.stageId, info.attempt));
    if (stage === undefined) return;
    stage.info = info;
    stage.completionTime = event.time;
    stage.status = event.result === 'succeeded' ? 'complete' : event.result;
    stage.failureReason = event.reason;
    for (const jobId of stage.jobIds) {
      const job = this.jobs.get(jobId);
      if (job === undefined) continue;
      if (event.result === 'succeeded') {
        job.completedStageIds.add(info.stageId);
        job.failedStageIds.delete(info.stageId);
      } else if (event.result === 'failed') {
        job.failedStageIds.add(info.stageId);
      }
    }
    this.#evictStages();
  }

  #onTaskStart(event: Extract<SchedulerEvent, { type: 'taskStart' }>): void {
    const stage = this.stages.get(stageKey(event.stageId, event.stageAttempt));
    if (stage === undefined) return;
    stage.tasks.set(event.taskId, {
      taskId: event.taskId,
      partition: event.partition,
      attempt: event.attempt,
      workerId: event.workerId,
      speculative: event.speculative,
      launchTime: event.time,
      finishTime: undefined,
      status: 'running',
      error: undefined,
      metrics: undefined,
    });
    stage.counts.active += 1;
    for (const jobId of stage.jobIds) {
      const job = this.jobs.get(jobId);
      if (job !== undefined) job.counts.active += 1;
    }
    const worker = this.workers.get(event.workerId);
    if (worker !== undefined) worker.counts.active += 1;
    if (stage.tasks.size > this.#retainedTasksPerStage) this.#evictTasks(stage);
  }

  #onTaskEnd(event: TaskEndEvent): void {
    const stage = this.stages.get(stageKey(event.stageId, event.stageAttempt));
    if (stage === undefined) return;
    const worker = this.workers.get(event.workerId);
    let task = stage.tasks.get(event.taskId);
    if (task?.status === 'running') {
      // Only a task we saw start was counted as active.
      stage.counts.active -= 1;
      for (const jobId of stage.jobIds) {
        const job = this.jobs.get(jobId);
        if (job !== undefined) job.counts.active -= 1;
      }
      if (worker !== undefined) worker.counts.active -= 1;
    } else if (task === undefined) {
      task = {
        taskId: event.taskId,
        partition: event.partition,
        attempt: event.attempt,
        workerId: event.workerId,
        speculative: false,
        launchTime: undefined,
        finishTime: undefined,
        status: 'running',
        error: undefined,
        metrics: undefined,
      };
      stage.tasks.set(event.taskId, task);
    } else {
      return; // A duplicate end: already counted.
    }
    task.status = event.result;
    task.finishTime = event.time;
    task.error = event.error;
    task.metrics = event.metrics;
    const field = countField(event.result);
    stage.counts[field] += 1;
    for (const jobId of stage.jobIds) {
      const job = this.jobs.get(jobId);
      if (job !== undefined) job.counts[field] += 1;
    }
    if (worker !== undefined) worker.counts[field] += 1;
    if (event.result === 'success') stage.succeededPartitions.add(event.partition);
    if (event.metrics !== undefined) {
      addMetrics(stage.totals, event.metrics);
      if (worker !== undefined) addMetrics(worker.totals, event.metrics);
    }
    stage.finishedOrder.push(event.taskId);
    // Running tasks are never evicted, so a stage may be over the limit until they finish.
    if (stage.tasks.size > this.#retainedTasksPerStage) this.#evictTasks(stage);
  }

  #onBlockUpdated(event: Extract<SchedulerEvent, { type: 'blockUpdated' }>): void {
    const worker = this.workers.get(event.workerId);
    if (worker === undefined) return;
    const previous = worker.blocks.get(event.blockId);
    if (previous !== undefined) worker.cachedBytes -= previous.bytes;
    if (event.removed) {
      worker.blocks.delete(event.blockId);
      return;
    }
    worker.blocks.set(event.blockId, {
      blockId: event.blockId,
      workerId: event.workerId,
      bytes: event.bytes,
      time: event.time,
    });
    worker.cachedBytes += event.bytes;
  }

  /** A freed dataset's blocks leave every worker (Spark's onUnpersistRDD). */
  #onUnpersist(nodeId: number): void {
    const prefix = cacheBlockPrefix(nodeId);
    for (const worker of this.workers.values()) {
      for (const [blockId, block] of worker.blocks) {
        if (!blockId.startsWith(prefix)) continue;
        worker.blocks.delete(blockId);
        worker.cachedBytes -= block.bytes;
      }
    }
  }

  #addStage(info: StageInfo, jobId: number, status: StageStatus): StageData {
    const stage: StageData = {
      stageId: info.stageId,
      attempt: info.attempt,
      info,
      numTasks: info.numTasks,
      jobId,
      jobIds: [jobId],
      status,
      submissionTime: undefined,
      completionTime: undefined,
      failureReason: undefined,
      tasks: new Map(),
      evictedTasks: 0,
      finishedOrder: [],
      finishedHead: 0,
      succeededPartitions: new Set(),
      counts: newCounts(),
      totals: newTotals(),
    };
    this.stages.set(stageKey(info.stageId, info.attempt), stage);
    const latest = this.#latestAttempt.get(info.stageId);
    if (latest === undefined || info.attempt > latest) {
      this.#latestAttempt.set(info.stageId, info.attempt);
    }
    return stage;
  }

  /** Drops the oldest finished tasks of a stage past the limit; running ones are never dropped. */
  #evictTasks(stage: StageData): void {
    const order = stage.finishedOrder;
    while (stage.tasks.size > this.#retainedTasksPerStage && stage.finishedHead < order.length) {
      const taskId = order[stage.finishedHead++];
      if (taskId !== undefined && stage.tasks.delete(taskId)) stage.evictedTasks += 1;
    }
    // Compact now and then: amortised O(1), and the queue never outgrows the retained tasks.
    if (stage.finishedHead > 1024 && stage.finishedHead * 2 > order.length) {
      order.splice(0, stage.finishedHead);
      stage.finishedHead = 0;
    }
  }

  #evictJobs(): void {
    if (this.jobs.size <= this.#retainedJobs) return;
    for (const [jobId, job] of this.jobs) {
      if (job.status === 'running') continue;
      this.jobs.delete(jobId);
      this.evictedJobs += 1;
      if (this.jobs.size <= this.#retainedJobs) return;
    }
  }

  #evictStages(): void {
    if (this.stages.size <= this.#retainedStages) return;
    for (const [key, stage] of this.stages) {
      if (stage.status === 'active' || stage.status === 'pending') continue;
      this.stages.delete(key);
      if (this.#latestAttempt.get(stage.stageId) === stage.attempt) {
        this.#latestAttempt.delete(stage.stageId);
      }
      if (this.stages.size <= this.#retainedStages) return;
    }
  }
}

/** The key of a stage attempt in {@link AppStatusStore.stages}. */
export function stageKey(stageId: number, attempt: number): string {
  return `${stageId}.${attempt}`;
}

function countField(result: TaskEndEvent['result']): keyof TaskCounts {
  if (result === 'success') return 'succeeded';
  if (result === 'killed') return 'killed';
  return 'failed';
}

function addMetrics(totals: MetricTotals, metrics: TaskMetrics): void {
  totals.durationMs += metrics.durationMs;
  totals.recordsRead += metrics.recordsRead;
  totals.recordsWritten += metrics.recordsWritten;
  totals.shuffleBytesRead += metrics.shuffleBytesRead;
  totals.shuffleBytesWritten += metrics.shuffleBytesWritten;
  totals.spilledBytes += metrics.spilledBytes ?? 0;
}

function newCounts(): TaskCounts {
  return { active: 0, succeeded: 0, failed: 0, killed: 0 };
}

function newTotals(): MetricTotals {
  return {
    durationMs: 0,
    recordsRead: 0,
    recordsWritten: 0,
    shuffleBytesRead: 0,
    shuffleBytesWritten: 0,
    spilledBytes: 0,
  };
}
