/**
 * The driver's endpoint: the authenticated WebSocket server workers join, and the registry of the
 * workers that joined. It turns sockets into scheduler events (a worker joined, a task ended, a
 * worker was lost) and sends task messages; it makes no scheduling decisions itself.
 *
 * A worker is lost when its socket closes or when it sends nothing (no heartbeat, no task
 * message) for `heartbeatTimeoutMs`: a hung worker keeps its socket open but stops answering.
 * Messages to a worker leave through its Outbox: what one turn of the scheduler's event loop sends
 * a worker (a stage, many launches, kills) travels as one frame.
 *
 * Invariants: a worker is reported added only once it has sent its first message (proof that it
 * listens: frames sent to it any earlier could reach it before its handlers exist); it is reported
 * lost at most once, and nothing it sends afterwards is heard; messages to a worker arrive in the
 * order they were sent.
 */
import {
  acceptPeer,
  closeForViolation,
  type DriverToWorkerMessage,
  decodeMessages,
  frameBytes,
  listen,
  MAX_FRAME_BYTES,
  type Message,
  Outbox,
  send,
  type TlsOptions,
  type WorkerToDriverMessage,
} from '@flint/worker';
import type { WebSocket, WebSocketServer } from 'ws';

/** A worker as the driver knows it. */
export interface WorkerHandle {
  readonly id: string;
  /** Address of its block server, where reducers fetch its map outputs. */
  readonly blockServer: string;
  readonly cores: number;
  readonly pid: number | undefined;
  /** Stage attempts whose spec this worker already holds. */
  readonly definedStages: Set<string>;
  runningTasks: number;
  lastHeard: number;
}

/** What the pool reports to the scheduler. */
export interface WorkerPoolListener {
  workerAdded(worker: WorkerHandle): void;
  workerLost(workerId: string, reason: string): void;
  message(workerId: string, message: WorkerToDriverMessage): void;
}

/**
 * How often workers send heartbeats, in ms. Spark's executors send one every 10 s to drivers of
 * thousands of executors; Flint clusters are small and a heartbeat is a few bytes, so once a
 * second keeps the UI's view of workers fresh at no cost.
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * A worker silent this long is lost, in ms. Modelled on Spark's `spark.network.timeout` (120 s, 12
 * heartbeat intervals): far above the interval, so that a worker stalled by a long synchronous
 * user function or a garbage collection is not declared lost. A dead worker's socket closes at
 * once, so this timeout only matters for hung workers.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 60_000;

/** How long `close()` waits for workers to finish the closing handshake. */
const CLOSE_GRACE_MS = 1_000;

/** How to start a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  readonly secret: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** A worker silent for this long is lost. @default 60000 */
  readonly heartbeatTimeoutMs?: number;
  /** A certificate and key make the endpoint `wss://`; a CA is for the workers to verify it. */
  readonly tls?: TlsOptions;
}

/**
 * Told about every lost worker, after the listener (e.g. to end a local worker's process). `cause`
 * says whether its connection closed or it went silent (hung or unreachable).
 */
export type WorkerLostHook = (
  worker: WorkerHandle,
  reason: string,
  cause: 'closed' | 'silent',
) => void;

export class WorkerPool {
  readonly #server: WebSocketServer;
  readonly #sockets = new Map<string, WebSocket>();
  readonly #outboxes = new Map<string, Outbox>();
  readonly #workers = new Map<string, WorkerHandle>();
  readonly #listener: WorkerPoolListener;
  readonly #lostHooks = new Set<WorkerLostHook>();
  readonly #addedHooks = new Set<(worker: WorkerHandle) => void>();
  readonly #watchdog: NodeJS.Timeout;
  readonly #watchdogIntervalMs: number;
  #lastWatchdogTick = Date.now();
  #closed = false;
  #nextWorker = 0;
  /** The URL workers join, e.g. `ws://127.0.0.1:40123`. */
  readonly url: string;
  /** How long a worker may stay silent before it is lost. */
  readonly heartbeatTimeoutMs: number;

