/**
 * Runs one task: fetches its shuffle inputs, evaluates its stage's pipeline for its partition and
 * drains the records into the stage's sink (a shuffle write or an action's per-partition half).
 * Long tasks yield to the event loop every few milliseconds, so the worker keeps answering the
 * driver (heartbeats, kills) and serving blocks to peers while it computes.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type BlockManager, type MapOutputData, mapOutputSizes } from './blockManager.js';
import { type CompileContext, compileFunction } from './closure/compileFunction.js';
import type { FunctionSpec } from './closure/functionSpec.js';
import { ErrorCode, FlintError } from './errors.js';
import { runFused } from './fusedPipeline.js';
import { computePartition, type TaskRuntime } from './pipeline.js';
import type { RecordSink } from './recordSink.js';
import { createResultSink } from './resultSinks.js';
import { usesAccumulators } from './sharedVariables.js';
import {
  type BlockFetcher,
  readShufflePartition,
  shuffleReadsOf,
} from './shuffle/shuffleReader.js';
import { createShuffleSink } from './shuffle/shuffleWriter.js';
import { TaskMemoryManager } from './taskMemoryManager.js';
import type {
  PipelineNode,
  StageSpec,
  TaskDescription,
  TaskMetrics,
  TaskResult,
} from './taskSpec.js';

const YIELD_EVERY_MS = 20;

/** A stage as a worker holds it: its spec and its functions, compiled once for all its tasks. */
export class StageRuntime {
  readonly #compiled = new WeakMap<FunctionSpec, (...args: never[]) => unknown>();
  #usesAccumulators: boolean | undefined;

  constructor(
    readonly spec: StageSpec,
    private readonly compileContext: CompileContext = {},
  ) {}

  /** Whether its functions add to accumulators (its tasks then track their additions). */
  get usesAccumulators(): boolean {
    this.#usesAccumulators ??= usesAccumulators(this.spec);
    return this.#usesAccumulators;
  }

  fn(spec: FunctionSpec): (...args: never[]) => unknown {
    let fn = this.#compiled.get(spec);
    if (!fn) {
      fn = compileFunction(spec, this.compileContext);
      this.#compiled.set(spec, fn);
    }
    return fn;
  }
}

/**
 * Lets the executor stop a running task. A kill takes effect at the task's next yield to the event
 * loop (every few milliseconds while records flow) or at once while it waits for shuffle blocks.
 */
export class TaskControl {
  #killed = false;
  readonly #onKill = new Set<() => void>();

  get killed(): boolean {
    return this.#killed;
  }

  kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    for (const listener of this.#onKill) listener();
    this.#onKill.clear();
  }

