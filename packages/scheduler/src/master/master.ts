/**
 * Spark's standalone Master: the meeting point of a cluster. Worker daemons register their cores;
 * applications (drivers) register and are granted cores, which the master turns into executors by
 * asking workers with free cores to start them. Executors join their driver directly, and shuffle
 * data goes from executor to executor: the master carries neither tasks nor data.
 *
 * Scheduling: applications are served in the order they arrived (`fifo`, Spark's default, each up to
 * its `maxCores`), or free cores are dealt out one at a time in turn (`fair`). Grants never preempt:
 * an application keeps its executors until it ends. Executors are spread over the workers with the
 * most free cores, as Spark's `spreadOut` does, so one lost machine costs every application little.
 *
 * Invariants: a core is granted to at most one executor; an application's end (its connection
 * closing) frees all its executors and their work directories; a worker silent for
 * `workerTimeoutMs` is dropped (its executors are then gone from the master's books, and their
 * drivers find out through their own connections).
 */
import {
  acceptPeer,
  closeForViolation,
  listen,
  onClusterMessages,
  type RegisterApplicationMessage,
  type RegisterWorkerMessage,
  sendClusterMessage,
  type TlsOptions,
} from '@flint/worker';
import type { WebSocket, WebSocketServer } from 'ws';

/** How applications share the cluster's cores. */
export type SchedulingMode = 'fifo' | 'fair';

/** How to start a {@link Master}. */
export interface MasterOptions {
  readonly secret: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 7077 (0 picks a free port) */
  readonly port?: number;
  /** The host name workers and drivers use in the master's URL. @default host */
  readonly advertiseHost?: string;
  readonly tls?: TlsOptions;
  /** @default 'fifo' */
  readonly scheduling?: SchedulingMode;
  /** A worker silent this long is dropped, in ms. @default 60000 */
  readonly workerTimeoutMs?: number;
  /** Where the master reports what happens. @default stderr */
  readonly log?: (line: string) => void;
}

/** Spark's standalone master port. */
export const DEFAULT_MASTER_PORT = 7077;
const DEFAULT_WORKER_TIMEOUT_MS = 60_000;
/**
 * After a master restart, how long executors that workers report for an application the master
 * does not know yet are kept, waiting for its driver to re-register, before they are stopped.
 */
const ORPHAN_GRACE_MS = 30_000;
/** How long a re-registered application waits for its workers to report before new grants. */
const RECOVERY_MS = 5_000;
/** Executors of one application that may fail to start in a row before it gets no more. */
const MAX_EXECUTOR_FAILURES = 10;
const MAX_CLUSTER_FRAME_BYTES = 1 << 20;

/** A worker as the master's status shows it. */
export interface WorkerStatus {
  readonly id: string;
  readonly host: string;
  readonly cores: number;
  readonly coresUsed: number;
  readonly memoryBytes: number;
  readonly state: 'alive' | 'lost';
  readonly executors: number;
  readonly registeredAt: number;
}

/** An application as the master's status shows it. */
export interface ApplicationStatus {
  readonly id: string;
  readonly name: string;
  readonly driverUrl: string;
  readonly cores: number;
  readonly maxCores: number | undefined;
  readonly state: 'waiting' | 'running' | 'finished';
  readonly submittedAt: number;
  readonly endedAt: number | undefined;
}

/** The master's view of the cluster, for its status page and for tests. */
export interface MasterStatus {
  readonly url: string;
  readonly scheduling: SchedulingMode;
  readonly workers: readonly WorkerStatus[];
  readonly applications: readonly ApplicationStatus[];
}

interface Executor {
  readonly appId: string;
  readonly executorId: string;
  readonly workerId: string;
  readonly cores: number;
}

interface WorkerEntry {
  readonly id: string;
  socket: WebSocket | undefined;
  host: string;
  cores: number;
  memoryBytes: number;
  lastHeard: number;
  readonly registeredAt: number;
  state: 'alive' | 'lost';
  readonly executors: Map<string, Executor>;
}

