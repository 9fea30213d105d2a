/**
 * Spark's TaskScheduler: places the tasks of submitted task sets on free worker slots, in FIFO
 * order of jobs and stages; retries a failed task on another worker when one exists, up to
 * `maxTaskFailures`; requeues the tasks of a lost worker; excludes a worker on which tasks of a job
 * keep failing; and, when asked, launches speculative copies of stragglers. It knows tasks and
 * workers, not the DAG; outcomes go to its listener. A task that reads cached partitions prefers
 * the workers holding them, waiting up to a locality wait for one of them (Spark's delay
 * scheduling) before it runs elsewhere and recomputes them.
 *
 * Short tasks are pipelined: when a task set's tasks (or, before any of them finished, the recent
 * tasks) take well under a millisecond, a worker is sent more tasks than its cores and queues them,
 * so it never idles for a round trip to the driver, which would cost more than such a task. Queued
 * tasks are offered round robin across workers. When queued tasks prove long after all, an idle
 * core elsewhere gets one: it is killed in its queue and, once its worker confirms, offered again.
 *
 * Invariants: a worker never holds more tasks than its cores plus its queue allowance, and runs at
 * most its cores at once (the worker queues the rest in launch order); a worker receives a stage
 * attempt's spec once, before that attempt's first task on it; a partition of a task set succeeds
 * at most once (the first result wins, later copies are killed or ignored), so its result and its
 * accumulator additions reach the listener once; a task set that is a zombie (its stage failed,
 * was resubmitted or cancelled) launches nothing more, but its running tasks may still finish;
 * a task is started (its taskStart posted) when it takes a core, at launch or when the tasks
 * before it in its worker's queue end (workers run their tasks in launch order, see Executor), and
 * one that never started posts no event at all: it is as if it had stayed pending; when a worker
 * is lost, only its started tasks count as failures, and the rest run again elsewhere.
 */
import {
  ErrorCode,
  type SerializedError,
  type StageSpec,
  type TaskMetrics,
  type TaskResult,
} from '@flint/worker';
import type { ListenerBus } from './events.js';
import { type ResolvedSpeculation, speculationThreshold } from './speculation.js';
import type { TaskAttemptFailure } from './taskFailedError.js';
import type { WorkerHandle, WorkerPool } from './workerPool.js';

/** The tasks of one stage attempt. */
export interface TaskSet {
  readonly stageId: number;
  readonly stageAttempt: number;
  readonly jobId: number;
  readonly spec: StageSpec;
  readonly partitions: readonly number[];
  /** `parallelize` data the task for a partition carries. */
  inputsFor(partition: number): Readonly<Record<string, readonly unknown[]>> | undefined;
  /** Workers that hold what the task for a partition reads (cached partitions), if any. */
  preferredWorkers?(partition: number): readonly string[];
}

/** Where a fetch failed: the map output a reducer could not read. */
export interface FetchFailure {
  readonly shuffleId: number;
  readonly mapIndex: number;
  readonly address: string;
}

/** What the task scheduler reports to the DAG scheduler. */
export interface TaskSchedulerListener {
  /** The first successful attempt of a partition of a task set. */
  taskSucceeded(taskSet: TaskSet, partition: number, result: TaskResult, workerId: string): void;
  /** A task failed `maxTaskFailures` times: the stage (and its jobs) cannot finish. */
  taskSetFailed(taskSet: TaskSet, partition: number, failures: readonly TaskAttemptFailure[]): void;
  /** A task could not read a map output of a parent stage; the task set became a zombie. */
  fetchFailed(taskSet: TaskSet, partition: number, fetch: FetchFailure): void;
}

/**
 * Spark's `excludeOnFailure.*.maxFailedTasksPerExecutor`: a worker on which this many different
 * tasks of one job failed runs no more tasks of that job.
 */
const MAX_FAILED_TASKS_PER_WORKER = 2;

/**
 * Spark's `spark.locality.wait`: how long a task set keeps tasks for the workers holding their
 * cached input while those are busy, before running them elsewhere (recomputing the input).
 */
