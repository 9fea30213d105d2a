/**
 * The embedded default: worker processes on this machine, started by the driver, each joining it
 * over a real WebSocket on 127.0.0.1 exactly as a remote worker would. The secret reaches them in
 * their environment, never on the command line.
 *
 * The cluster keeps its size: a worker process that dies is replaced, and a worker the driver
 * declares lost while its process still runs (hung, or cut off) is killed first, then replaced.
 * Invariants: every process it started is ended by `stop()` (SIGTERM, then SIGKILL after a grace
 * period), and none is started after `stop()` began; workers that keep failing to start are not
 * restarted forever.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  flintCommandArgs,
  stopChildProcess,
  type TlsOptions,
  tlsEnvironment,
  workerNodeOptions,
} from '@flint/worker';
import type { WorkerPool } from './workerPool.js';

export interface LocalClusterOptions {
  readonly workers: number;
  readonly driverUrl: string;
  readonly secret: string;
  readonly coresPerWorker?: number;
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a worker waits for a silent peer during a shuffle fetch before reporting a fetch
   * failure. @default the pool's heartbeat timeout
   */
  readonly networkTimeoutMs?: number;
  /** The driver's endpoint: workers it declares lost are killed here, so they get replaced. */
  readonly pool?: WorkerPool;
  /** Start a new worker when one dies, so the context keeps its size. @default true */
  readonly replaceLostWorkers?: boolean;
  /** TLS for the workers' block servers and connections, handed over in their environment. */
  readonly tls?: TlsOptions;
  /** Each worker's memory limit in bytes (`flint worker --memory`). @default the worker's own */
  readonly memoryPerWorkerBytes?: number;
}

/** After this many failed starts in a row, the cluster stops replacing workers. */
const MAX_FAILED_STARTS = 3;
/** How long a lost worker whose connection closed may take to exit by itself. */
const EXIT_GRACE_MS = 2_000;

export class LocalCluster {
  readonly #processes = new Set<ChildProcess>();
  readonly #removeHooks: (() => void)[] = [];
  /** PIDs of workers that joined the driver (so an exit later is not a failed start). */
  readonly #joined = new Set<number>();
  #stopping = false;
  #failedStarts = 0;
  #gaveUp = false;
  #replacements = 0;

  constructor(private readonly options: LocalClusterOptions) {
    const { pool } = options;
    if (!pool) return;
    this.#removeHooks.push(
      pool.onWorkerAdded((worker) => {
        if (worker.pid !== undefined) this.#joined.add(worker.pid);
      }),
      pool.onWorkerLost((worker, _reason, cause) => {
        const child = [...this.#processes].find((process) => process.pid === worker.pid);
        if (!child) return;
        // A hung worker never exits by itself; one whose connection closed normally does.
        if (cause === 'silent') child.kill('SIGKILL');
        else
          setTimeout(
            () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'),
            EXIT_GRACE_MS,
          ).unref();
      }),
    );
  }

  /** PIDs of the live worker processes. */
  get pids(): number[] {
    return [...this.#processes].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /** Workers started to replace ones that died. */
  get replacements(): number {
    return this.#replacements;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts the workers (they join the driver on their own). */
  start(): void {
    for (let i = 0; i < this.options.workers; i++) this.#spawnWorker();
  }

  /** Ends every worker process and waits until they are gone. */
  async stop(graceMs = 2_000): Promise<void> {
    this.#stopping = true;
    for (const remove of this.#removeHooks) remove();
    await Promise.all([...this.#processes].map((child) => stopChildProcess(child, graceMs)));
  }

  #spawnWorker(): ChildProcess {
    const { driverUrl, secret, coresPerWorker = 1, heartbeatIntervalMs, pool } = this.options;
    const { memoryPerWorkerBytes: memory } = this.options;
    const networkTimeoutMs = this.options.networkTimeoutMs ?? pool?.heartbeatTimeoutMs;
    const args = [
      ...(memory === undefined ? [] : workerNodeOptions(memory)),
      ...cpuProfileArgs(),
      ...flintCommandArgs(),
      'worker',
      '--driver',
      driverUrl,
      '--cores',
      String(coresPerWorker),
    ];
    if (heartbeatIntervalMs !== undefined)
      args.push('--heartbeat-interval', String(heartbeatIntervalMs));
    if (networkTimeoutMs !== undefined) args.push('--network-timeout', String(networkTimeoutMs));
    if (memory !== undefined) args.push('--memory', String(memory));
    const child = spawn(process.execPath, args, {
      env: { ...process.env, FLINT_SECRET: secret, ...tlsEnvironment(this.options.tls) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.#processes.add(child);
    child.once('exit', (code, signal) => {
      this.#processes.delete(child);
      this.#onExit(child, code, signal);
    });
    // A failed spawn (e.g. EAGAIN) is reported as 'error', and 'exit' may never follow.
    child.once('error', () => {
      if (!this.#processes.delete(child)) return;
      this.#onExit(child, 1, null);
    });
    return child;
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const joined = child.pid !== undefined && this.#joined.delete(child.pid);
    if (this.#stopping || this.#gaveUp || this.options.replaceLostWorkers === false) return;
    // Killed by a signal (by us, a test, the OOM killer) or exiting after it joined is a lost
    // worker; exiting with an error before joining is a failed start, which may well repeat.
    const failedToStart = !joined && signal === null && code !== 0;
    this.#failedStarts = failedToStart ? this.#failedStarts + 1 : 0;
    if (this.#failedStarts >= MAX_FAILED_STARTS) {
      this.#gaveUp = true;
      process.emitWarning(
        `Flint: ${MAX_FAILED_STARTS} local workers in a row failed to start (last exit code ${code}); ` +
          'lost workers are not replaced any more. Their output above says why.',
      );
      return;
    }
    this.#replacements++;
    this.#spawnWorker();
  }
}

/**
 * FLINT_CPU_PROF_DIR=dir makes every local worker write a V8 CPU profile into dir when it exits
 * (node's --cpu-prof, which NODE_OPTIONS does not accept), to see where a job's time goes.
 */
function cpuProfileArgs(): string[] {
  const dir = process.env.FLINT_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
