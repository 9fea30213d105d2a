/**
 * Spark's standalone Worker: a long-lived process on a cluster machine that offers its cores to a
 * master and starts an executor process for each core the master grants to an application. The
 * executors join the application's driver directly; this daemon only starts, watches and stops
 * them.
 *
 * It outlives its master: when the master goes away (restart, network cut) the daemon reconnects
 * with exponential backoff and re-registers under the same id, listing the executors still
 * running, so applications keep their executors across a master restart. A refused handshake
 * (wrong secret, another protocol version) is not retried: it cannot heal by itself.
 *
 * Invariants: every executor process it started is ended by `close()`; an application's working
 * directory is removed when its executors are killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { closeForViolation, connectToListener } from '../connection.js';
import { ErrorCode, FlintError } from '../errors.js';
import { flintCommandArgs, stopChildProcess } from '../launch.js';
import { workerNodeOptions } from '../memorySize.js';
import { type TlsOptions, tlsEnvironment } from '../security/tls.js';
import {
  type ClusterMessage,
  type ExecutorRecord,
  type LaunchExecutorMessage,
  onClusterMessages,
  sendClusterMessage,
} from './clusterProtocol.js';

/** How to start a {@link WorkerDaemon}. */
export interface WorkerDaemonOptions {
  /** The master's URL, e.g. `ws://10.0.0.5:7077`. */
  readonly masterUrl: string;
  readonly secret: string;
  /** Cores offered to the master: one executor process each. */
  readonly cores: number;
  /** Memory offered to the master, in bytes (shared by its executors). */
  readonly memoryBytes: number;
  /** Interface the executors' block servers bind to. */
  readonly host: string;
  /** Host name other machines reach the executors at. */
  readonly advertiseHost: string;
  /** Where executors run; one directory per application, removed when it ends. */
  readonly workDir: string;
  readonly tls?: TlsOptions;
  /** Arguments added to every executor's command line (e.g. `--network-timeout`). */
  readonly executorArgs?: readonly string[];
  /** How often the daemon tells the master it is alive. @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /** Where the daemon reports what it does. @default stderr */
  readonly log?: (line: string) => void;
}

/** The first reconnect waits this long, doubling up to {@link MAX_BACKOFF_MS}. */
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** How long an executor may take to exit after SIGTERM before it is killed. */
const EXECUTOR_GRACE_MS = 3_000;

interface RunningExecutor extends ExecutorRecord {
  readonly child: ChildProcess;
}

export class WorkerDaemon {
  readonly #options: WorkerDaemonOptions;
  readonly #log: (line: string) => void;
  readonly #executors = new Map<string, RunningExecutor>();
  #socket: WebSocket | undefined;
  #workerId: string | undefined;
  #backoffMs = MIN_BACKOFF_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #aliveTimer: NodeJS.Timeout | undefined;
  #closing = false;
  readonly #stopped: Promise<void>;
  #stop!: (error?: Error) => void;
  readonly #firstRegistration: Promise<void>;
  #confirmRegistration!: () => void;

