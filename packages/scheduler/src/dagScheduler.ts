/**
 * Spark's DAGScheduler: turns an action on a lineage node into a job, cuts the job into stages at
 * shuffle dependencies, submits a stage once its parents' map outputs exist, and recovers lost map
 * outputs from lineage: when a worker is lost its outputs are forgotten (a running map stage runs
 * those partitions again), and when a reducer cannot fetch a block the reduce stage is resubmitted
 * after the parent stage recomputed only its missing partitions.
 *
 * It is one event loop: everything that happens (a job submitted or cancelled, a task ended, a
 * worker joined or was lost, a timer fired) is an event handled by `onEvent`, one at a time, in
 * order; timers only post events.
 *
 * Invariants: a shuffle has at most one ShuffleMapStage, shared by every job that needs it, and its
 * map outputs outlive the job (later jobs skip the stage); a stage runs only when every parent
 * shuffle is fully available; a job settles exactly once; a partition's accumulator additions are
 * applied once per stage, whatever retries, speculative copies or recomputations ran.
 *
 * Cached partitions: the driver infers where each lives from the tasks that computed it, and asks
 * the task scheduler to run a task where the cached partitions it reads are. A lost worker's
 * entries are dropped, so its partitions are recomputed from lineage wherever a slot is free.
 */
import {
  cacheBlockId,
  ErrorCode,
  FlintError,
  type PipelineNode,
  parentPartitions,
  type ResultSpec,
  type SerializedError,
  type TaskMetrics,
  type TaskResult,
} from '@flint/worker';
import type { LineageNodeInfo, ListenerBus, MapOutputsInfo, StageInfo } from './events.js';
import type { LineageNode } from './lineage.js';
import { MapOutputTracker } from './mapOutputTracker.js';
import { resolveSpeculation, type SpeculationOptions } from './speculation.js';
import {
  nodesInStage,
  type ResultStage,
  type ShuffleMapStage,
  type Stage,
  shuffleDependenciesOf,
  stageKey,
} from './stage.js';
import { type TaskAttemptFailure, TaskFailedError } from './taskFailedError.js';
import {
  type FetchFailure,
  TaskScheduler,
  type TaskSchedulerListener,
  type TaskSet,
} from './taskScheduler.js';
import type { WorkerHandle, WorkerPool } from './workerPool.js';

/** How the scheduler treats slow tasks. */
export interface SchedulerOptions {
  /** Launch copies of stragglers (`true`: Spark's thresholds). @default false */
  readonly speculation?: boolean | SpeculationOptions;
}

/** Options of a job. */
export interface JobOptions {
  readonly signal?: AbortSignal;
  /** What the UI shows for the job, e.g. 'count at app.ts:12'. */
  readonly description?: string;
}

export type DAGSchedulerEvent =
  | { readonly type: 'jobSubmitted'; readonly job: ActiveJob }
  | { readonly type: 'jobCancelled'; readonly jobId: number; readonly reason: string }
  | { readonly type: 'workerAdded'; readonly worker: WorkerHandle }
  | { readonly type: 'workerLost'; readonly workerId: string; readonly reason: string }
  | {
      readonly type: 'taskFinished';
      readonly workerId: string;
      readonly taskId: number;
      readonly result: TaskResult;
      readonly metrics: TaskMetrics;
    }
  | {
      readonly type: 'taskFailed';
      readonly workerId: string;
      readonly taskId: number;
      readonly error: SerializedError;
      readonly fetchFailure: FetchFailure | undefined;
      readonly killed: boolean;
    }
  | {
      /** A worker stored a cached partition, or dropped one (evicted, unpersisted). */
      readonly type: 'blockUpdated';
      readonly workerId: string;
      readonly nodeId: number;
      readonly partition: number;
      readonly bytes: number;
      readonly removed: boolean;
    }
  | { readonly type: 'resubmitFailedStages' }
  | { readonly type: 'checkSpeculation' }
  | { readonly type: 'reviveOffers' };

interface ActiveJob {
  readonly jobId: number;
  readonly finalNode: LineageNode;
  readonly result: ResultSpec;
  readonly partitions: readonly number[];
  /** Where each partition's result goes in `results`. */
  readonly indexOfPartition: ReadonlyMap<number, number>;
  readonly description: string;
  readonly results: unknown[];
  readonly finished: boolean[];
  numFinished: number;
  finalStage?: ResultStage;
  resolve(results: unknown[]): void;
  reject(error: Error): void;
}