const LOCALITY_WAIT_MS = 3_000;

/** Tasks estimated shorter than this are pipelined (queued on workers beyond their cores). */
const PIPELINE_BELOW_MS = 1;
/** How much estimated work a core gets queued: enough to cover a round trip to the driver. */
const QUEUED_WORK_MS = 2;
/** The most tasks queued per core. */
const MAX_QUEUED_PER_CORE = 32;
/**
 * The most tasks queued per core on the strength of other task sets' durations, before a task set's
 * own tasks say how long they take (a job of tiny tasks may be followed by one of long tasks).
 */
const MAX_QUEUED_PER_CORE_BY_PRIOR = 4;
/** Weight of the latest duration in the moving averages of task durations. */
const DURATION_WEIGHT = 0.25;

interface TaskAttempt {
  readonly taskId: number;
  readonly manager: TaskSetManager;
  readonly partition: number;
  readonly attempt: number;
  readonly workerId: string;
  readonly speculative: boolean;
  /**
   * Driver clock when it took a core on its worker (at launch, or once the tasks before it ended),
   * for speculation; undefined while it waits in the worker's queue.
   */
  startedAt?: number;
  /** Set once the scheduler asked the worker to kill it, with why. */
  killReason?: string;
  /** Killed before it started, to run elsewhere (see TaskScheduler#withdrawQueued). */
  withdrawn?: boolean;
}

/** The tasks a worker holds, as the driver knows them. */
interface WorkerTasks {
  readonly cores: number;
  readonly tasks: TaskAttempt[];
  started: number;
}

/** Per-task-set bookkeeping: what is pending, running and done, and how often each task failed. */
class TaskSetManager {
  /** Partitions this attempt must finish; grows when finished map outputs are lost. */
  readonly partitions: Set<number>;
  readonly pending: number[];
  readonly done = new Set<number>();
  readonly running = new Map<number, TaskAttempt[]>();
  readonly failures = new Map<number, TaskAttemptFailure[]>();
  readonly failedOn = new Map<number, Set<string>>();
  readonly attemptsLaunched = new Map<number, number>();
  /** Stragglers waiting for a slot for their speculative copy. */
  readonly speculatable = new Set<number>();
  readonly successDurations: number[] = [];
  readonly #preferred = new Map<number, readonly string[]>();
  /** Whether any task prefers some worker; without, the next pending task goes anywhere. */
  readonly #hasPreferences: boolean;
  /** When a task last launched where its cached input is (or the set was submitted). */
  lastLocalLaunch = Date.now();
  /** A zombie launches nothing more (its stage failed, was resubmitted or cancelled). */
  zombie = false;
  /** Moving average of the worker-measured durations of this set's finished tasks. */
  averageTaskMs: number | undefined;

  constructor(readonly taskSet: TaskSet) {
    this.partitions = new Set(taskSet.partitions);
    this.pending = [...taskSet.partitions];
    this.#hasPreferences = taskSet.partitions.some((p) => this.preferredWorkers(p).length > 0);
  }

  preferredWorkers(partition: number): readonly string[] {
    let preferred = this.#preferred.get(partition);
    if (!preferred) {
      preferred = this.taskSet.preferredWorkers?.(partition) ?? [];
      this.#preferred.set(partition, preferred);
    }
    return preferred;
  }

  get isFinished(): boolean {
    return this.runningCount() === 0 && (this.zombie || this.done.size === this.partitions.size);
  }

  runningCount(): number {
    let count = 0;
    for (const attempts of this.running.values()) count += attempts.length;
    return count;
  }

  attemptsOf(partition: number): readonly TaskAttempt[] {
    return this.running.get(partition) ?? [];
  }

