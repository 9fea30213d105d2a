/**
 * Spark's Executor: a worker process's link to its driver. It joins the driver over an
 * authenticated WebSocket, holds the stages the driver defines, runs the tasks it launches (up to
 * `cores` at once, the rest queued in launch order), keeps their map outputs in its block manager,
 * serves them to peers, and reports results, failures and heartbeats. When the driver goes away,
 * it frees everything.
 *
 * The driver may launch more tasks than cores when its tasks are short, so a worker never waits a
 * round trip for its next task; results leave in batches (see Outbox). A queued task starts only
 * once the results of the tasks before it are on their way, unless they were all short (then
 * they leave together at the end of the turn), so the driver can tell which tasks a lost worker
 * was running: the oldest `cores` of those it had not heard back from.
 *
 * Invariants: every launched task reports exactly one outcome (finished, failed or killed) while
 * the driver link is open, a queued task that is killed included; a killed task stores no output;
 * `close()` kills every running task and frees every block, once.
 */
import type { WebSocket } from 'ws';
import { BlockManager } from './blockManager.js';
import { ModuleLoader } from './closure/moduleLoader.js';
import { closeForViolation, connectToListener, frameBytes } from './connection.js';
import { serializeError } from './errors.js';
import { MEMORY_FRACTION } from './memoryManager.js';
import { DEFAULT_WORKER_MEMORY_BYTES } from './memorySize.js';
import { Outbox } from './outbox.js';
import { type DriverToWorkerMessage, decodeMessages, type Message } from './protocol.js';
import type { TlsOptions } from './security/tls.js';
import { WorkerSharedVariables } from './sharedVariables.js';
import { PeerBlockFetcher } from './shuffle/blockFetcher.js';
import { BlockServer } from './shuffle/blockServer.js';
import { FetchFailedError } from './shuffle/fetchFailedError.js';
import { runTask, StageRuntime, TaskControl, TaskKilledError } from './taskRunner.js';
import type { TaskDescription } from './taskSpec.js';

/**
 * A task shorter than this lets the next queued task start before its result leaves (it leaves
 * with the others at the end of the turn), and results wait at most about this long for company.
 */
const BATCH_RESULTS_BELOW_MS = 1;

/** A launched task waiting for a core, with the stage it was launched for. */
interface QueuedTask {
  readonly task: TaskDescription;
  readonly stage: StageRuntime | undefined;
}

/** Outboxes of live executors, flushed when the process exits (a task may call process.exit). */
const liveOutboxes = new Set<Outbox>();
let exitHookInstalled = false;

/** How to start an {@link Executor}. */
export interface ExecutorOptions {
  /** The driver's WebSocket URL, e.g. `ws://127.0.0.1:40123`. */
  readonly driverUrl: string;
  /** The shared secret that proves this worker may join. */
  readonly secret: string;
  /** Tasks run at once. @default 1 */
  readonly cores?: number;
  /** Interface the block server binds to. @default '127.0.0.1' */
  readonly host?: string;
  /** Host name other workers use to reach the block server. @default host */
  readonly advertiseHost?: string;
  /** How often to tell the driver this worker is alive. @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a peer may stay silent while this worker fetches shuffle blocks from it before the
   * fetch fails (and the driver recomputes those blocks). Match the driver's heartbeat timeout.
   * @default 60000
   */
  readonly networkTimeoutMs?: number;
  /**
   * TLS: a certificate and key make the block server `wss://`; the CA verifies the driver's and
   * the peers' certificates.
   */
  readonly tls?: TlsOptions;
  /**
   * The worker's memory, in bytes: 60% of it (MEMORY_FRACTION) is what its blocks and running
   * tasks may account for; past that, cached partitions are evicted and shuffle data and
   * aggregations spill to disk. Start the process with `workerNodeOptions(memoryBytes)` so that
   * V8's heap is sized to match. @default 1 GiB
   */
  readonly memoryBytes?: number;
  /** Where the worker's spill directory is created. @default os.tmpdir() */
  readonly workDir?: string;
}