/** How long to wait after a fetch failure before resubmitting, so more failures can batch up. */
const RESUBMIT_DELAY_MS = 50;
/** Spark's spark.stage.maxConsecutiveAttempts. */
const MAX_STAGE_ATTEMPTS = 4;

export class DAGScheduler implements TaskSchedulerListener {
  readonly mapOutputs = new MapOutputTracker();
  /** Hears the accumulator additions of each partition's first successful task, once. */
  accumulatorListener: ((updates: readonly (readonly [number, number])[]) => void) | undefined;
  readonly #taskScheduler: TaskScheduler;
  readonly #jobs = new Map<number, ActiveJob>();
  readonly #shuffleStages = new Map<number, ShuffleMapStage>();
  readonly #waiting = new Set<Stage>();
  readonly #running = new Set<Stage>();
  readonly #failed = new Set<Stage>();
  /** Partitions of a running stage attempt still to finish. */
  readonly #pendingPartitions = new Map<Stage, Set<number>>();
  readonly #events: DAGSchedulerEvent[] = [];
  /** `stage:partition` whose accumulator additions were applied (a stage's tasks may run again). */
  readonly #accumulatorsApplied = new Set<string>();
  /** PIDs of live workers, for loss events. */
  readonly #workerPids = new Map<string, number>();
  /** Where cached partitions live: lineage node id -> partition -> workers holding it. */
  readonly #cacheLocations = new Map<number, Map<number, Set<string>>>();
  readonly #speculationIntervalMs: number | undefined;
  #speculationTimer: NodeJS.Timeout | undefined;
  #processing = false;
  #nextJobId = 0;
  #nextStageId = 0;

