/**
 * The entry point: a context owns the driver (scheduler, the endpoint workers join) and, in the
 * embedded default, the worker processes. Datasets are created from it and run their jobs on it.
 */
import { resolve as resolvePath } from 'node:path';
import {
  DAGScheduler,
  type JobOptions,
  type LineageNode,
  ListenerBus,
  LocalCluster,
  type SchedulerListener,
  WorkerPool,
} from '@flint/scheduler';
import {
  checkSecret,
  createSecret,
  ErrorCode,
  FlintError,
  type FunctionSpec,
  type ResultSpec,
} from '@flint/worker';
import { callerDirectory, callSite } from './callSite.js';
import { captureFunction, recaptureLineage } from './capture/index.js';
import { attachToMaster, driverHostFor, masterUrlOf, type WorkerBackend } from './clusterAttach.js';
import { ContextCleaner } from './contextCleaner.js';
import { Dataset, unionOf } from './dataset.js';
import { type Observers, startObservers } from './observers.js';
import {
  type ContextOptions,
  checkInteger,
  describeValue,
  resolveMemoryPerWorker,
  resolveOptions,
} from './options.js';
import { Accumulator, Broadcast } from './sharedVariables.js';
import { planTextFile } from './textFileSplits.js';

const WORKERS_JOIN_TIMEOUT_MS = 30_000;

/** What datasets need from their context. Internal. */
export interface DatasetRuntime {
  nextNodeId(): number;
  nextShuffleId(): number;
  capture(fn: unknown, env: unknown, argumentName: string): FunctionSpec;
  runJob(
    node: LineageNode,
    result: ResultSpec,
    partitions: readonly number[],
    options?: JobOptions,
  ): Promise<unknown[]>;
  /** Frees a dataset's cached partitions on every worker. */
  unpersist(nodeId: number): void;
  /** Frees shuffles and caches once no dataset can reach them. */
  readonly cleaner: ContextCleaner;
  readonly defaultParallelism: number;
}

/** A Flint application's handle on its cluster. Create one with {@link createContext}. */
export class FlintContext implements AsyncDisposable {
  readonly #scheduler: DAGScheduler;
  readonly #pool: WorkerPool;
  readonly #backend: WorkerBackend;
  readonly #bus: ListenerBus;
  readonly #captureMode: 'auto' | 'explicit';
  /** Declared module specifiers, each with the directory of the module that declared it. */
  readonly #modules = new Map<string, string | undefined>();
  readonly #broadcasts = new Map<number, unknown>();
  readonly #accumulators = new Map<number, WeakRef<Accumulator>>();
  #nextBroadcastId = 0;
  #nextAccumulatorId = 0;
  #nextNodeId = 0;
  #nextShuffleId = 0;
  #stopped: Promise<void> | undefined;
  readonly #cleaner: ContextCleaner;
  readonly #observers: Observers;
  /** @internal */
  readonly runtime: DatasetRuntime;

