import { availableParallelism, totalmem } from 'node:os';
import {
  resolveSpeculation,
  type SchedulerListener,
  type SpeculationOptions,
} from '@flint/scheduler';
import {
  ErrorCode,
  FlintError,
  MIN_MEMORY_BYTES,
  parseMemorySize,
  type TlsOptions,
} from '@flint/worker';

/** Options of {@link createContext}. All are optional. */
export interface ContextOptions {
  /** Worker processes to start on 127.0.0.1. @default os.availableParallelism() */
  readonly workers?: number;
  /**
   * A master to attach to instead of starting local workers, e.g. `ws://10.0.0.5:7077`.
   * @default the FLINT_MASTER environment variable (set by `flint submit`), else local workers
   */
  readonly master?: string;
  /**
   * The shared secret of the cluster. Local contexts make a random one.
   * @default with a master, the FLINT_SECRET environment variable
   */
  readonly secret?: string;
  /** With a master: the most cores (executors) this application takes. @default all it can get */
  readonly maxCores?: number;
  /** With a master: the name on its status page. @default FLINT_APP_NAME, else the script's name */
  readonly appName?: string;
  /**
   * With a master: the address workers reach this driver at (it listens there).
   * @default the local address of the route to the master
   */
  readonly driverHost?: string;
  /** The web UI: `false`, or where to serve it. @default { host: '127.0.0.1', port: 4040 } */
  readonly ui?: false | { readonly port?: number; readonly host?: string };
  /** Show a console progress bar. @default true on a TTY */
  readonly progress?: boolean;
  /** A directory for JSON-lines event logs. */
  readonly eventLog?: string;
  /**
   * Listeners added before the context starts, so they hear everything from `applicationStart`
   * and the workers joining on (Spark's `spark.extraListeners`); `sc.addListener` adds one later.
   */
  readonly listeners?: readonly SchedulerListener[];
  /**
   * Memory of each worker process: `'2g'`, `'512m'`, or a number of bytes. Its cached partitions,
   * shuffle buffers and aggregation maps may take 60% of it (as Spark's spark.memory.fraction);
   * past that, cached partitions are evicted (least recently used first) and shuffles spill to
   * the worker's local disk (under TMPDIR). V8's heap is capped to match.
   * @default half the machine's memory, shared equally among the workers
   */
  readonly memoryPerWorker?: string | number;
  /** Failures of one task before its job fails. @default 4 */
  readonly maxTaskFailures?: number;
  /**
   * Re-run stragglers speculatively: `true` uses Spark's thresholds (a task 1.5 times slower than
   * the median, once 75% of its stage finished, after at least 100 ms), or give your own.
   * @default false
   */
  readonly speculation?: boolean | SpeculationOptions;
  /** How functions find the values they use: `'auto'` captures them; `'explicit'` needs env. @default 'auto' */
  readonly capture?: 'auto' | 'explicit';
  /** How often workers send heartbeats, in ms. @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * A worker silent for this long (no heartbeat, no answer to a shuffle fetch) is lost, in ms; a
   * worker whose process dies is lost at once. @default 60000
   */
  readonly heartbeatTimeoutMs?: number;
  /**
   * Start a new local worker when one dies (or hangs and is killed), so the context keeps its size.
   * With `false`, jobs go on with the workers that remain, as on a cluster. @default true
   */
  readonly replaceLostWorkers?: boolean;
  /**
   * TLS (PEM contents): with `cert` and `key`, the driver endpoint and the workers' block servers
   * speak `wss://`; `ca` is what their certificates must chain to. See SECURITY.md.
   */
  readonly tls?: TlsOptions;
}

/** Checks an integer argument, with an error that names it and says what was expected. */
export function checkInteger(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `${name} must be an integer of at least ${min}, but got ${describeValue(value)}.`,
    );
  }
  return value;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

/** Resolves the options a local context runs with. */
export function resolveOptions(options: ContextOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `createContext() takes an options object, but got ${describeValue(options)}.`,
    );
  }
  checkHeartbeats(options);
  // Read here so that a bad value fails before anything starts; used when local workers start.
  if (options.memoryPerWorker !== undefined) resolveMemoryPerWorker(options.memoryPerWorker, 1);
  checkListeners(options.listeners);
  resolveSpeculation(options.speculation); // throws on thresholds that make no sense
  return {
    workers:
      options.workers === undefined
        ? availableParallelism()
        : checkInteger(options.workers, 'createContext({ workers })', 1),
    maxTaskFailures:
      options.maxTaskFailures === undefined
        ? 4
        : checkInteger(options.maxTaskFailures, 'createContext({ maxTaskFailures })', 1),
    capture: options.capture ?? 'auto',
  };
}

/** The memory limit of each of `workers` local workers, in bytes: as given, or the default. */
export function resolveMemoryPerWorker(value: unknown, workers: number): number {
  return value === undefined
    ? defaultMemoryPerWorker(workers)
    : parseMemorySize(value, 'createContext({ memoryPerWorker })');
}

/**
 * The default memory of each of `workers` local workers: half the machine's memory, shared
 * equally. The other half is for the driver, the OS's page cache (which serves what workers
 * spill) and everything else on the machine.
 */
export function defaultMemoryPerWorker(workers: number): number {
  return Math.max(MIN_MEMORY_BYTES, Math.floor((totalmem() * 0.5) / workers));
}

function checkListeners(listeners: unknown): void {
  if (listeners === undefined) return;
  if (!Array.isArray(listeners) || listeners.some((listener) => typeof listener !== 'function')) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `createContext({ listeners }) must be an array of functions, like [(event) => console.log(event.type)], but got ${describeValue(listeners)}.`,
    );
  }
}

/** The heartbeat timeout must leave room for a few missed heartbeats, or healthy workers get lost. */
function checkHeartbeats(options: ContextOptions): void {
  const { heartbeatIntervalMs: interval, heartbeatTimeoutMs: timeout } = options;
  if (interval !== undefined) checkInteger(interval, 'createContext({ heartbeatIntervalMs })', 1);
  if (timeout !== undefined) checkInteger(timeout, 'createContext({ heartbeatTimeoutMs })', 1);
  if ((timeout ?? 60_000) < 3 * (interval ?? 1_000)) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `createContext({ heartbeatTimeoutMs: ${timeout ?? 60_000} }) must be at least 3 heartbeat intervals ` +
        `(${3 * (interval ?? 1_000)} ms), or workers that are merely busy are declared lost.`,
    );
  }
}