  constructor(
    private readonly pool: WorkerPool,
    private readonly bus: ListenerBus,
    maxTaskFailures: number,
    options: SchedulerOptions = {},
  ) {
    const speculation = resolveSpeculation(options.speculation);
    this.#speculationIntervalMs = speculation?.intervalMs;
    this.#taskScheduler = new TaskScheduler(
      pool,
      bus,
      this,
      maxTaskFailures,
      speculation,
      (delayMs) => {
        setTimeout(() => this.post({ type: 'reviveOffers' }), delayMs).unref();
      },
    );
  }

  /**
   * Runs `result` over the given partitions of `node` and resolves with one result per partition,
   * in the order given. Spark's `runJob`.
   */
  runJob(
    node: LineageNode,
    result: ResultSpec,
    partitions: readonly number[],
    options: JobOptions = {},
  ): Promise<unknown[]> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelled(signal.reason));
    return new Promise((resolve, reject) => {
      const jobId = this.#nextJobId++;
      const onAbort = () =>
        this.post({ type: 'jobCancelled', jobId, reason: describeReason(signal?.reason) });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const job: ActiveJob = {
        jobId,
        finalNode: node,
        result,
        partitions,
        indexOfPartition: new Map(partitions.map((partition, index) => [partition, index])),
        description: options.description ?? `job ${jobId}`,
        results: new Array(partitions.length),
        finished: new Array(partitions.length).fill(false),
        numFinished: 0,
        resolve: (results) => {
          settle();
          resolve(results);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      this.post({ type: 'jobSubmitted', job });
    });
  }

  /** Queues an event; events are handled one at a time, in order. */
  post(event: DAGSchedulerEvent): void {
    this.#events.push(event);
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (let next = this.#events.shift(); next; next = this.#events.shift()) this.onEvent(next);
    } finally {
      this.#processing = false;
      this.#updateSpeculationTimer();
    }
  }

  /** Fails every active job (the context is stopping). */
  cancelAll(reason: string): void {
    for (const jobId of [...this.#jobs.keys()]) this.post({ type: 'jobCancelled', jobId, reason });
  }

  /**
   * Forgets a shuffle's map outputs and frees its blocks on every worker. For a shuffle no
   * dataset can reach any more: one a running job still reads would be recomputed.
   */
  removeShuffle(shuffleId: number): void {
    this.#shuffleStages.delete(shuffleId);
    this.mapOutputs.unregisterShuffle(shuffleId);
    for (const worker of this.pool.workers.values())
      this.pool.send(worker.id, { type: 'removeShuffle', shuffleId });
    this.bus.post({ type: 'shuffleRemoved', time: Date.now(), shuffleId });
  }

  /** Frees a dataset's cached partitions on every worker and forgets where they were. */
  unpersist(nodeId: number): void {
    this.#cacheLocations.delete(nodeId);
    for (const worker of this.pool.workers.values())
      this.pool.send(worker.id, { type: 'unpersist', nodeId });
    this.bus.post({ type: 'unpersistDataset', time: Date.now(), nodeId });
  }

  onEvent(event: DAGSchedulerEvent): void {
    switch (event.type) {
      case 'jobSubmitted':
        this.#handleJobSubmitted(event.job);
        break;
      case 'jobCancelled':
        this.#failJob(event.jobId, cancelled(event.reason), 'cancelled');
        break;
      case 'workerAdded':
        if (event.worker.pid !== undefined) this.#workerPids.set(event.worker.id, event.worker.pid);
        this.bus.post({
          type: 'workerAdded',
          time: Date.now(),
          workerId: event.worker.id,
          address: event.worker.blockServer,
          cores: event.worker.cores,
          ...(event.worker.pid === undefined ? {} : { pid: event.worker.pid }),
        });
        this.#taskScheduler.reviveOffers();
        break;
      case 'workerLost':
        this.#handleWorkerLost(event.workerId, event.reason);
        break;
      case 'taskFinished':
        this.#taskScheduler.taskFinished(event.workerId, event.taskId, event.result, event.metrics);
        break;
      case 'taskFailed': {
        const { workerId, taskId, error, fetchFailure, killed } = event;
        this.#taskScheduler.taskFailed(workerId, taskId, error, fetchFailure, killed);
        break;
      }
      case 'blockUpdated':
        this.#onBlockUpdated(event);
        break;
      case 'resubmitFailedStages':
        this.#resubmitFailedStages();
        break;
      case 'checkSpeculation':
        this.#taskScheduler.checkSpeculation();
        break;
      case 'reviveOffers':
        this.#taskScheduler.revived();
        break;
      default:
        event satisfies never;
    }
  }

  // TaskSchedulerListener ---------------------------------------------------------------------------

  taskSucceeded(taskSet: TaskSet, partition: number, result: TaskResult, workerId: string): void {
    const stage = this.#stageOf(taskSet);
    if (!stage) return;
    // Before the job can resolve, so the driver sees the additions when the action returns; once
    // per stage and partition, even when a lost map output made the partition run again.
    const appliedKey = `${stage.id}:${partition}`;
    if (!this.#accumulatorsApplied.has(appliedKey)) {
      this.#accumulatorsApplied.add(appliedKey);
      if (result.accumulatorUpdates?.length) this.accumulatorListener?.(result.accumulatorUpdates);
    }
    if (stage.kind === 'ShuffleMapStage') {
      const worker = this.pool.workers.get(workerId);
      if (result.kind !== 'mapStatus') return;
      if (!worker) {
        // Its worker was lost with the output: run the partition again.
        this.#taskScheduler.rerunPartitions(stage.id, taskSet.stageAttempt, [partition]);
        return;
      }
      this.mapOutputs.registerMapOutput(stage.shuffle.shuffleId, partition, {
        workerId,
        address: worker.blockServer,
        sizes: result.sizes,
      });
    } else {
      const job = this.#jobs.get(stage.jobId);
      if (!job || result.kind !== 'value') return;
      const index = job.indexOfPartition.get(partition);
      if (index === undefined || job.finished[index]) return;
      job.finished[index] = true;
      job.results[index] = result.value;
      job.numFinished++;
      if (job.numFinished === job.partitions.length && !this.#running.has(stage)) {
        // The last results came from an attempt already resubmitted after a fetch failure: the
        // job has everything it needs, whatever its stages were about to recompute.
        this.#finishJob(job);
        return;
      }
    }
    const pending = this.#pendingPartitions.get(stage);
    pending?.delete(partition);
    if (pending?.size === 0 && this.#running.has(stage)) this.#stageFinished(stage);
  }

  taskSetFailed(
    taskSet: TaskSet,
    partition: number,
    failures: readonly TaskAttemptFailure[],
  ): void {
    const stage = this.#stageOf(taskSet);
    if (!stage) return;
    this.#abortStage(stage, new TaskFailedError(stage.id, partition, failures));
  }

  fetchFailed(taskSet: TaskSet, _partition: number, fetch: FetchFailure): void {
    const stage = this.#stageOf(taskSet);
    if (!stage || !this.#isActive(stage)) return;
    // An attempt already resubmitted: its failure says nothing new (Spark ignores it too).
    if (taskSet.stageAttempt !== stage.attempts - 1 || !this.#running.has(stage)) return;
    // Every output at that address is suspect: its worker is gone or unreachable (Spark, without
    // an external shuffle service, forgets all of a failed executor's outputs too).
    const lost = this.mapOutputs.removeOutputsAtAddress(fetch.address);
    this.#rerunLostMapOutputs(lost);
    this.#running.delete(stage);
    this.#pendingPartitions.delete(stage);
    stage.fetchFailures++;
    const reason = `could not fetch map output ${fetch.mapIndex} of shuffle ${fetch.shuffleId} from ${fetch.address}`;
    this.#postStageCompleted(stage, 'resubmitted', reason, lost);
    if (stage.fetchFailures >= MAX_STAGE_ATTEMPTS) {
      const message =
        `Stage ${stage.id} failed ${stage.fetchFailures} times in a row because map outputs of its parent stage ` +
        `could not be fetched (the last from ${fetch.address}). Workers holding shuffle data keep disappearing: ` +
        'check that they stay up (crashes, memory limits) and can reach each other on their block server ports.';
      this.#abortStage(stage, new FlintError(ErrorCode.FETCH_FAILED, message));
      return;
    }
    const shouldSchedule = this.#failed.size === 0;
    this.#failed.add(stage);
    const mapStage = this.#shuffleStages.get(fetch.shuffleId);
    if (mapStage) this.#failed.add(mapStage);
    if (shouldSchedule)
      setTimeout(() => this.post({ type: 'resubmitFailedStages' }), RESUBMIT_DELAY_MS).unref();
  }

  // Jobs and stages ---------------------------------------------------------------------------------

  #handleJobSubmitted(job: ActiveJob): void {
    let finalStage: ResultStage;
    try {
      finalStage = this.#createResultStage(job);
    } catch (error) {
      job.reject(error as Error);
      return;
    }
    job.finalStage = finalStage;
    this.#jobs.set(job.jobId, job);
    const stages = collectStages(finalStage);
    this.bus.post({
      type: 'jobStart',
      time: Date.now(),
      jobId: job.jobId,
      description: job.description,
      stages: stages.map((stage) => this.#stageInfo(stage, stage.attempts)),
      lineage: lineageInfo(stages),
    });
    if (job.partitions.length === 0) {
      this.#finishJob(job);
      return;
    }
    this.#submitStage(finalStage);
  }

  #createResultStage(job: ActiveJob): ResultStage {
    const stage: ResultStage = {
      kind: 'ResultStage',
      id: this.#nextStageId++,
      node: job.finalNode,
      parents: this.#parentStages(job.finalNode, job.jobId),
      numPartitions: job.finalNode.numPartitions,
      jobIds: new Set([job.jobId]),
      jobId: job.jobId,
      attempts: 0,
      fetchFailures: 0,
    };
    return stage;
  }

  #parentStages(node: LineageNode, jobId: number): ShuffleMapStage[] {
    return shuffleDependenciesOf(node).map((dependency) => {
      let stage = this.#shuffleStages.get(dependency.shuffleId);
      if (!stage) {
        stage = {
          kind: 'ShuffleMapStage',
          id: this.#nextStageId++,
          node: dependency.parent,
          parents: this.#parentStages(dependency.parent, jobId),
          numPartitions: dependency.parent.numPartitions,
          jobIds: new Set(),
          shuffle: dependency,
          attempts: 0,
          fetchFailures: 0,
        };
        this.#shuffleStages.set(dependency.shuffleId, stage);
        this.mapOutputs.registerShuffle(dependency.shuffleId, dependency.parent.numPartitions);
      }
      markJob(stage, jobId);
      return stage;
    });
  }

  #submitStage(stage: Stage): void {
    if (this.#waiting.has(stage) || this.#running.has(stage) || this.#failed.has(stage)) return;
    const missing = stage.parents.filter(
      (parent) => !this.mapOutputs.isAvailable(parent.shuffle.shuffleId),
    );
    if (missing.length === 0) {
      this.#submitMissingTasks(stage);
      return;
    }
    this.#waiting.add(stage);
    for (const parent of missing) this.#submitStage(parent);
  }

  #submitMissingTasks(stage: Stage): void {
    const partitions = this.#missingPartitions(stage);
    if (partitions.length === 0) {
      // Everything exists already (e.g. recomputed for another job meanwhile): nothing to run.
      this.#stageAvailable(stage);
      return;
    }
    const attempt = stage.attempts++;
    const info = this.#stageInfo(stage, attempt);
    const root = this.#pipeline(stage.node);
    const output =
      stage.kind === 'ShuffleMapStage'
        ? {
            kind: 'shuffleWrite' as const,
            shuffleId: stage.shuffle.shuffleId,
            partitioner: stage.shuffle.partitioner,
            ...(stage.shuffle.mapSideCombine && stage.shuffle.aggregator
              ? { mapSideCombine: stage.shuffle.aggregator }
              : {}),
          }
        : { kind: 'result' as const, result: (this.#jobs.get(stage.jobId) as ActiveJob).result };
    const spec = { stageKey: stageKey(stage, attempt), stageId: stage.id, root, output };
    this.#running.add(stage);
    this.#pendingPartitions.set(stage, new Set(partitions));
    this.bus.post({
      type: 'stageSubmitted',
      time: Date.now(),
      jobId: Math.min(...stage.jobIds),
      stage: info,
      partitions,
    });
    const slices = collectSlices(stage.node);
    this.#taskScheduler.submit({
      stageId: stage.id,
      stageAttempt: attempt,
      jobId: Math.min(...stage.jobIds),
      spec,
      partitions,
      inputsFor: (partition) => inputsFor(stage.node, partition, slices),
      preferredWorkers: (partition) => this.#preferredWorkers(stage.node, partition),
    });
  }

  #missingPartitions(stage: Stage): number[] {
    if (stage.kind === 'ShuffleMapStage')
      return this.mapOutputs.missingMaps(stage.shuffle.shuffleId);
    const job = this.#jobs.get(stage.jobId);
    if (!job) return [];
    return job.partitions.filter((_, index) => !job.finished[index]);
  }

  /** The operator tree of a stage, with shuffle reads pointing at their map outputs. */
  #pipeline(node: LineageNode): PipelineNode {
    const dependency = node.dependencies[0];
    if (node.op.kind === 'shuffleRead' && dependency?.kind === 'shuffle') {
      return {
        id: node.id,
        op: {
          kind: 'shuffleRead',
          shuffleId: dependency.shuffleId,
          locations: this.mapOutputs.locations(dependency.shuffleId),
          ...(dependency.aggregator ? { aggregator: dependency.aggregator } : {}),
          mapSideCombined: dependency.mapSideCombine && dependency.aggregator !== undefined,
          ...(dependency.keyOrdering ? { keyOrdering: dependency.keyOrdering } : {}),
        },
        parents: [],
        ...(node.cached ? { cache: true } : {}),
      };
    }
    return {
      id: node.id,
      op: node.op as PipelineNode['op'],
      parents: node.dependencies.map((d) => this.#pipeline(d.parent)),
      ...(node.cached ? { cache: true } : {}),
    };
  }

  #stageFinished(stage: Stage): void {
    this.#running.delete(stage);
    this.#pendingPartitions.delete(stage);
    if (stage.kind === 'ShuffleMapStage' && !this.mapOutputs.isAvailable(stage.shuffle.shuffleId)) {
      // Outputs were lost while the stage ran and its attempt could not rerun them: a new attempt.
      this.#postStageCompleted(stage, 'resubmitted', 'map outputs were lost while it ran');
      this.#submitMissingTasks(stage);
      return;
    }
    this.#postStageCompleted(stage, 'succeeded');
    stage.fetchFailures = 0;
    this.#forgetStageOnWorkers(stage);
    this.#stageAvailable(stage);
  }

  /** A stage's outputs are complete: finish its job, or submit the stages that waited for it. */
  #stageAvailable(stage: Stage): void {
    if (stage.kind === 'ResultStage') {
      const job = this.#jobs.get(stage.jobId);
      if (job && job.numFinished === job.partitions.length) this.#finishJob(job);
      return;
    }
    for (const waiting of [...this.#waiting]) {
      if (
        waiting.parents.every((parent) => this.mapOutputs.isAvailable(parent.shuffle.shuffleId))
      ) {
        this.#waiting.delete(waiting);
        this.#submitStage(waiting);
      }
    }
  }

  #resubmitFailedStages(): void {
    const failed = [...this.#failed].sort((a, b) => a.id - b.id);
    this.#failed.clear();
    for (const stage of failed) if (this.#isActive(stage)) this.#submitStage(stage);
  }

  #handleWorkerLost(workerId: string, reason: string): void {
    const pid = this.#workerPids.get(workerId);
    this.#workerPids.delete(workerId);
    const lost = this.mapOutputs.removeOutputsOnWorker(workerId);
    for (const partitions of this.#cacheLocations.values()) {
      for (const workers of partitions.values()) workers.delete(workerId);
    }
    this.bus.post({
      type: 'workerLost',
      time: Date.now(),
      workerId,
      reason,
      ...(pid === undefined ? {} : { pid }),
      ...(lost.length > 0 ? { lostMapOutputs: lost } : {}),
    });
    this.#rerunLostMapOutputs(lost);
    this.#taskScheduler.workerLost(workerId, reason);
    // A running map stage whose attempt could not take the lost partitions back ends now, and
    // #stageFinished submits a new attempt for what is missing.
    for (const stage of [...this.#running]) {
      if (stage.kind === 'ShuffleMapStage' && this.#pendingPartitions.get(stage)?.size === 0)
        this.#stageFinished(stage);
    }
  }

  /**
   * Running map stages whose finished outputs were lost run those partitions again in their
   * current attempt (Spark's `Resubmitted` tasks), so the stage does not end with holes.
   */
  #rerunLostMapOutputs(lost: readonly MapOutputsInfo[]): void {
    for (const { shuffleId, mapIndices } of lost) {
      const stage = this.#shuffleStages.get(shuffleId);
      const pending = stage && this.#pendingPartitions.get(stage);
      if (!stage || !pending || !this.#running.has(stage)) continue;
      const rerun = mapIndices.filter((mapIndex) => !pending.has(mapIndex));
      if (rerun.length === 0) continue;
      if (this.#taskScheduler.rerunPartitions(stage.id, stage.attempts - 1, rerun)) {
        for (const mapIndex of rerun) pending.add(mapIndex);
      }
    }
  }

  #finishJob(job: ActiveJob): void {
    this.#cleanUpJob(job.jobId, 'its job finished');
    this.bus.post({ type: 'jobEnd', time: Date.now(), jobId: job.jobId, result: 'succeeded' });
    job.resolve(job.results);
  }

  #failJob(jobId: number, error: Error, result: 'failed' | 'cancelled'): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    this.#cleanUpJob(jobId, result === 'cancelled' ? 'its job was cancelled' : 'its job failed');
    this.bus.post({ type: 'jobEnd', time: Date.now(), jobId, result, error: error.message });
    job.reject(error);
  }

  #abortStage(stage: Stage, error: Error): void {
    for (const jobId of [...stage.jobIds]) this.#failJob(jobId, error, 'failed');
  }

  /**
   * Drops an ended job's stages that no other active job needs: their task sets stop, and their
   * running tasks (stragglers, copies, an attempt recomputing outputs) are killed on the workers.
   * Map outputs already written stay: a later job on the same shuffle makes a new stage for it
   * and finds them available (as Spark's does). Holding no stage of an ended job, the scheduler
   * holds no lineage either, so a dataset nobody references can be garbage collected and its
   * shuffle cleaned (see the context's cleaner).
   */
  #cleanUpJob(jobId: number, reason: string): void {
    const job = this.#jobs.get(jobId);
    this.#jobs.delete(jobId);
    this.#taskScheduler.jobEnded(jobId);
    if (!job?.finalStage) return;
    for (const stage of collectStages(job.finalStage)) {
      stage.jobIds.delete(jobId);
      if (stage.jobIds.size > 0) continue;
      this.#taskScheduler.cancelStage(stage.id, true, reason);
      if (this.#running.has(stage)) this.#postStageCompleted(stage, 'failed', reason);
      this.#running.delete(stage);
      this.#waiting.delete(stage);
      this.#failed.delete(stage);
      this.#pendingPartitions.delete(stage);
      this.#forgetStageOnWorkers(stage);
      if (
        stage.kind === 'ShuffleMapStage' &&
        this.#shuffleStages.get(stage.shuffle.shuffleId) === stage
      )
        this.#shuffleStages.delete(stage.shuffle.shuffleId);
      if (stage.kind === 'ResultStage') {
        for (let partition = 0; partition < stage.numPartitions; partition++)
          this.#accumulatorsApplied.delete(`${stage.id}:${partition}`);
      }
    }
  }

  /**
   * Follows what a worker reports of its cached partitions: where they are is where tasks that
   * read them should run (a partition evicted for room is no longer a reason to wait for its
   * worker), and the Storage page shows the same.
   */
  #onBlockUpdated(event: Extract<DAGSchedulerEvent, { type: 'blockUpdated' }>): void {
    const { workerId, nodeId, partition, bytes, removed } = event;
    let partitions = this.#cacheLocations.get(nodeId);
    if (removed) partitions?.get(partition)?.delete(workerId);
    else {
      if (!partitions) {
        partitions = new Map();
        this.#cacheLocations.set(nodeId, partitions);
      }
      const workers = partitions.get(partition) ?? new Set<string>();
      workers.add(workerId);
      partitions.set(partition, workers);
    }
    const blockId = cacheBlockId(nodeId, partition);
    this.bus.post({ type: 'blockUpdated', time: Date.now(), workerId, blockId, bytes, removed });
  }

  /** Workers holding the cached partitions closest to the end of a task's pipeline. */
  #preferredWorkers(node: LineageNode, partition: number): readonly string[] {
    if (this.#cacheLocations.size === 0) return [];
    const preferred = new Set<string>();
    visitNarrow(node, partition, (current, p) => {
      const workers = current.cached ? this.#cacheLocations.get(current.id)?.get(p) : undefined;
      if (!workers || workers.size === 0) return true;
      for (const workerId of workers) preferred.add(workerId);
      return false; // what lies below a cached partition is not read
    });
    return [...preferred];
  }

  /** Checks for stragglers every `intervalMs` while tasks run, when speculation is on. */
  #updateSpeculationTimer(): void {
    const intervalMs = this.#speculationIntervalMs;
    if (intervalMs === undefined) return;
    const active = this.#taskScheduler.hasActiveTaskSets;
    if (active && !this.#speculationTimer) {
      this.#speculationTimer = setInterval(
        () => this.post({ type: 'checkSpeculation' }),
        intervalMs,
      );
      this.#speculationTimer.unref();
    } else if (!active && this.#speculationTimer) {
      clearInterval(this.#speculationTimer);
      this.#speculationTimer = undefined;
    }
  }

  #forgetStageOnWorkers(stage: Stage): void {
    for (let attempt = 0; attempt < stage.attempts; attempt++) {
      const key = stageKey(stage, attempt);
      for (const worker of this.pool.workers.values()) {
        // Housekeeping: it may wait to travel with the next job's launches.
        if (worker.definedStages.delete(key))
          this.pool.send(worker.id, { type: 'forgetStage', stageKey: key }, true);
      }
    }
  }

  #isActive(stage: Stage): boolean {
    return [...stage.jobIds].some((jobId) => this.#jobs.has(jobId));
  }

  #stageOf(taskSet: TaskSet): Stage | undefined {
    for (const stage of this.#running) if (stage.id === taskSet.stageId) return stage;
    for (const stage of this.#shuffleStages.values())
      if (stage.id === taskSet.stageId) return stage;
    for (const job of this.#jobs.values())
      if (job.finalStage?.id === taskSet.stageId) return job.finalStage;
    return undefined;
  }

  #stageInfo(stage: Stage, attempt: number): StageInfo {
    return {
      stageId: stage.id,
      attempt,
      name: `${stage.kind === 'ResultStage' ? (this.#jobs.get(stage.jobId)?.description ?? 'result') : `${stage.shuffle.parent.callSite}`}`,
      kind: stage.kind,
      numTasks:
        stage.kind === 'ResultStage'
          ? (this.#jobs.get(stage.jobId)?.partitions.length ?? 0)
          : stage.numPartitions,
      parentStageIds: stage.parents.map((parent) => parent.id),
      ...(stage.kind === 'ShuffleMapStage' ? { shuffleId: stage.shuffle.shuffleId } : {}),
      nodeIds: nodesInStage(stage.node).map((node) => node.id),
    };
  }

  #postStageCompleted(
    stage: Stage,
    result: 'succeeded' | 'failed' | 'resubmitted',
    reason?: string,
    lostMapOutputs?: readonly MapOutputsInfo[],
  ): void {
    this.bus.post({
      type: 'stageCompleted',
      time: Date.now(),
      stage: this.#stageInfo(stage, Math.max(0, stage.attempts - 1)),
      result,
      ...(reason ? { reason } : {}),
      ...(lostMapOutputs && lostMapOutputs.length > 0 ? { lostMapOutputs } : {}),
    });
  }
}