  /**
   * The next pending partition to run on `workerId`. A task that failed on a worker waits for
   * another eligible worker where it has not failed yet, if there is one; once it failed on all of
   * them, it still avoids the worker of its last failure when it can.
   */
  takePending(workerId: string, eligible: readonly string[], now: number): number | undefined {
    // The common case, in O(1): no locality to honour and no failure to steer around.
    if (!this.#hasPreferences && this.failedOn.size === 0) return this.pending.shift();
    const allowed = (partition: number) => {
      const failedOn = this.failedOn.get(partition);
      if (!failedOn?.has(workerId)) return true;
      if (!eligible.every((id) => failedOn.has(id))) return false;
      return eligible.length === 1 || this.failures.get(partition)?.at(-1)?.workerId !== workerId;
    };
    // Locality first: a task whose cached input is here; then one whose input is on no live
    // worker (it recomputes anyway); then, once the locality wait is over, anything.
    let index = this.pending.findIndex(
      (p) => allowed(p) && this.preferredWorkers(p).includes(workerId),
    );
    if (index !== -1) this.lastLocalLaunch = now;
    if (index === -1) {
      index = this.pending.findIndex(
        (p) => allowed(p) && !this.preferredWorkers(p).some((id) => eligible.includes(id)),
      );
    }
    if (index === -1 && now - this.lastLocalLaunch >= LOCALITY_WAIT_MS)
      index = this.pending.findIndex(allowed);
    if (index === -1) return undefined;
    return this.pending.splice(index, 1)[0];
  }

  /** Whether a pending task may be waiting for a busy worker holding its input. */
  get waitsForLocality(): boolean {
    return this.#hasPreferences && this.pending.some((p) => this.preferredWorkers(p).length > 0);
  }

  /** A straggler to copy onto `workerId`: one not already running or failed there. */
  takeSpeculatable(workerId: string): number | undefined {
    for (const partition of this.speculatable) {
      const attempts = this.attemptsOf(partition);
      if (this.done.has(partition) || attempts.length !== 1) {
        this.speculatable.delete(partition);
        continue;
      }
      if (attempts.some((task) => task.workerId === workerId)) continue;
      if (this.failedOn.get(partition)?.has(workerId)) continue;
      this.speculatable.delete(partition);
      return partition;
    }
    return undefined;
  }
}

export class TaskScheduler {
  readonly #managers: TaskSetManager[] = [];
  readonly #running = new Map<number, TaskAttempt>();
  /**
   * Per worker, its tasks not yet reported back, in launch order (the order it runs them in), how
   * many of them started, and its cores (the pool forgets a lost worker before we hear of it).
   */
  readonly #outstanding = new Map<string, WorkerTasks>();
  /** Moving average of the worker-measured durations of recent tasks, across task sets. */
  #averageTaskMs: number | undefined;
  /** Withdrawn tasks whose workers have not confirmed yet. */
  #withdrawing = 0;
  /** Per job: per worker, the distinct tasks (`stage:partition`) that failed on it. */
  readonly #jobFailures = new Map<number, Map<string, Set<string>>>();
  readonly #excluded = new Map<number, Set<string>>();
  #nextTaskId = 0;
  #reviveScheduled = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly bus: ListenerBus,
    private readonly listener: TaskSchedulerListener,
    private readonly maxTaskFailures: number,
    private readonly speculation?: ResolvedSpeculation,
    /** Asks for `revived()` after a delay (the end of a locality wait). */
    private readonly scheduleRevive?: (delayMs: number) => void,
  ) {}

  /** Whether any task set is still active (pending or running tasks). */
  get hasActiveTaskSets(): boolean {
    return this.#managers.length > 0;
  }

  /** Tasks running now, on all workers. */
  get runningTaskCount(): number {
    return this.#running.size;
  }

  /** Workers excluded from a job because its tasks kept failing on them. */
  excludedWorkers(jobId: number): ReadonlySet<string> {
    return this.#excluded.get(jobId) ?? new Set();
  }