interface ApplicationEntry {
  readonly id: string;
  name: string;
  driverUrl: string;
  maxCores: number | undefined;
  memoryPerExecutor: number | undefined;
  socket: WebSocket | undefined;
  /** Ends an application known only from a worker's executors, unless its driver comes back. */
  orphanTimer?: NodeJS.Timeout;
  /**
   * A driver that re-registers after a master restart gets no new cores until then: its workers
   * may not have reported its executors yet, and granting now could exceed its maxCores.
   */
  recoveringUntil?: number;
  readonly executors: Map<string, Executor>;
  readonly submittedAt: number;
  endedAt: number | undefined;
  failedExecutors: number;
  nextExecutor: number;
}

/** How many finished applications the status keeps. */
const FINISHED_KEPT = 50;

export class Master {
  readonly #server: WebSocketServer;
  readonly #secret: string;
  readonly #scheduling: SchedulingMode;
  readonly #workerTimeoutMs: number;
  readonly #log: (line: string) => void;
  readonly #workers = new Map<string, WorkerEntry>();
  readonly #applications = new Map<string, ApplicationEntry>();
  readonly #finished: ApplicationEntry[] = [];
  readonly #watchdog: NodeJS.Timeout;
  readonly #startedAt = Date.now();
  #nextWorker = 0;
  #nextApplication = 0;
  #closed = false;
  /** The URL workers and applications connect to, e.g. `ws://10.0.0.5:7077`. */
  readonly url: string;