function markJob(stage: Stage, jobId: number): void {
  stage.jobIds.add(jobId);
  for (const parent of stage.parents) markJob(parent, jobId);
}

/** A job's stages, parents before children, each once. */
function collectStages(finalStage: Stage): Stage[] {
  const stages: Stage[] = [];
  const visit = (stage: Stage) => {
    if (stages.includes(stage)) return;
    for (const parent of stage.parents) visit(parent);
    stages.push(stage);
  };
  visit(finalStage);
  return stages;
}

function lineageInfo(stages: readonly Stage[]): LineageNodeInfo[] {
  const info: LineageNodeInfo[] = [];
  for (const stage of stages) {
    for (const node of nodesInStage(stage.node)) {
      if (info.some((existing) => existing.id === node.id)) continue;
      info.push({
        id: node.id,
        name: `${node.name} (${node.callSite})`,
        numPartitions: node.numPartitions,
        stageId: stage.id,
        parents: node.dependencies.map((d) => ({ id: d.parent.id, shuffle: d.kind === 'shuffle' })),
        cached: node.cached,
      });
    }
  }
  return info;
}

/**
 * Walks the nodes a partition of `node` computes within its stage (narrow dependencies, down to
 * the shuffle reads), calling `visit` with each node and partition; `visit` returns false to skip
 * what lies below that node.
 */