  /** @internal Use {@link createContext}. */
  constructor(parts: {
    scheduler: DAGScheduler;
    pool: WorkerPool;
    backend: WorkerBackend;
    bus: ListenerBus;
    observers: Observers;
    captureMode: 'auto' | 'explicit';
    workers: number;
  }) {
    this.#observers = parts.observers;
    this.#scheduler = parts.scheduler;
    this.#pool = parts.pool;
    this.#backend = parts.backend;
    this.#bus = parts.bus;
    this.#captureMode = parts.captureMode;
    parts.scheduler.accumulatorListener = (updates) => this.applyAccumulatorUpdates(updates);
    // Workers that join later (replacements) get every live broadcast before their first task.
    parts.bus.addListener((event) => {
      if (event.type !== 'workerAdded') return;
      for (const [id, value] of this.#broadcasts)
        parts.pool.send(event.workerId, { type: 'putBroadcast', id, value });
    });
    this.#cleaner = new ContextCleaner({
      removeShuffle: (shuffleId) => parts.scheduler.removeShuffle(shuffleId),
      unpersist: (nodeId) => parts.scheduler.unpersist(nodeId),
      removeBroadcast: (broadcastId) => this.#removeBroadcast(broadcastId),
    });
    this.runtime = {
      cleaner: this.#cleaner,
      nextNodeId: () => this.#nextNodeId++,
      nextShuffleId: () => this.#nextShuffleId++,
      capture: (fn, env, argumentName) => {
        if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) {
          throw new FlintError(
            ErrorCode.ARGUMENT,
            `The env given with ${argumentName} must be an object whose keys are names, like { k }, but got ${describeValue(env)}.`,
          );
        }
        return captureFunction(fn, {
          ...(env === undefined ? {} : { env: env as Record<string, unknown> }),
          mode: this.#captureMode,
          argumentName,
          modules: this.#modules,
        });
      },
      runJob: (node, result, partitions, options) => {
        this.#assertRunning();
        // Spark's semantics: each job sees the values its functions' variables hold now.
        recaptureLineage(node);
        return this.#scheduler.runJob(node, result, partitions, options);
      },
      unpersist: (nodeId) => parts.scheduler.unpersist(nodeId),
      get defaultParallelism() {
        return Math.max(
          2,
          parts.pool.workers.size === 0
            ? parts.workers
            : [...parts.pool.workers.values()].reduce((sum, w) => sum + w.cores, 0),
        );
      },
    };
  }

  /** The web UI's URL, or undefined when the UI is off. */
  get uiUrl(): string | undefined {
    return this.#observers.uiUrl;
  }

  /** PIDs of the local worker processes (empty when attached to a master). */
  get workerPids(): number[] {
    return this.#backend.pids;
  }

  /** Listens to every job, stage, task and worker event. Returns a function that stops listening. */
  addListener(listener: SchedulerListener): () => void {
    return this.#bus.addListener(listener);
  }

  /** The default number of partitions: the total cores of the workers (at least 2). */
  get defaultParallelism(): number {
    return this.runtime.defaultParallelism;
  }

  /**
   * A dataset of the array's elements, sliced into `numPartitions` partitions as Spark slices:
   * partition i holds `array[floor(i*n/p) .. floor((i+1)*n/p))`.
   * @default numPartitions = defaultParallelism
   */
  parallelize<T>(array: readonly T[], numPartitions?: number): Dataset<T> {
    if (!Array.isArray(array)) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `parallelize(array) needs an array, but got ${describeValue(array)}. Use Array.from(iterable) for other collections.`,
      );
    }
    const n =
      numPartitions === undefined
        ? this.defaultParallelism
        : checkInteger(numPartitions, 'parallelize(array, numPartitions)', 1);
    const slices = Array.from({ length: n }, (_, i) =>
      array.slice(Math.floor((i * array.length) / n), Math.floor(((i + 1) * array.length) / n)),
    );
    return Dataset.source<T>(this.runtime, {
      name: 'ParallelCollectionRDD',
      callSite: callSite('parallelize'),
      numPartitions: n,
      op: { kind: 'parallelize' },
      slices,
    });
  }

  /**
   * Numbers from `start` (inclusive) to `end` (exclusive) by `step`, generated on the workers.
   * With one argument, it is `end`: `range(5)` is 0..4.
   */
  range(start: number, end?: number, step?: number, numPartitions?: number): Dataset<number> {
    const [from, to] = end === undefined ? [0, start] : [start, end];
    const by = step ?? 1;
    for (const [value, name] of [
      [from, 'start'],
      [to, 'end'],
      [by, 'step'],
    ] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new FlintError(
          ErrorCode.ARGUMENT,
          `range(): ${name} must be a finite number, but got ${describeValue(value)}.`,
        );
      }
    }
    if (by === 0) throw new FlintError(ErrorCode.ARGUMENT, 'range(): step must not be 0.');
    const n =
      numPartitions === undefined
        ? this.defaultParallelism
        : checkInteger(numPartitions, 'range(start, end, step, numPartitions)', 1);
    const count = Math.max(0, Math.ceil((to - from) / by));
    return Dataset.source<number>(this.runtime, {
      name: 'ParallelCollectionRDD',
      callSite: callSite('range'),
      numPartitions: n,
      op: { kind: 'range', start: from, step: by, count, numPartitions: n },
    });
  }

  /**
   * The lines of a text file, a directory's files (except names starting with `_` or `.`), or a
   * glob's matches. Large files are split by byte range; each task reads only its own range.
   */
  textFile(path: string, minPartitions?: number): Dataset<string> {
    if (typeof path !== 'string' || path === '') {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `textFile(path) needs a path, a directory or a glob, but got ${describeValue(path)}.`,
      );
    }
    const min =
      minPartitions === undefined
        ? Math.min(2, this.defaultParallelism)
        : checkInteger(minPartitions, 'textFile(path, minPartitions)', 1);
    const splits = planTextFile(resolvePath(path), min);
    return Dataset.source<string>(this.runtime, {
      name: 'HadoopRDD',
      callSite: callSite('textFile'),
      numPartitions: splits.length,
      op: { kind: 'textFile', splits },
    });
  }

  /** A dataset of the given datasets' elements: their partitions, in order. */
  union<T>(datasets: readonly Dataset<T>[]): Dataset<T> {
    if (
      !Array.isArray(datasets) ||
      datasets.length === 0 ||
      !datasets.every((d) => d instanceof Dataset)
    ) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `union(datasets) needs a non-empty array of Datasets, but got ${describeValue(datasets)}.`,
      );
    }
    return unionOf(datasets, callSite('union'));
  }

  /** A dataset with no partitions and no elements. */
  emptyDataset<T = never>(): Dataset<T> {
    return Dataset.source<T>(this.runtime, {
      name: 'EmptyRDD',
      callSite: callSite('emptyDataset'),
      numPartitions: 0,
      op: { kind: 'empty' },
    });
  }

  /**
   * A read-only value shipped once to every worker; tasks read it as `bc.value`. Use it for a
   * lookup table every task needs, instead of capturing it into every stage.
   */
  broadcast<T>(value: T): Broadcast<T> {
    try {
      structuredClone(value);
    } catch (error) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `broadcast(value) needs plain data (objects, arrays, Map, Set, Date...): ${(error as Error).message}`,
      );
    }
    const id = this.#nextBroadcastId++;
    this.#broadcasts.set(id, value);
    for (const worker of this.#pool.workers.values())
      this.#pool.send(worker.id, { type: 'putBroadcast', id, value });
    const handle = new Broadcast(id, value, (destroyed) => this.#removeBroadcast(destroyed));
    this.#cleaner.trackBroadcast(handle, id);
    return handle;
  }

  /** Frees a broadcast value here and on every worker (destroy(), or its handle was collected). */
  #removeBroadcast(id: number): void {
    if (!this.#broadcasts.delete(id)) return;
    for (const worker of this.#pool.workers.values())
      this.#pool.send(worker.id, { type: 'removeBroadcast', id });
    this.#bus.post({ type: 'broadcastRemoved', time: Date.now(), broadcastId: id });
  }

  /** A number tasks add to (`acc.add(n)`) and the driver reads (`acc.value`) after an action. */
  accumulator(initial = 0): Accumulator {
    if (typeof initial !== 'number')
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `accumulator(initial) needs a number, but got ${describeValue(initial)}.`,
      );
    const accumulator = new Accumulator(this.#nextAccumulatorId++, initial);
    this.#accumulators.set(accumulator.id, new WeakRef(accumulator));
    return accumulator;
  }

  /** @internal Applies a finished task's accumulator additions. */
  applyAccumulatorUpdates(updates: readonly (readonly [number, number])[]): void {
    for (const [id, amount] of updates) this.#accumulators.get(id)?.deref()?.add(amount);
  }

  /**
   * Declares a module workers import for functions that use it (see capture). Workers resolve
   * it from the directory of the module that calls `addModule`, as that module's own import would.
   */
  addModule(specifier: string): void {
    if (typeof specifier !== 'string' || specifier === '') {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `addModule(specifier) needs a module name like 'lodash', but got ${describeValue(specifier)}.`,
      );
    }
    this.#modules.set(specifier, callerDirectory());
  }

  /** Stops every job, the workers and the driver. Safe to call more than once. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#cleaner.stop();
      this.#scheduler.cancelAll('the context was stopped');
      await this.#pool.close();
      await this.#observers.close();
      await this.#backend.stop();
    })();
    return this.#stopped;
  }

  /** `await using sc = await createContext()` stops the context at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #assertRunning(): void {
    if (this.#stopped)
      throw new FlintError(
        ErrorCode.CONTEXT,
        'This context was stopped; create a new one with createContext().',
      );
  }
}

/**
 * Starts a context. By default it starts `workers` worker processes on 127.0.0.1, each joining the
 * driver over a real WebSocket, authenticated with a random per-context secret.
 */
export async function createContext(options: ContextOptions = {}): Promise<FlintContext> {
  const resolved = resolveOptions(options);
  const masterUrl = masterUrlOf(options);
  const secret =
    masterUrl !== undefined
      ? checkSecret(options.secret ?? process.env.FLINT_SECRET, 'createContext({ master })')
      : options.secret === undefined
        ? createSecret()
        : checkSecret(options.secret, 'createContext({ secret })');
  // On a cluster the driver listens where the workers can reach it.
  const driverHost =
    masterUrl === undefined ? undefined : await driverHostFor(masterUrl, options.driverHost);
  const bus = new ListenerBus();
  let scheduler: DAGScheduler | undefined;
  // Observers start first, so the UI and the event log see the workers join.
  const observers = await startObservers(bus, options, secret, (jobId) =>
    scheduler?.post({ type: 'jobCancelled', jobId, reason: 'killed from the web UI' }),
  );
  const pool = await WorkerPool.start(
    {
      secret,
      ...(driverHost === undefined ? {} : { host: driverHost }),
      ...(options.heartbeatTimeoutMs === undefined
        ? {}
        : { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    },
    {
      workerAdded: (worker) => scheduler?.post({ type: 'workerAdded', worker }),
      workerLost: (workerId, reason) => scheduler?.post({ type: 'workerLost', workerId, reason }),
      message: (workerId, message) => {
        if (message.type === 'taskFinished') {
          scheduler?.post({
            type: 'taskFinished',
            workerId,
            taskId: message.taskId,
            result: message.result,
            metrics: message.metrics,
          });
        } else if (message.type === 'taskFailed') {
          scheduler?.post({
            type: 'taskFailed',
            workerId,
            taskId: message.taskId,
            error: message.error,
            fetchFailure: message.fetchFailure,
            killed: message.killed === true,
          });
        } else if (message.type === 'blockUpdated') {
          const { nodeId, partition, bytes, removed } = message;
          scheduler?.post({ type: 'blockUpdated', workerId, nodeId, partition, bytes, removed });
        }
      },
    },
  ).catch(async (error: unknown) => {
    await observers.close();
    throw error;
  });
  scheduler = new DAGScheduler(pool, bus, resolved.maxTaskFailures, {
    ...(options.speculation === undefined ? {} : { speculation: options.speculation }),
  });
  let backend: WorkerBackend;
  try {
    backend =
      masterUrl === undefined
        ? await startLocalWorkers(pool, options, resolved.workers, secret)
        : await attachToMaster(masterUrl, options, {
            secret,
            driverUrl: pool.url,
            tls: options.tls,
            joined: () => pool.workers.size,
          });
  } catch (error) {
    await pool.close();
    await observers.close();
    throw error;
  }
  return new FlintContext({
    scheduler,
    pool,
    backend,
    bus,
    observers,
    captureMode: resolved.capture,
    workers: resolved.workers,
  });
}

/** Starts `count` worker processes on this machine and waits until they all joined. */
async function startLocalWorkers(
  pool: WorkerPool,
  options: ContextOptions,
  count: number,
  secret: string,
): Promise<WorkerBackend> {
  const cluster = new LocalCluster({
    workers: count,
    driverUrl: pool.url,
    secret,
    // Workers the driver declares lost are killed and replaced, so the context keeps its size.
    pool,
    ...(options.replaceLostWorkers === undefined
      ? {}
      : { replaceLostWorkers: options.replaceLostWorkers }),
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    memoryPerWorkerBytes: resolveMemoryPerWorker(options.memoryPerWorker, count),
  });
  cluster.start();
  try {
    await waitForWorkers(pool, count);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

async function waitForWorkers(pool: WorkerPool, count: number): Promise<void> {
  const deadline = Date.now() + WORKERS_JOIN_TIMEOUT_MS;
  while (pool.workers.size < count) {
    if (Date.now() > deadline) {
      throw new FlintError(
        ErrorCode.CONTEXT,
        `Only ${pool.workers.size} of ${count} workers joined within ${WORKERS_JOIN_TIMEOUT_MS / 1000} s. ` +
          'Check that worker processes can start (see their output above), or ask for fewer with createContext({ workers }).',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
