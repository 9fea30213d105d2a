/**
 * Memory sizes as people write them: `'512m'`, `'2g'`, `'1.5g'`, `'64mb'` or a number of bytes, with
 * binary units (k = 1024), as Spark reads `spark.executor.memory`. One parser for the
 * `memoryPerWorker` option and the `flint worker --memory` flag, so both accept the same text.
 */
import { ErrorCode, FlintError } from './errors.js';

/** The smallest memory limit a worker accepts: below it every record would spill. */
export const MIN_MEMORY_BYTES = 1024 * 1024;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$/i;

/**
 * Reads a memory size: a whole number of bytes, or a number with a unit (`k`, `m`, `g`, `t`,
 * optionally followed by `b` or `ib`). Throws a FlintError (ARGUMENT) naming `what` otherwise.
 */
export function parseMemorySize(value: unknown, what: string): number {
  let bytes: number | undefined;
  if (typeof value === 'number') {
    bytes = Number.isSafeInteger(value) ? value : undefined;
  } else if (typeof value === 'string') {
    const match = SIZE.exec(value.trim());
    if (match) {
      const [, amount = '', unit = ''] = match;
      const scaled = Number(amount) * (UNITS[unit.toLowerCase()] ?? Number.NaN);
      // A fraction of a byte means a typo, not a size: '1.5' is refused, '1.5g' is not.
      bytes = unit === '' && amount.includes('.') ? undefined : Math.floor(scaled);
    }
  }
  if (bytes === undefined || !Number.isSafeInteger(bytes)) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `${what} must be a memory size such as '512m', '2g' or a number of bytes, but got ${shown}.`,
    );
  }
  if (bytes < MIN_MEMORY_BYTES) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `${what} must be at least 1m (${MIN_MEMORY_BYTES} bytes), but got ${formatMemorySize(bytes)}; ` +
        `a plain number is bytes, so write '${bytes}m' for megabytes.`,
    );
  }
  return bytes;
}

/** A size for messages: `512 MiB`, `1.5 GiB`, `300 KiB`, `12 B`. */
export function formatMemorySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}

/** A worker's memory when none is given (`flint worker` without --memory): Spark's executor default. */
export const DEFAULT_WORKER_MEMORY_BYTES = 2 ** 30;

/** Room in V8's heap beyond the worker's memory: the engine's code and its own objects. */
const HEAP_HEADROOM_MIB = 64;

/**
 * The Node options of a worker process with `memoryBytes` of memory, as Spark caps an executor's
 * JVM heap at its memory: V8's old space capped at the memory plus a little room, so that V8
 * collects garbage before the heap outgrows the memory instead of growing towards its default
 * limit (several GB) first; and for a small memory a young generation to match (a 32nd of the
 * memory per semi-space, V8's default of 16 MiB from 512 MiB up), which is otherwise 48 MiB of
 * RSS whatever the data. The worker's own accounting keeps its data well under the cap
 * (MEMORY_FRACTION).
 */
export function workerNodeOptions(memoryBytes: number): string[] {
  const mib = Math.ceil(memoryBytes / 2 ** 20);
  const semiSpaceMib = Math.max(1, Math.min(16, Math.floor(mib / 32)));
  return [
    `--max-old-space-size=${mib + HEAP_HEADROOM_MIB}`,
    `--max-semi-space-size=${semiSpaceMib}`,
  ];
}