  private constructor(server: WebSocketServer, url: string, options: MasterOptions) {
    this.#server = server;
    this.url = url;
    this.#secret = options.secret;
    this.#scheduling = options.scheduling ?? 'fifo';
    this.#workerTimeoutMs = options.workerTimeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    server.on('connection', (socket) => this.#onConnection(socket));
    this.#watchdog = setInterval(
      () => this.#dropSilentWorkers(),
      Math.max(10, Math.min(this.#workerTimeoutMs / 4, 5_000)),
    );
    this.#watchdog.unref();
  }

  /** Opens the master's endpoint. Beyond 127.0.0.1 it needs a secret (checked before binding). */
  static async start(options: MasterOptions): Promise<Master> {
    const { server, url } = await listen({
      secret: options.secret,
      roles: ['worker', 'application'],
      maxPayload: MAX_CLUSTER_FRAME_BYTES,
      what: 'The master',
      port: options.port ?? DEFAULT_MASTER_PORT,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.advertiseHost === undefined ? {} : { advertiseHost: options.advertiseHost }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
    const master = new Master(server, url, options);
    master.#log(`flint master: listening at ${url} (${master.#scheduling} scheduling).`);
    return master;
  }

  /** Workers, applications and their cores now. */
  status(): MasterStatus {
    const workers = [...this.#workers.values()].map(
      (w): WorkerStatus => ({
        id: w.id,
        host: w.host,
        cores: w.cores,
        coresUsed: usedCores(w.executors),
        memoryBytes: w.memoryBytes,
        state: w.state,
        executors: w.executors.size,
        registeredAt: w.registeredAt,
      }),
    );
    const applications = [...this.#applications.values(), ...this.#finished].map(
      (app): ApplicationStatus => ({
        id: app.id,
        name: app.name,
        driverUrl: app.driverUrl,
        cores: usedCores(app.executors),
        maxCores: app.maxCores,
        state:
          app.endedAt !== undefined ? 'finished' : app.executors.size > 0 ? 'running' : 'waiting',
        submittedAt: app.submittedAt,
        endedAt: app.endedAt,
      }),
    );
    return { url: this.url, scheduling: this.#scheduling, workers, applications };
  }

  /** When the master started (ms since the epoch). */
  get startedAt(): number {
    return this.#startedAt;
  }

  /** Closes every connection and the endpoint. Workers keep their executors and reconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const app of this.#applications.values()) clearTimeout(app.orphanTimer);
    for (const client of this.#server.clients) client.close(1001, 'the master is stopping');
    const cutOff = setTimeout(() => {
      for (const client of this.#server.clients) client.terminate();
    }, 1_000);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    clearTimeout(cutOff);
  }

  #onConnection(socket: WebSocket): void {
    acceptPeer(socket, this.#secret, () => ({})).then(
      (hello) => {
        if (this.#closed) return socket.close(1001, 'the master is stopping');
        // The first cluster message says who it is; anything else first is a violation.
        const stopReading = onClusterMessages(socket, (message) => {
          stopReading(); // the registration reads the rest of the connection's messages
          if (hello.role === 'worker' && message.type === 'registerWorker')
            this.#registerWorker(socket, message);
          else if (hello.role === 'application' && message.type === 'registerApplication')
            this.#registerApplication(socket, message);
          else closeForViolation(socket, `a ${hello.role} may not start with '${message.type}'`);
        });
      },
      (error: Error) => this.#log(`flint master: ${error.message}`),
    );
  }

  #registerWorker(socket: WebSocket, message: RegisterWorkerMessage): void {
    // A worker that reconnects (after a master restart, or a network cut) keeps its id, so the
    // executors it still runs stay attributed to it.
    const known = message.workerId === undefined ? undefined : this.#workers.get(message.workerId);
    // Ids carry the master's start time, so a new worker never takes the id of one that
    // reconnects to a restarted master, as Spark's `worker-<time>-<n>` ids.
    const id =
      known?.id ??
      message.workerId ??
      `worker-${timestamp(this.#startedAt)}-${String(this.#nextWorker++).padStart(4, '0')}`;
    if (known?.socket && known.socket !== socket) known.socket.terminate();
    const worker: WorkerEntry = known ?? {
      id,
      socket,
      host: message.host,
      cores: message.cores,
      memoryBytes: message.memoryBytes,
      lastHeard: Date.now(),
      registeredAt: Date.now(),
      state: 'alive',
      executors: new Map(),
    };
    Object.assign(worker, {
      socket,
      host: message.host,
      cores: message.cores,
      memoryBytes: message.memoryBytes,
      lastHeard: Date.now(),
      state: 'alive',
    });
    this.#workers.set(id, worker);
    // Executors it reports are its truth. Those of an application this master does not know (it
    // restarted) are kept for a while: the application's driver re-registers too.
    worker.executors.clear();
    for (const record of message.executors) {
      const app = this.#applications.get(record.appId) ?? this.#awaitDriver(record.appId);
      const executor = { ...record, workerId: id };
      worker.executors.set(executorKey(executor), executor);
      app.executors.set(executorKey(executor), executor);
    }
    sendClusterMessage(socket, { type: 'workerRegistered', workerId: id });
    this.#log(
      `flint master: worker ${id} ${known ? 're-registered' : 'registered'} from ${message.host} ` +
        `with ${message.cores} cores and ${formatBytes(message.memoryBytes)}.`,
    );
    onClusterMessages(socket, (next) => {
      worker.lastHeard = Date.now();
      if (next.type === 'executorExited')
        this.#executorExited(worker, next.appId, next.executorId, next.reason);
      else if (next.type !== 'workerAlive')
        closeForViolation(socket, `a worker may not send '${next.type}'`);
    });
    socket.once('close', () => {
      if (worker.socket === socket) this.#loseWorker(worker, 'its connection closed');
    });
    this.#schedule();
  }

  #registerApplication(socket: WebSocket, message: RegisterApplicationMessage): void {
    // A driver coming back after a master restart keeps its id and finds its executors.
    const returning =
      message.appId === undefined ? undefined : this.#applications.get(message.appId);
    if (returning?.socket) returning.socket.terminate();
    clearTimeout(returning?.orphanTimer);
    const app: ApplicationEntry = returning ?? {
      id:
        message.appId ??
        `app-${timestamp(this.#startedAt)}-${String(this.#nextApplication++).padStart(4, '0')}`,
      name: message.name,
      driverUrl: message.driverUrl,
      maxCores: message.maxCores,
      memoryPerExecutor: message.memoryPerExecutor,
      socket,
      executors: new Map(),
      submittedAt: Date.now(),
      endedAt: undefined,
      failedExecutors: 0,
      nextExecutor: 0,
    };
    Object.assign(app, {
      name: message.name,
      driverUrl: message.driverUrl,
      maxCores: message.maxCores,
      memoryPerExecutor: message.memoryPerExecutor,
      socket,
    });
    this.#applications.set(app.id, app);
    if (message.appId !== undefined) {
      app.recoveringUntil = Date.now() + RECOVERY_MS;
      setTimeout(() => this.#schedule(), RECOVERY_MS + 10).unref();
    }
    sendClusterMessage(socket, { type: 'applicationRegistered', appId: app.id });
    this.#log(
      `flint master: application ${app.id} (${app.name}) ${message.appId === undefined ? 'registered' : 're-registered'} from ${message.driverUrl}` +
        `${app.maxCores === undefined ? '' : `, at most ${app.maxCores} cores`}.`,
    );
    onClusterMessages(socket, (next) =>
      closeForViolation(socket, `an application may not send '${next.type}'`),
    );
    socket.once('close', () => {
      if (app.socket === socket) this.#endApplication(app);
    });
    this.#notifyGranted(app);
    this.#schedule();
  }

  /** A placeholder for an application a worker runs executors for, until its driver is back. */
  #awaitDriver(appId: string): ApplicationEntry {
    const app: ApplicationEntry = {
      id: appId,
      name: '(waiting for its driver)',
      driverUrl: '',
      maxCores: 0,
      memoryPerExecutor: undefined,
      socket: undefined,
      executors: new Map(),
      submittedAt: Date.now(),
      endedAt: undefined,
      failedExecutors: 0,
      nextExecutor: 0,
    };
    app.orphanTimer = setTimeout(() => {
      if (app.socket === undefined) this.#endApplication(app);
    }, ORPHAN_GRACE_MS);
    app.orphanTimer.unref();
    this.#applications.set(appId, app);
    return app;
  }

  #endApplication(app: ApplicationEntry): void {
    if (app.endedAt !== undefined) return;
    clearTimeout(app.orphanTimer);
    app.endedAt = Date.now();
    app.socket = undefined;
    this.#applications.delete(app.id);
    const holders = new Set<string>();
    for (const executor of app.executors.values()) {
      holders.add(executor.workerId);
      this.#workers.get(executor.workerId)?.executors.delete(executorKey(executor));
    }
    for (const workerId of holders) {
      const socket = this.#workers.get(workerId)?.socket;
      if (socket) sendClusterMessage(socket, { type: 'killExecutors', appId: app.id });
    }
    this.#finished.unshift(app);
    this.#finished.length = Math.min(this.#finished.length, FINISHED_KEPT);
    this.#log(
      `flint master: application ${app.id} ended after ${((app.endedAt - app.submittedAt) / 1000).toFixed(1)} s; ` +
        `freed ${usedCores(app.executors)} cores.`,
    );
    this.#schedule();
  }

  #executorExited(worker: WorkerEntry, appId: string, executorId: string, reason: string): void {
    const key = `${appId}/${executorId}`;
    const executor = worker.executors.get(key);
    if (!executor) return;
    worker.executors.delete(key);
    const app = this.#applications.get(appId);
    if (app) {
      app.executors.delete(key);
      app.failedExecutors++;
      this.#log(`flint master: executor ${key} on ${worker.id} exited (${reason}).`);
      this.#notifyGranted(app);
    }
    this.#schedule();
  }