function visitNarrow(
  node: LineageNode,
  partition: number,
  visit: (node: LineageNode, partition: number) => boolean,
): void {
  if (!visit(node, partition) || node.op.kind === 'shuffleRead') return;
  parentPartitions(node.op as PipelineNode['op'], partition, node.dependencies.length).forEach(
    (partitions, index) => {
      const dependency = node.dependencies[index];
      if (dependency?.kind !== 'narrow') return;
      for (const parentPartition of partitions)
        visitNarrow(dependency.parent, parentPartition, visit);
    },
  );
}

/** The `parallelize` slices reachable in a stage, by node id. */
function collectSlices(node: LineageNode): Map<number, readonly (readonly unknown[])[]> {
  const slices = new Map<number, readonly (readonly unknown[])[]>();
  for (const current of nodesInStage(node))
    if (current.slices) slices.set(current.id, current.slices);
  return slices;
}

/** The slices the task for `partition` of `node` reads, following narrow dependencies. */
function inputsFor(
  node: LineageNode,
  partition: number,
  slices: Map<number, readonly (readonly unknown[])[]>,
): Record<string, readonly unknown[]> | undefined {
  if (slices.size === 0) return undefined;
  const inputs: Record<string, readonly unknown[]> = {};
  let found = false;
  const visit = (current: LineageNode, p: number) => {
    const own = slices.get(current.id);
    if (own) {
      inputs[`${current.id}:${p}`] = own[p] ?? [];
      found = true;
      return;
    }
    if (current.op.kind === 'shuffleRead') return;
    parentPartitions(current.op as PipelineNode['op'], p, current.dependencies.length).forEach(
      (partitions, index) => {
        const parent = current.dependencies[index]?.parent;
        if (parent) for (const parentPartition of partitions) visit(parent, parentPartition);
      },
    );
  };
  visit(node, partition);
  return found ? inputs : undefined;
}

function cancelled(reason: unknown): FlintError {
  return new FlintError(ErrorCode.CANCELLED, `The job was cancelled: ${describeReason(reason)}.`);
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}