export class Executor {
  readonly #blockManager: BlockManager;
  readonly #stages = new Map<string, StageRuntime>();
  readonly #sharedVariables: WorkerSharedVariables;
  readonly #moduleLoader = new ModuleLoader();
  readonly #running = new Map<number, TaskControl>();
  /** Launched tasks waiting for a free core, in launch order. */
  readonly #queue: QueuedTask[] = [];
  readonly #cores: number;
  readonly #outbox: Outbox;
  /** How long the last task ran, and when the oldest result not yet sent was queued. */
  #lastTaskMs = 0;
  #resultsWaitingSince: number | undefined;
  readonly #socket: WebSocket;
  readonly #blockServer: BlockServer;
  readonly #fetcher: PeerBlockFetcher;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #closed: Promise<void>;
  #closing: Promise<void> | undefined;
  /** The id the driver gave this worker. */
  readonly workerId: string;

  private constructor(
    socket: WebSocket,
    workerId: string,
    blockManager: BlockManager,
    blockServer: BlockServer,
    secret: string,
    heartbeatMs: number,
    networkTimeoutMs: number,
    cores: number,
    tls?: TlsOptions,
  ) {
    this.#socket = socket;
    this.#cores = Math.max(1, Math.floor(cores));
    this.#outbox = new Outbox(socket);
    liveOutboxes.add(this.#outbox);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // Results finished in this turn still reach the driver, so it blames the right task.
      process.on('exit', () => {
        for (const outbox of liveOutboxes) outbox.flush();
      });
    }
    this.#blockManager = blockManager;
    this.#sharedVariables = new WorkerSharedVariables(blockManager.memory);
    blockManager.onCachedBlockChange = (nodeId, partition, bytes) =>
      this.#outbox.send({
        type: 'blockUpdated',
        nodeId,
        partition,
        bytes: bytes ?? 0,
        removed: bytes === undefined,
      });
    this.workerId = workerId;
    this.#blockServer = blockServer;
    this.#fetcher = new PeerBlockFetcher(
      this.#blockManager,
      blockServer.address,
      secret,
      networkTimeoutMs,
      tls,
    );
    const heartbeat = () =>
      this.#outbox.send({
        type: 'heartbeat',
        runningTasks: this.#running.size,
        rssBytes: process.memoryUsage.rss(),
      });
    this.#heartbeat = setInterval(heartbeat, heartbeatMs);
    this.#heartbeat.unref();
    socket.on('message', (data) => this.#onFrame(frameBytes(data)));
    // The driver offers no task before this first message: frames it sent earlier could have
    // arrived before this listener existed, and been dropped.
    heartbeat();
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined); // 'close' follows
  }

  /** Starts the block server, then joins the driver. */
  static async start(options: ExecutorOptions): Promise<Executor> {
    const host = options.host ?? '127.0.0.1';
    const memoryBytes = options.memoryBytes ?? DEFAULT_WORKER_MEMORY_BYTES;
    const blockManager = new BlockManager({
      memoryBytes: Math.floor(memoryBytes * MEMORY_FRACTION),
      ...(options.workDir === undefined ? {} : { workDir: options.workDir }),
    });
    const blockServer = await BlockServer.start(
      blockManager,
      options.secret,
      host,
      options.advertiseHost ?? host,
      options.tls,
    );
    try {
      const { socket, welcome } = await connectToListener(
        options.driverUrl,
        options.secret,
        'worker',
        {
          blockServer: blockServer.address,
          cores: options.cores ?? 1,
          pid: process.pid,
        },
        options.tls === undefined ? {} : { tls: options.tls },
      );
      const heartbeatMs = options.heartbeatIntervalMs ?? 1000;
      const networkTimeoutMs = options.networkTimeoutMs ?? 60_000;
      const workerId = welcome.workerId ?? 'worker';
      return new Executor(
        socket,
        workerId,
        blockManager,
        blockServer,
        options.secret,
        heartbeatMs,
        networkTimeoutMs,
        options.cores ?? 1,
        options.tls,
      );
    } catch (error) {
      await blockServer.close();
      throw error;
    }
  }

  /** Resolves when the driver connection closes. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Stops running tasks, frees every block and closes every connection. Safe to call again. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#heartbeat);
      this.#queue.length = 0;
      for (const control of this.#running.values()) control.kill();
      this.#outbox.flush();
      liveOutboxes.delete(this.#outbox);
      this.#socket.close();
      this.#fetcher.close();
      this.#blockManager.onCachedBlockChange = () => undefined; // the driver is gone
      this.#blockManager.clear();
      await this.#blockServer.close();
    })();
    return this.#closing;
  }

  #onFrame(frame: Uint8Array): void {
    let messages: Message[];
    try {
      messages = decodeMessages(frame);
    } catch {
      closeForViolation(this.#socket);
      return;
    }
    for (const message of messages) this.#onMessage(message as DriverToWorkerMessage);
  }

  #onMessage(message: DriverToWorkerMessage): void {
    switch (message.type) {
      case 'defineStage':
        this.#stages.set(
          message.stage.stageKey,
          new StageRuntime(message.stage, {
            modules: this.#moduleLoader.modules,
            sharedVariable: (ref) => this.#sharedVariables.resolve(ref),
          }),
        );
        break;
      case 'launchTask':
        this.#queue.push({ task: message.task, stage: this.#stages.get(message.task.stageKey) });
        this.#startQueued();
        break;
      case 'killTask': {
        const queued = this.#queue.findIndex(({ task }) => task.taskId === message.taskId);
        if (queued !== -1) {
          this.#queue.splice(queued, 1);
          this.#outbox.send({
            type: 'taskFailed',
            taskId: message.taskId,
            error: serializeError(new TaskKilledError(message.taskId)),
            killed: true,
          });
        }
        this.#running.get(message.taskId)?.kill();
        break;
      }
      case 'forgetStage':
        this.#stages.delete(message.stageKey);
        break;
      case 'removeShuffle':
        this.#blockManager.removeShuffle(message.shuffleId);
        break;
      case 'putBroadcast':
        this.#sharedVariables.putBroadcast(message.id, message.value);
        break;
      case 'removeBroadcast':
        this.#sharedVariables.removeBroadcast(message.id);
        break;
      case 'unpersist':
        this.#blockManager.removeCached(message.nodeId);
        break;
      case 'shutdown':
        void this.close();
        break;
      default:
        // Handshake and peer messages have no business on an established driver link.
        closeForViolation(this.#socket, 'unexpected message');
    }
  }

  /** Starts queued tasks while cores are free. */
  #startQueued(): void {
    while (this.#running.size < this.#cores && this.#queue.length > 0) {
      if (this.#resultsWaitingSince !== undefined && this.#outbox.pending > 0) {
        const waited = performance.now() - this.#resultsWaitingSince;
        if (this.#lastTaskMs >= BATCH_RESULTS_BELOW_MS || waited >= BATCH_RESULTS_BELOW_MS)
          this.#outbox.flush();
      }
      const { task, stage } = this.#queue.shift() as QueuedTask;
      void this.#launch(task, stage);
    }
  }

  /** Queues an outcome to leave with the others of this turn. */
  #report(message: Message): void {
    if (this.#outbox.pending === 0) this.#resultsWaitingSince = performance.now();
    this.#outbox.send(message);
  }

  async #launch(task: TaskDescription, stage: StageRuntime | undefined): Promise<void> {
    const started = performance.now();
    const control = new TaskControl();
    this.#running.set(task.taskId, control);
    try {
      if (!stage)
        throw new Error(`Stage ${task.stageKey} was not defined on this worker before its task.`);
      // The modules its functions use load once per stage, before any of them is compiled.
      await this.#moduleLoader.prepare(stage.spec);
      const { result: outcome, updates } = await this.#sharedVariables.track(
        () => runTask(task, stage, this.#blockManager, this.#fetcher, control),
        stage.usesAccumulators,
      );
      // A kill that arrived after the task's last yield still wins: a killed task stores nothing.
      if (control.killed) {
        if (outcome.mapOutput) this.#blockManager.discardMapOutput(outcome.mapOutput);
        throw new TaskKilledError(task.taskId);
      }
      const { metrics, mapOutput } = outcome;
      const result =
        updates.size > 0 ? { ...outcome.result, accumulatorUpdates: [...updates] } : outcome.result;
      if (mapOutput && stage.spec.output.kind === 'shuffleWrite') {
        this.#blockManager.putMapOutput(stage.spec.output.shuffleId, task.partition, mapOutput);
      }
      this.#report({ type: 'taskFinished', taskId: task.taskId, result, metrics });
    } catch (error) {
      const fetchFailure =
        error instanceof FetchFailedError
          ? { shuffleId: error.shuffleId, mapIndex: error.mapIndex, address: error.address }
          : undefined;
      this.#report({
        type: 'taskFailed',
        taskId: task.taskId,
        error: serializeError(error),
        ...(fetchFailure ? { fetchFailure } : {}),
        ...(error instanceof TaskKilledError ? { killed: true } : {}),
      });
    } finally {
      this.#running.delete(task.taskId);
      this.#lastTaskMs = performance.now() - started;
      this.#startQueued();
    }
  }
}