  #loseWorker(worker: WorkerEntry, reason: string): void {
    if (worker.state === 'lost') return;
    worker.state = 'lost';
    worker.socket = undefined;
    this.#log(`flint master: lost worker ${worker.id} (${reason}).`);
    for (const executor of worker.executors.values()) {
      const app = this.#applications.get(executor.appId);
      if (!app) continue;
      app.executors.delete(executorKey(executor));
      this.#notifyGranted(app);
    }
    worker.executors.clear();
    this.#schedule();
  }

  #dropSilentWorkers(): void {
    const now = Date.now();
    for (const worker of this.#workers.values()) {
      if (worker.state !== 'alive' || now - worker.lastHeard <= this.#workerTimeoutMs) continue;
      worker.socket?.terminate();
      this.#loseWorker(worker, `silent for ${Math.round((now - worker.lastHeard) / 1000)} s`);
    }
  }

  /** Hands out free cores to applications that want more, one executor (one core) at a time. */
  #schedule(): void {
    if (this.#closed) return;
    const changed = new Set<ApplicationEntry>();
    const wanting = () =>
      [...this.#applications.values()].filter(
        (app) =>
          app.socket !== undefined &&
          app.failedExecutors < MAX_EXECUTOR_FAILURES &&
          (app.recoveringUntil === undefined || app.recoveringUntil <= Date.now()) &&
          (app.maxCores === undefined || usedCores(app.executors) < app.maxCores),
      );
    for (;;) {
      const apps = wanting();
      if (apps.length === 0) break;
      // fifo: the oldest application first; fair: the one holding the fewest cores.
      const app =
        this.#scheduling === 'fifo'
          ? apps[0]
          : apps.reduce((a, b) => (usedCores(b.executors) < usedCores(a.executors) ? b : a));
      const worker = this.#mostFreeWorker();
      if (!app || !worker) break;
      this.#launchExecutor(worker, app);
      changed.add(app);
    }
    for (const app of changed) this.#notifyGranted(app);
  }

  #mostFreeWorker(): WorkerEntry | undefined {
    let best: WorkerEntry | undefined;
    let bestFree = 0;
    for (const worker of this.#workers.values()) {
      if (worker.state !== 'alive' || !worker.socket) continue;
      const free = worker.cores - usedCores(worker.executors);
      if (free > bestFree) {
        best = worker;
        bestFree = free;
      }
    }
    return best;
  }

  #launchExecutor(worker: WorkerEntry, app: ApplicationEntry): void {
    // Prefixed with this master's start, so an executor started after a master restart never takes
    // the id of one a worker has yet to report.
    const executorId = `${timestamp(this.#startedAt)}-${app.nextExecutor++}`;
    const executor: Executor = { appId: app.id, executorId, workerId: worker.id, cores: 1 };
    worker.executors.set(executorKey(executor), executor);
    app.executors.set(executorKey(executor), executor);
    const memoryBytes = app.memoryPerExecutor ?? Math.floor(worker.memoryBytes / worker.cores);
    sendClusterMessage(worker.socket, {
      type: 'launchExecutor',
      appId: app.id,
      executorId,
      driverUrl: app.driverUrl,
      cores: 1,
      memoryBytes,
    });
    this.#log(`flint master: launching executor ${executorKey(executor)} on ${worker.id}.`);
  }

  #notifyGranted(app: ApplicationEntry): void {
    sendClusterMessage(app.socket, { type: 'executorsGranted', cores: usedCores(app.executors) });
  }
}

function executorKey(executor: { appId: string; executorId: string }): string {
  return `${executor.appId}/${executor.executorId}`;
}

function usedCores(executors: ReadonlyMap<string, Executor>): number {
  let cores = 0;
  for (const executor of executors.values()) cores += executor.cores;
  return cores;
}

/** Spark names applications `app-YYYYMMDDHHmmss-NNNN`; the master's start time keeps them unique. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, '').slice(0, 14);
}

export function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