  private constructor(
    server: WebSocketServer,
    url: string,
    options: WorkerPoolOptions,
    listener: WorkerPoolListener,
  ) {
    this.#server = server;
    this.url = url;
    this.#listener = listener;
    server.on('connection', (socket) => this.#onConnection(socket, options.secret));
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.#watchdogIntervalMs = Math.max(10, Math.min(this.heartbeatTimeoutMs / 4, 5_000));
    this.#watchdog = setInterval(() => this.#checkHeartbeats(), this.#watchdogIntervalMs);
    this.#watchdog.unref();
  }

  static async start(
    options: WorkerPoolOptions,
    listener: WorkerPoolListener,
  ): Promise<WorkerPool> {
    // Binds to 127.0.0.1 unless told otherwise, and refuses to bind beyond it without a secret.
    const { server, url } = await listen({
      secret: options.secret,
      roles: ['worker'],
      maxPayload: MAX_FRAME_BYTES,
      what: 'The driver endpoint',
      ...(options.host === undefined ? {} : { host: options.host }),
      port: options.port ?? 0,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
    return new WorkerPool(server, url, options, listener);
  }

  get workers(): ReadonlyMap<string, WorkerHandle> {
    return this.#workers;
  }

  /**
   * Sends a message to a worker: it leaves with the others sent in this turn of the event loop.
   * `deferred` housekeeping (e.g. forgetStage) may wait a little longer for company.
   */
  send(workerId: string, message: DriverToWorkerMessage, deferred = false): void {
    const outbox = this.#outboxes.get(workerId);
    if (!outbox) return;
    if (deferred) outbox.defer(message);
    else outbox.send(message);
  }

  /** Calls `hook` for every worker that joins from now on. Returns a function that removes it. */
  onWorkerAdded(hook: (worker: WorkerHandle) => void): () => void {
    this.#addedHooks.add(hook);
    return () => this.#addedHooks.delete(hook);
  }

  /** Calls `hook` for every worker lost from now on. Returns a function that removes it. */
  onWorkerLost(hook: WorkerLostHook): () => void {
    this.#lostHooks.add(hook);
    return () => this.#lostHooks.delete(hook);
  }

  /** Drops a worker as lost (e.g. it stopped answering); its socket is terminated. */
  removeWorker(workerId: string, reason: string): void {
    const socket = this.#sockets.get(workerId);
    if (!socket) return;
    this.#sockets.delete(workerId);
    this.#dropOutbox(workerId);
    socket.terminate();
    this.#lose(workerId, reason, 'silent');
  }

  /**
   * Tells every worker to shut down and closes the endpoint. Workers that do not finish the
   * closing handshake within a second (hung ones) are cut off, so closing never waits on them.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const [id, socket] of this.#sockets) {
      const outbox = this.#outboxes.get(id);
      outbox?.send({ type: 'shutdown' });
      outbox?.flush();
      this.#dropOutbox(id);
      socket.close(1001, 'the driver is stopping');
    }
    this.#workers.clear();
    this.#sockets.clear();
    const cutOff = setTimeout(() => {
      for (const client of this.#server.clients) client.terminate();
    }, CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    clearTimeout(cutOff);
  }

  #onConnection(socket: WebSocket, secret: string): void {
    const id = `worker-${this.#nextWorker++}`;
    acceptPeer(socket, secret, () => ({ workerId: id }))
      .then((hello) => {
        if (hello.role !== 'worker' || hello.blockServer === undefined) {
          socket.close(1008, 'only workers may join a driver');
          return;
        }
        if (this.#closed) {
          send(socket, { type: 'shutdown' });
          socket.close(1001, 'the driver is stopping');
          return;
        }
        const worker: WorkerHandle = {
          id,
          blockServer: hello.blockServer,
          cores: Math.max(1, Math.floor(hello.cores ?? 1)),
          pid: hello.pid,
          definedStages: new Set(),
          runningTasks: 0,
          lastHeard: Date.now(),
        };
        let joined = false;
        socket.on('message', (data) => {
          if (!joined) {
            if (this.#closed) return;
            joined = true;
            this.#workers.set(id, worker);
            this.#sockets.set(id, socket);
            this.#outboxes.set(id, new Outbox(socket));
            this.#listener.workerAdded(worker);
            for (const hook of this.#addedHooks) hook(worker);
          }
          this.#onFrame(worker, socket, frameBytes(data));
        });
        socket.on('close', () => this.#onClose(id, socket));
        socket.on('error', () => undefined); // 'close' follows
        // Until its first message, the worker is not offered tasks; the join still has a deadline.
        setTimeout(() => {
          if (!joined) socket.terminate();
        }, this.heartbeatTimeoutMs).unref();
      })
      .catch(() => {
        // acceptPeer closed the socket and told the peer why.
      });
  }

  #onFrame(worker: WorkerHandle, socket: WebSocket, frame: Uint8Array): void {
    if (this.#workers.get(worker.id) !== worker) return; // lost already: nothing it says counts
    let messages: Message[];
    try {
      messages = decodeMessages(frame);
      for (const message of messages) {
        if (!isFromWorker(message)) throw new Error(`unexpected '${message.type}'`);
      }
    } catch {
      closeForViolation(socket);
      return;
    }
    worker.lastHeard = Date.now();
    for (const message of messages as WorkerToDriverMessage[]) {
      // A message may end in the worker's loss (a listener gave up on it): then stop hearing it.
      if (this.#workers.get(worker.id) !== worker) return;
      if (message.type !== 'heartbeat') this.#listener.message(worker.id, message);
    }
  }

  #onClose(id: string, socket: WebSocket): void {
    if (this.#sockets.get(id) !== socket) return;
    this.#sockets.delete(id);
    this.#dropOutbox(id);
    this.#lose(id, 'its connection closed', 'closed');
  }

  #dropOutbox(workerId: string): void {
    const outbox = this.#outboxes.get(workerId);
    if (!outbox) return;
    outbox.clear();
    this.#outboxes.delete(workerId);
  }

  #lose(workerId: string, reason: string, cause: 'closed' | 'silent'): void {
    const worker = this.#workers.get(workerId);
    if (!worker) return;
    this.#workers.delete(workerId);
    this.#listener.workerLost(workerId, reason);
    for (const hook of this.#lostHooks) hook(worker, reason, cause);
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    const stalledFor = now - this.#lastWatchdogTick - this.#watchdogIntervalMs;
    this.#lastWatchdogTick = now;
    if (stalledFor > this.#watchdogIntervalMs) {
      // The driver itself was stalled (a long synchronous computation in the application): the
      // workers' heartbeats are waiting unread in the sockets, so silence proves nothing yet.
      for (const worker of this.#workers.values()) worker.lastHeard = now;
      return;
    }
    for (const worker of [...this.#workers.values()]) {
      const silentMs = now - worker.lastHeard;
      if (silentMs > this.heartbeatTimeoutMs) {
        this.removeWorker(
          worker.id,
          `it sent no heartbeat for ${(silentMs / 1000).toFixed(1)} s (it hung or is unreachable)`,
        );
      }
    }
  }
}

function isFromWorker(message: Message): message is WorkerToDriverMessage {
  return (
    message.type === 'taskFinished' ||
    message.type === 'taskFailed' ||
    message.type === 'blockUpdated' ||
    message.type === 'heartbeat'
  );
}