  submit(taskSet: TaskSet): void {
    this.#managers.push(new TaskSetManager(taskSet));
    this.#managers.sort(
      (a, b) => a.taskSet.jobId - b.taskSet.jobId || a.taskSet.stageId - b.taskSet.stageId,
    );
    this.reviveOffers();
  }

  /**
   * Stops launching every attempt of a stage; with `kill`, also kills their running tasks (the
   * workers report them as killed).
   */
  cancelStage(stageId: number, kill: boolean, reason: string): void {
    for (const manager of this.#managers) {
      if (manager.taskSet.stageId !== stageId) continue;
      this.#makeZombie(manager);
      if (kill)
        for (const attempts of manager.running.values())
          for (const task of attempts) this.#kill(task, reason);
    }
    this.#dropFinishedManagers();
  }

  /** Forgets a finished job's exclusions. */
  jobEnded(jobId: number): void {
    this.#jobFailures.delete(jobId);
    this.#excluded.delete(jobId);
  }

  /**
   * Runs again, in the stage's current attempt, map partitions that had finished but whose output
   * was lost with its worker. Returns false when the stage has no live attempt to run them in.
   */
  rerunPartitions(stageId: number, stageAttempt: number, partitions: readonly number[]): boolean {
    const manager = this.#managers.find(
      (m) => m.taskSet.stageId === stageId && m.taskSet.stageAttempt === stageAttempt && !m.zombie,
    );
    if (!manager) return false;
    for (const partition of partitions) {
      manager.partitions.add(partition);
      manager.done.delete(partition);
      // A copy still running (speculative) will produce the output again; otherwise run it.
      if (manager.attemptsOf(partition).length === 0 && !manager.pending.includes(partition)) {
        manager.pending.push(partition);
      }
    }
    this.reviveOffers();
    return true;
  }

  /**
   * Fills every free core on every worker with pending tasks, then speculative copies; then, for
   * short tasks, every worker's queue, round robin; then lets idle cores take over queued tasks.
   */
  reviveOffers(): void {
    const workers = [...this.pool.workers.values()];
    const liveIds = workers.map((worker) => worker.id);
    const now = Date.now();
    for (const worker of workers) {
      while (worker.runningTasks < worker.cores && this.#launchOne(worker, liveIds, now, false)) {
        // keep filling this worker's cores
      }
    }
    // One task per worker per round, so that queued tasks spread evenly.
    let offering = workers;
    while (offering.length > 0)
      offering = offering.filter((worker) => this.#launchOne(worker, liveIds, now, true));
    let idleCores = 0;
    for (const worker of workers) idleCores += Math.max(0, worker.cores - worker.runningTasks);
    // Idle cores take what waits behind long tasks in other workers' queues.
    if (idleCores > this.#withdrawing) this.#withdrawQueued(idleCores);
    const idleSlots = idleCores > 0;
    // A slot left idle for locality is offered again when the wait ends.
    if (idleSlots && this.scheduleRevive && !this.#reviveScheduled) {
      const waiting = this.#managers.filter(
        (manager) => !manager.zombie && manager.waitsForLocality,
      );
      if (waiting.length > 0) {
        const due = Math.min(
          ...waiting.map((manager) => manager.lastLocalLaunch + LOCALITY_WAIT_MS),
        );
        this.#reviveScheduled = true;
        this.scheduleRevive(Math.max(10, due - now));
      }
    }
  }

  /** A revive asked for with `scheduleRevive` is due. */
  revived(): void {
    this.#reviveScheduled = false;
    this.reviveOffers();
  }

  taskFinished(workerId: string, taskId: number, result: TaskResult, metrics: TaskMetrics): void {
    const task = this.#end(taskId, workerId);
    if (!task) return;
    const { manager, partition } = task;
    this.#noteDuration(manager, metrics.durationMs);
    this.#markStarted(task); // it ran, whatever the driver had inferred
    if (manager.done.has(partition)) {
      // Another attempt won the race; this one's result (and accumulator additions) is dropped.
      this.#postTaskEnd(task, 'killed', {
        reason: task.killReason ?? 'another attempt of this task finished first',
      });
    } else {
      manager.done.add(partition);
      manager.speculatable.delete(partition);
      manager.successDurations.push(Date.now() - (task.startedAt ?? Date.now()));
      this.#postTaskEnd(task, 'success', { metrics });
      for (const other of manager.attemptsOf(partition))
        this.#kill(other, 'another attempt of this task finished first');
      this.listener.taskSucceeded(manager.taskSet, partition, result, workerId);
    }
    this.#startQueued(workerId);
    this.#dropFinishedManagers();
    this.reviveOffers();
  }

  taskFailed(
    workerId: string,
    taskId: number,
    error: SerializedError,
    fetchFailure: FetchFailure | undefined,
    killed: boolean,
  ): void {
    const task = this.#end(taskId, workerId);
    if (!task) return;
    const { manager, partition } = task;
    if (killed || task.killReason !== undefined) {
      // Killed in the worker's queue, it never started: no event, as for a pending task.
      if (task.startedAt !== undefined)
        this.#postTaskEnd(task, 'killed', {
          reason: task.killReason ?? 'the worker stopped it',
          error,
        });
      this.#requeueIfNeeded(task);
    } else if (fetchFailure) {
      this.#markStarted(task);
      this.#postTaskEnd(task, 'fetchFailed', { error, fetchFailure });
      if (!manager.zombie) {
        // The stage must be resubmitted once the lost map outputs are recomputed; this attempt's
        // remaining tasks would fail the same way. Running ones may still finish and count.
        this.#makeZombie(manager);
        this.listener.fetchFailed(manager.taskSet, partition, fetchFailure);
      }
    } else {
      this.#markStarted(task);
      const excluded = this.#noteFailureOnWorker(task);
      this.#postTaskEnd(task, 'failed', { error, ...(excluded ? { workerExcluded: true } : {}) });
      this.#recordFailure(task, { attempt: task.attempt, workerId, error });
    }
    this.#startQueued(workerId);
    this.#dropFinishedManagers();
    this.reviveOffers();
  }

  /**
   * Ends the tasks a lost worker was running. Each counts as a failure of its task (as in Spark:
   * a task that crashes its worker must not crash workers forever), and is retried elsewhere. The
   * tasks still in its queue had not started: they run elsewhere, with no failure counted.
   */
  workerLost(workerId: string, reason: string): void {
    const tasks = this.#outstanding.get(workerId)?.tasks ?? [];
    this.#outstanding.delete(workerId);
    for (const task of tasks) {
      this.#running.delete(task.taskId);
      this.#removeAttempt(task);
      if (task.withdrawn) this.#withdrawing--;
      if (task.startedAt === undefined) {
        this.#requeueIfNeeded(task);
        continue;
      }
      const error: SerializedError = {
        name: 'FlintError',
        code: ErrorCode.WORKER_LOST,
        message: `Worker ${workerId} was lost while running this task (${reason}).`,
      };
      this.#postTaskEnd(task, 'lost', { error, reason });
      if (task.killReason !== undefined) this.#requeueIfNeeded(task);
      else this.#recordFailure(task, { attempt: task.attempt, workerId, error });
    }
    this.#dropFinishedManagers();
    this.reviveOffers();
  }

  /** Marks stragglers of every active stage attempt for a speculative copy, then launches them. */
  checkSpeculation(now = Date.now()): void {
    const options = this.speculation;
    if (!options) return;
    let found = false;
    for (const manager of this.#managers) {
      if (manager.zombie) continue;
      const threshold = speculationThreshold(
        manager.partitions.size,
        manager.successDurations,
        options,
      );
      if (threshold === undefined) continue;
      for (const [partition, attempts] of manager.running) {
        if (
          manager.done.has(partition) ||
          attempts.length !== 1 ||
          manager.speculatable.has(partition)
        )
          continue;
        const startedAt = attempts[0]?.startedAt;
        if (startedAt !== undefined && now - startedAt > threshold) {
          manager.speculatable.add(partition);
          found = true;
        }
      }
    }
    if (found) this.reviveOffers();
  }

  // Failures ----------------------------------------------------------------------------------

  #recordFailure(task: TaskAttempt, failure: TaskAttemptFailure): void {
    const { manager, partition } = task;
    if (manager.done.has(partition)) return;
    const failures = manager.failures.get(partition) ?? [];
    failures.push(failure);
    manager.failures.set(partition, failures);
    const failedOn = manager.failedOn.get(partition) ?? new Set<string>();
    manager.failedOn.set(partition, failedOn);
    failedOn.add(task.workerId);
    if (manager.zombie) return;
    if (failures.length >= this.maxTaskFailures) {
      this.#makeZombie(manager);
      for (const attempts of manager.running.values()) {
        for (const other of attempts)
          this.#kill(other, `task for partition ${partition} failed too often`);
      }
      this.listener.taskSetFailed(manager.taskSet, partition, failures);
      return;
    }
    // A speculative copy may still succeed; only requeue when no attempt is left running.
    if (manager.attemptsOf(partition).length === 0 && !manager.pending.includes(partition)) {
      manager.pending.unshift(partition);
    }
  }

  /** Puts back a killed or lost task whose partition still needs a result (defensive). */
  #requeueIfNeeded(task: TaskAttempt): void {
    const { manager, partition } = task;
    // An attempt that never took a core (killed or lost in a worker's queue) gives its number
    // back when no later one was launched, so attempt numbers count attempts that ran.
    if (
      task.startedAt === undefined &&
      manager.attemptsLaunched.get(partition) === task.attempt + 1
    )
      manager.attemptsLaunched.set(partition, task.attempt);
    if (manager.zombie || manager.done.has(partition) || manager.attemptsOf(partition).length > 0)
      return;
    if (!manager.pending.includes(partition)) manager.pending.unshift(partition);
  }

  /** Counts a user failure against its worker; returns true when that excluded the worker. */
  #noteFailureOnWorker(task: TaskAttempt): boolean {
    const { jobId, stageId } = task.manager.taskSet;
    const byWorker = this.#jobFailures.get(jobId) ?? new Map<string, Set<string>>();
    this.#jobFailures.set(jobId, byWorker);
    const tasks = byWorker.get(task.workerId) ?? new Set<string>();
    byWorker.set(task.workerId, tasks);
    tasks.add(`${stageId}:${task.partition}`);
    const excluded = this.#excluded.get(jobId) ?? new Set<string>();
    if (tasks.size < MAX_FAILED_TASKS_PER_WORKER || excluded.has(task.workerId)) return false;
    excluded.add(task.workerId);
    this.#excluded.set(jobId, excluded);
    // What of the job waits in its queue runs elsewhere: nothing of it starts there any more.
    for (const queued of this.#outstanding.get(task.workerId)?.tasks ?? []) {
      if (
        queued.startedAt === undefined &&
        queued.killReason === undefined &&
        queued.manager.taskSet.jobId === jobId
      )
        this.#withdraw(queued, 'its worker was excluded from the job');
    }
    return true;
  }

  /**
   * Workers that may run a job's tasks: the live ones not excluded from it. When every live worker
   * is excluded, all of them stay eligible, so the job ends by `maxTaskFailures` with the user's
   * own error instead of waiting forever.
   */
  #eligibleWorkers(jobId: number, liveIds: readonly string[]): readonly string[] {
    const excluded = this.#excluded.get(jobId);
    if (!excluded) return liveIds;
    const eligible = liveIds.filter((id) => !excluded.has(id));
    return eligible.length > 0 ? eligible : liveIds;
  }

  // Launching ---------------------------------------------------------------------------------

  /**
   * Launches one task on `worker`: on a free core, or with `queue`, into its queue when the task
   * set's tasks are short enough to be pipelined.
   */
  #launchOne(
    worker: WorkerHandle,
    liveIds: readonly string[],
    now: number,
    queue: boolean,
  ): boolean {
    for (const manager of this.#managers) {
      if (manager.zombie) continue;
      const capacity = worker.cores * (1 + (queue ? this.#queuedPerCore(manager) : 0));
      if (worker.runningTasks >= capacity) continue;
      const eligible = this.#eligibleWorkers(manager.taskSet.jobId, liveIds);
      if (!eligible.includes(worker.id)) continue;
      const partition = manager.takePending(worker.id, eligible, now);
      if (partition !== undefined) {
        this.#launch(worker, manager, partition, false);
        return true;
      }
      // A speculative copy only takes a free core: queued behind others, it would gain nothing.
      if (queue) continue;
      const straggler = manager.takeSpeculatable(worker.id);
      if (straggler !== undefined) {
        this.#launch(worker, manager, straggler, true);
        return true;
      }
    }
    return false;
  }

  /** How many tasks of the set each core may hold queued: 0 unless they are short. */
  #queuedPerCore(manager: TaskSetManager): number {
    const own = manager.averageTaskMs;
    const estimate = own ?? this.#averageTaskMs;
    if (estimate === undefined || estimate >= PIPELINE_BELOW_MS) return 0;
    const perCore = Math.min(MAX_QUEUED_PER_CORE, Math.ceil(QUEUED_WORK_MS / estimate));
    return own === undefined ? Math.min(perCore, MAX_QUEUED_PER_CORE_BY_PRIOR) : perCore;
  }

  #noteDuration(manager: TaskSetManager, durationMs: number): void {
    if (!(durationMs >= 0 && durationMs < Number.POSITIVE_INFINITY)) return;
    manager.averageTaskMs = movingAverage(manager.averageTaskMs, durationMs);
    this.#averageTaskMs = movingAverage(this.#averageTaskMs, durationMs);
  }

  /**
   * Takes back from their workers' queues up to `idleCores` tasks that have not started, of task
   * sets whose tasks turned out not to be short, so that idle cores elsewhere run them: each is
   * killed where it waits and, once its worker confirms, pending again. (Launching a copy at once
   * would race with a worker that started it meanwhile.)
   */
  #withdrawQueued(idleCores: number): void {
    let wanted = idleCores - this.#withdrawing;
    for (const { tasks } of this.#outstanding.values()) {
      // From the back: the tasks that would start last.
      for (let i = tasks.length - 1; i >= 0 && wanted > 0; i--) {
        const task = tasks[i] as TaskAttempt;
        const { manager, partition } = task;
        if (task.startedAt !== undefined) break;
        if (
          manager.zombie ||
          task.killReason !== undefined ||
          this.#queuedPerCore(manager) > 0 ||
          manager.done.has(partition) ||
          manager.attemptsOf(partition).length !== 1
        )
          continue;
        this.#withdraw(task, 'a core is idle elsewhere');
        wanted--;
      }
    }
  }

  /** Kills a task that has not started, so that it runs elsewhere (see #withdrawQueued). */
  #withdraw(task: TaskAttempt, reason: string): void {
    task.withdrawn = true;
    this.#withdrawing++;
    this.#kill(task, reason);
  }

  #launch(
    worker: WorkerHandle,
    manager: TaskSetManager,
    partition: number,
    speculative: boolean,
  ): void {
    const { taskSet } = manager;
    const attempt = manager.attemptsLaunched.get(partition) ?? 0;
    manager.attemptsLaunched.set(partition, attempt + 1);
    const taskId = this.#nextTaskId++;
    if (!worker.definedStages.has(taskSet.spec.stageKey)) {
      this.pool.send(worker.id, { type: 'defineStage', stage: taskSet.spec });
      worker.definedStages.add(taskSet.spec.stageKey);
    }
    const inputs = taskSet.inputsFor(partition);
    this.pool.send(worker.id, {
      type: 'launchTask',
      task: {
        taskId,
        stageKey: taskSet.spec.stageKey,
        partition,
        attempt,
        ...(inputs ? { inputs } : {}),
      },
    });
    worker.runningTasks++;
    const task: TaskAttempt = {
      taskId,
      manager,
      partition,
      attempt,
      workerId: worker.id,
      speculative,
    };
    this.#running.set(taskId, task);
    const held = this.#outstanding.get(worker.id);
    if (held) held.tasks.push(task);
    else this.#outstanding.set(worker.id, { cores: worker.cores, tasks: [task], started: 0 });
    const attempts = manager.running.get(partition);
    if (attempts) attempts.push(task);
    else manager.running.set(partition, [task]);
    this.#startQueued(worker.id);
  }

  /**
   * Marks started the tasks that hold a core on `workerId`: its oldest ones, as it runs them in
   * launch order (a task killed while it waited does not count: it left the queue).
   */
  #startQueued(workerId: string): void {
    const held = this.#outstanding.get(workerId);
    if (!held || held.started >= held.cores) return;
    for (const task of held.tasks) {
      if (held.started >= held.cores) return;
      if (task.startedAt === undefined && task.killReason === undefined) {
        this.#markStarted(task);
        held.started++;
      }
    }
  }

  /** Records that a task took a core (the caller counts it in its worker's tasks, if held). */
  #markStarted(task: TaskAttempt): void {
    if (task.startedAt !== undefined) return;
    task.startedAt = Date.now();
    const { taskSet } = task.manager;
    this.bus.post({
      type: 'taskStart',
      time: task.startedAt,
      taskId: task.taskId,
      stageId: taskSet.stageId,
      stageAttempt: taskSet.stageAttempt,
      partition: task.partition,
      attempt: task.attempt,
      workerId: task.workerId,
      speculative: task.speculative,
    });
  }

  #kill(task: TaskAttempt, reason: string): void {
    if (task.killReason !== undefined) return;
    task.killReason = reason;
    this.pool.send(task.workerId, { type: 'killTask', taskId: task.taskId });
  }

  #makeZombie(manager: TaskSetManager): void {
    manager.zombie = true;
    manager.pending.length = 0;
    manager.speculatable.clear();
  }

  #end(taskId: number, workerId: string): TaskAttempt | undefined {
    const task = this.#running.get(taskId);
    if (!task || task.workerId !== workerId) return undefined;
    this.#running.delete(taskId);
    this.#removeAttempt(task);
    const held = this.#outstanding.get(workerId);
    const index = held?.tasks.indexOf(task) ?? -1;
    if (held && index !== -1) {
      held.tasks.splice(index, 1);
      if (task.startedAt !== undefined) held.started--;
    }
    if (task.withdrawn) this.#withdrawing--;
    const worker = this.pool.workers.get(workerId);
    if (worker) worker.runningTasks = Math.max(0, worker.runningTasks - 1);
    return task;
  }

  #removeAttempt(task: TaskAttempt): void {
    const attempts = task.manager.running.get(task.partition);
    if (!attempts) return;
    const remaining = attempts.filter((other) => other !== task);
    if (remaining.length > 0) task.manager.running.set(task.partition, remaining);
    else task.manager.running.delete(task.partition);
  }

  #postTaskEnd(
    task: TaskAttempt,
    result: 'success' | 'failed' | 'killed' | 'fetchFailed' | 'lost',
    details: {
      readonly error?: SerializedError;
      readonly metrics?: TaskMetrics;
      readonly reason?: string;
      readonly fetchFailure?: FetchFailure;
      readonly workerExcluded?: boolean;
    } = {},
  ): void {
    const { error, metrics, reason, fetchFailure, workerExcluded } = details;
    this.bus.post({
      type: 'taskEnd',
      time: Date.now(),
      taskId: task.taskId,
      stageId: task.manager.taskSet.stageId,
      stageAttempt: task.manager.taskSet.stageAttempt,
      partition: task.partition,
      attempt: task.attempt,
      workerId: task.workerId,
      result,
      ...(error
        ? { error: { message: error.message, ...(error.stack ? { stack: error.stack } : {}) } }
        : {}),
      ...(metrics ? { metrics } : {}),
      ...(reason ? { reason } : {}),
      ...(task.speculative ? { speculative: true } : {}),
      ...(fetchFailure ? { fetchFailure: { ...fetchFailure } } : {}),
      ...(workerExcluded ? { workerExcluded } : {}),
    });
  }

  #dropFinishedManagers(): void {
    for (let i = this.#managers.length - 1; i >= 0; i--) {
      if ((this.#managers[i] as TaskSetManager).isFinished) this.#managers.splice(i, 1);
    }
  }
}

function movingAverage(previous: number | undefined, latest: number): number {
  return previous === undefined ? latest : previous + DURATION_WEIGHT * (latest - previous);
}