  private constructor(options: WorkerDaemonOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#stopped = new Promise<void>((resolve, reject) => {
      this.#stop = (error) => (error ? reject(error) : resolve());
    });
    this.#firstRegistration = new Promise((resolve) => {
      this.#confirmRegistration = resolve;
    });
    // Observed by `stopped`'s callers; without this, a fatal refusal nobody awaits would crash.
    this.#stopped.catch(() => undefined);
  }

  /**
   * Starts the daemon: registers with the master (retrying while it is unreachable).
   * @returns once the first registration is done; rejects when the master refuses this worker.
   */
  static async start(options: WorkerDaemonOptions): Promise<WorkerDaemon> {
    const daemon = new WorkerDaemon(options);
    mkdirSync(options.workDir, { recursive: true });
    await daemon.#connect(true);
    return daemon;
  }

  /** The id the master gave this worker. */
  get workerId(): string | undefined {
    return this.#workerId;
  }

  /** PIDs of the executor processes running now. */
  get executorPids(): number[] {
    return [...this.#executors.values()].flatMap(({ child }) =>
      child.pid === undefined ? [] : [child.pid],
    );
  }

  /** Settles when the daemon stops for good: resolves after `close()`, rejects on a refusal. */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  /** Leaves the master and ends every executor. */
  async close(): Promise<void> {
    if (this.#closing) return this.#stopped.catch(() => undefined);
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#aliveTimer);
    this.#socket?.close(1000, 'worker stopping');
    await stopExecutors(this.#executors.values());
    this.#stop();
  }

  /** Connects and registers; on the first attempt, failures reject instead of retrying. */
  async #connect(first: boolean): Promise<void> {
    const { masterUrl, secret, tls } = this.#options;
    let socket: WebSocket;
    try {
      ({ socket } = await connectToListener(
        masterUrl,
        secret,
        'worker',
        { cores: this.#options.cores, pid: process.pid },
        tls === undefined ? {} : { tls },
      ));
    } catch (error) {
      const refused = error instanceof FlintError && error.code !== ErrorCode.WORKER_LOST;
      if (refused) {
        // A wrong secret or version does not heal by retrying.
        if (first) throw error;
        this.#log(`flint worker: ${(error as Error).message}; stopping.`);
        await this.#fail(error as Error);
        return;
      }
      if (first) {
        this.#log(`flint worker: ${(error as Error).message}; retrying.`);
      }
      this.#scheduleReconnect();
      if (first) await this.#registered();
      return;
    }
    if (this.#closing) {
      socket.close();
      return;
    }
    this.#attach(socket);
    if (first) await this.#registered();
  }

  /** Resolves once the master confirmed the first registration, or the daemon stopped. */
  #registered(): Promise<void> {
    return Promise.race([this.#firstRegistration, this.#stopped]);
  }

  #attach(socket: WebSocket): void {
    this.#socket = socket;
    const { cores, memoryBytes, advertiseHost } = this.#options;
    this.#send({
      type: 'registerWorker',
      ...(this.#workerId === undefined ? {} : { workerId: this.#workerId }),
      host: advertiseHost,
      cores,
      memoryBytes,
      executors: [...this.#executors.values()].map(({ appId, executorId, cores: c }) => ({
        appId,
        executorId,
        cores: c,
      })),
    });
    onClusterMessages(socket, (message) => this.#onMessage(message));
    socket.on('error', () => undefined); // 'close' follows
    socket.once('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
      clearInterval(this.#aliveTimer);
      if (this.#closing) return;
      this.#log('flint worker: lost the master; reconnecting.');
      this.#scheduleReconnect();
    });
    const interval = this.#options.heartbeatIntervalMs ?? 1_000;
    clearInterval(this.#aliveTimer);
    this.#aliveTimer = setInterval(() => this.#send({ type: 'workerAlive' }), interval);
    this.#aliveTimer.unref();
  }

  #onMessage(message: ClusterMessage): void {
    switch (message.type) {
      case 'workerRegistered':
        if (this.#workerId !== message.workerId)
          this.#log(
            `flint worker: registered with ${this.#options.masterUrl} as ${message.workerId} ` +
              `(${this.#options.cores} cores, executors reachable at ${this.#options.advertiseHost}).`,
          );
        this.#workerId = message.workerId;
        this.#confirmRegistration();
        this.#backoffMs = MIN_BACKOFF_MS;
        return;
      case 'launchExecutor':
        this.#launch(message);
        return;
      case 'killExecutors':
        void this.#killApplication(message.appId);
        return;
      default:
        // Messages for applications have no business here.
        if (this.#socket) closeForViolation(this.#socket, `unexpected '${message.type}'`);
    }
  }

  #launch({ appId, executorId, driverUrl, cores, memoryBytes }: LaunchExecutorMessage): void {
    const { secret, host, advertiseHost, tls, executorArgs = [] } = this.#options;
    const cwd = join(this.#options.workDir, appId, executorId);
    mkdirSync(cwd, { recursive: true });
    const args = [
      // The executor's heap is capped at its memory limit, as local workers' are.
      ...workerNodeOptions(memoryBytes),
      ...flintCommandArgs(),
      'worker',
      '--driver',
      driverUrl,
      '--cores',
      String(cores),
      '--host',
      host,
      '--advertise-host',
      advertiseHost,
      '--memory',
      String(memoryBytes),
      // Spill files go under the application's directory, removed when it ends.
      '--work-dir',
      cwd,
      ...executorArgs,
    ];
    const child = spawn(process.execPath, args, {
      cwd,
      // The secret travels in the environment, never on a command line `ps` shows.
      env: { ...process.env, FLINT_SECRET: secret, ...tlsEnvironment(tls) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const key = `${appId}/${executorId}`;
    this.#executors.set(key, { appId, executorId, cores, child });
    this.#log(`flint worker: started executor ${key} (pid ${child.pid}) for ${driverUrl}.`);
    const exited = (reason: string) => {
      if (this.#executors.get(key)?.child !== child) return;
      this.#executors.delete(key);
      if (!this.#closing) this.#send({ type: 'executorExited', appId, executorId, reason });
    };
    child.once('exit', (code, signal) =>
      exited(signal === null ? `exit code ${code}` : `signal ${signal}`),
    );
    child.once('error', (error) => exited(`could not start: ${error.message}`));
  }

  async #killApplication(appId: string): Promise<void> {
    const executors = [...this.#executors.values()].filter((e) => e.appId === appId);
    await stopExecutors(executors);
    rmSync(join(this.#options.workDir, appId), { recursive: true, force: true });
    if (executors.length > 0)
      this.#log(`flint worker: application ${appId} ended; stopped its executors.`);
  }

  #send(message: ClusterMessage): void {
    sendClusterMessage(this.#socket, message);
  }

  #scheduleReconnect(): void {
    if (this.#closing) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    this.#reconnectTimer = setTimeout(() => void this.#connect(false), delay);
  }

  async #fail(error: Error): Promise<void> {
    this.#closing = true;
    clearInterval(this.#aliveTimer);
    await stopExecutors(this.#executors.values());
    this.#stop(error);
  }
}

function stopExecutors(executors: Iterable<RunningExecutor>): Promise<unknown> {
  return Promise.all([...executors].map(({ child }) => stopChildProcess(child, EXECUTOR_GRACE_MS)));
}