  /** Settles like `promise`, or rejects with a TaskKilledError as soon as the task is killed. */
  orKilled<T>(promise: Promise<T>, taskId: number): Promise<T> {
    if (this.#killed) return Promise.reject(new TaskKilledError(taskId));
    return new Promise<T>((resolve, reject) => {
      const onKill = () => reject(new TaskKilledError(taskId));
      this.#onKill.add(onKill);
      promise.then(resolve, reject).finally(() => this.#onKill.delete(onKill));
    });
  }
}

export class TaskKilledError extends FlintError {
  constructor(taskId: number) {
    super(ErrorCode.CANCELLED, `Task ${taskId} was killed.`);
  }
}

/** What a task produced: its result, its metrics, and for a map task the output to store. */
export interface TaskOutcome {
  readonly result: TaskResult;
  readonly metrics: TaskMetrics;
  readonly mapOutput?: MapOutputData;
}

/**
 * Runs a task to its result. Throws what the user's code threw, or a FetchFailedError. Whatever
 * it held of the worker's memory and disk while it ran is freed when it ends.
 */
export async function runTask(
  task: TaskDescription,
  stage: StageRuntime,
  blockManager: BlockManager,
  fetcher: BlockFetcher,
  control: TaskControl,
): Promise<TaskOutcome> {
  const memory = new TaskMemoryManager(task.taskId, blockManager);
  try {
    return await runTaskWith(memory, task, stage, blockManager, fetcher, control);
  } finally {
    memory.close();
  }
}

async function runTaskWith(
  memory: TaskMemoryManager,
  task: TaskDescription,
  stage: StageRuntime,
  blockManager: BlockManager,
  fetcher: BlockFetcher,
  control: TaskControl,
): Promise<TaskOutcome> {
  const started = performance.now();
  const shuffleInputs = new Map<string, Iterable<unknown>>();
  const runtime: TaskRuntime = {
    partition: task.partition,
    attempt: task.attempt,
    inputs: task.inputs,
    blockManager,
    task: memory,
    fn: (spec) => stage.fn(spec),
    shuffleRecords: (node, partition) => shuffleInputs.get(`${node.id}:${partition}`) ?? [],
  };
  const { root, output } = stage.spec;
  let shuffleBytesRead = 0;
  // Pinned, so that no block stored while this task runs evicts what it found cached.
  const isCached = (node: { id: number }, partition: number) =>
    memory.pinCached(node.id, partition);
  for (const [node, partition] of shuffleReadsOf(root, task.partition, isCached)) {
    if (node.op.kind !== 'shuffleRead') continue;
    const { records, bytesRead } = await control.orKilled(
      readShufflePartition(node.op, partition, fetcher, runtime),
      task.taskId,
    );
    shuffleInputs.set(`${node.id}:${partition}`, records);
    shuffleBytesRead += bytesRead;
  }
  if (control.killed) throw new TaskKilledError(task.taskId);
  // Evaluated lazily: a fused loop builds its own iteration, and a cached node computes eagerly.
  const records = () => computePartition(root, task.partition, runtime);
  const metricsOf = (
    recordsRead: number,
    recordsWritten: number,
    shuffleBytesWritten: number,
  ): TaskMetrics => ({
    durationMs: performance.now() - started,
    recordsRead,
    recordsWritten,
    shuffleBytesWritten,
    shuffleBytesRead,
    spilledBytes: memory.spilledBytes,
  });

  const drainInto = (sink: RecordSink<unknown>) =>
    drainFusedOrPulled(root, task.partition, runtime, records, sink, control, task.taskId);
  if (output.kind === 'shuffleWrite') {
    const sink = createShuffleSink(output, runtime);
    const recordsRead = await drainInto(sink);
    const { output: mapOutput, recordsWritten } = sink.finish();
    const sizes = mapOutputSizes(mapOutput);
    const bytes = sizes.reduce((sum, size) => sum + size, 0);
    return {
      result: { kind: 'mapStatus', sizes },
      metrics: metricsOf(recordsRead, recordsWritten, bytes),
      mapOutput,
    };
  }
  const { result } = output;
  if (result.kind === 'partitionFunction') {
    const fn = runtime.fn(result.fn) as (records: Iterable<unknown>, partition: number) => unknown;
    const value = await fn(records(), task.partition);
    return { result: { kind: 'value', value }, metrics: metricsOf(0, 0, 0) };
  }
  const sink = createResultSink(result, runtime);
  const recordsRead = await drainInto(sink);
  return { result: { kind: 'value', value: sink.finish() }, metrics: metricsOf(recordsRead, 0, 0) };
}

/** Runs the partition as one fused loop when its chain allows, else pulls record by record. */
async function drainFusedOrPulled(
  root: PipelineNode,
  partition: number,
  runtime: TaskRuntime,
  records: () => Iterable<unknown> | AsyncIterable<unknown>,
  sink: RecordSink<unknown>,
  control: TaskControl,
  taskId: number,
): Promise<number> {
  let lastYield = performance.now();
  const checkpoint = () => {
    if (control.killed) throw new TaskKilledError(taskId);
    if (performance.now() - lastYield < YIELD_EVERY_MS) return undefined;
    return yieldToEventLoop().then(() => {
      lastYield = performance.now();
      if (control.killed) throw new TaskKilledError(taskId);
    });
  };
  const fused = await runFused(root, partition, runtime, sink, checkpoint);
  return fused ?? drain(records(), sink, control, taskId);
}

/**
 * Pulls every record into the sink, yielding to the event loop every few milliseconds (see
 * YieldClock), so that heartbeats, kills and peers' block requests are served while a long task
 * runs. An async source yields only microtasks on its own, so it gets the same treatment.
 */
async function drain(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  sink: RecordSink<unknown>,
  control: TaskControl,
  taskId: number,
): Promise<number> {
  let count = 0;
  const clock = new YieldClock();
  if (typeof (records as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    for await (const record of records as AsyncIterable<unknown>) {
      count++;
      if (sink.add(record) === false) break;
      if (control.killed) throw new TaskKilledError(taskId);
      if (clock.due()) await clock.yield();
    }
    return count;
  }
  for (const record of records as Iterable<unknown>) {
    count++;
    if (sink.add(record) === false) break;
    if (clock.due()) {
      await clock.yield();
      if (control.killed) throw new TaskKilledError(taskId);
    }
  }
  return count;
}

/**
 * Decides when a record loop yields to the event loop: every YIELD_EVERY_MS of work. Reading the
 * clock costs as much as a cheap record, so it is read every `stride` records, a stride that
 * adapts to keep about a millisecond between reads: fast records pay almost nothing, and a slow
 * user function (milliseconds per record) is still interrupted on time.
 */
class YieldClock {
  #stride = 1;
  #sinceRead = 0;
  #lastRead = performance.now();
  #lastYield = this.#lastRead;

  due(): boolean {
    if (++this.#sinceRead < this.#stride) return false;
    this.#sinceRead = 0;
    const now = performance.now();
    const elapsed = now - this.#lastRead;
    this.#lastRead = now;
    if (elapsed < 0.5 && this.#stride < 4096) this.#stride *= 2;
    else if (elapsed > 2 && this.#stride > 1) this.#stride = Math.max(1, this.#stride >> 2);
    return now - this.#lastYield > YIELD_EVERY_MS;
  }

  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.#lastYield = this.#lastRead = performance.now();
  }
}
