/** What the `flint` subcommands share: usage errors, ports, waiting for a signal, child processes. */
import { type SpawnOptions, spawn } from 'node:child_process';

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** A port flag: an integer from 0 to 65535, or `fallback` when absent. */
export function parsePort(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CommandError(`${flag} must be a port from 0 to 65535, but got '${value}'.`);
  return port;
}

/** A positive integer flag, or `fallback` when absent. */
export function parsePositive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new CommandError(`${flag} must be a positive integer, but got '${value}'.`);
  return parsed;
}

/** Resolves on SIGINT or SIGTERM (or when `signal` aborts), whichever comes first. */
export function untilSignal(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    if (signal?.aborted) return resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs a child process in the foreground: SIGINT and SIGTERM sent to this process are passed on
 * to it. Resolves with its exit code (128 when a signal ended it).
 */
export function runInForeground(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<number> {
  const child = spawn(command, args, { stdio: 'inherit', ...options });
  const forward = (name: NodeJS.Signals) => child.kill(name);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}
