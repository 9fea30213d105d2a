import { availableParallelism } from 'node:os';
import { ErrorCode, FlintError } from '@flint/worker';

/** Options of {@link createContext}. All are optional. */
export interface ContextOptions {
  /** Worker processes to start on 127.0.0.1. @default os.availableParallelism() */
  readonly workers?: number;
  /** A master to attach to instead of starting local workers, e.g. `ws://10.0.0.5:7077`. */
  readonly master?: string;
  /** The shared secret of the cluster. Local contexts make a random one. */
  readonly secret?: string;
  /** The web UI: `false`, or where to serve it. @default { host: '127.0.0.1', port: 4040 } */
  readonly ui?: false | { readonly port?: number; readonly host?: string };
  /** Show a console progress bar. @default true on a TTY */
  readonly progress?: boolean;
  /** A directory for JSON-lines event logs. */
  readonly eventLog?: string;
  /** Memory each worker may use, e.g. `'2g'`. @default a fair share of the machine */
  readonly memoryPerWorker?: string;
  /** Failures of one task before its job fails. @default 4 */
  readonly maxTaskFailures?: number;
  /** Re-run stragglers speculatively. @default false */
  readonly speculation?: boolean;
  /** How functions find the values they use: `'auto'` captures them; `'explicit'` needs env. @default 'auto' */
  readonly capture?: 'auto' | 'explicit';
  /** How often workers send heartbeats. @default 1000 */
  readonly heartbeatIntervalMs?: number;
  /** A worker silent for this long is lost. @default 60000 */
  readonly heartbeatTimeoutMs?: number;
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
