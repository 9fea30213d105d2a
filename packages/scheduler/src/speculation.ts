/**
 * Speculative execution, as Spark's `spark.speculation`: once most tasks of a stage attempt have
 * finished, a task still running much longer than their median is a straggler (a slow or sick
 * worker), and a second copy of it is launched on another worker. The first copy to finish wins;
 * the task scheduler kills the other. These are the pure rules; the TaskScheduler applies them.
 */
import { ErrorCode, FlintError } from '@flint/worker';

/** When a task counts as a straggler. Spark's `spark.speculation.*` settings, with its defaults. */
export interface SpeculationOptions {
  /** Fraction of a stage's tasks that must have succeeded before any is speculated. @default 0.75 */
  readonly quantile?: number;
  /** How many times the median successful duration a task must have run. @default 1.5 */
  readonly multiplier?: number;
  /** A task must have run at least this long, so tiny tasks are never copied. @default 100 */
  readonly minRuntimeMs?: number;
  /** How often the scheduler looks for stragglers. @default 100 */
  readonly intervalMs?: number;
}

export type ResolvedSpeculation = Required<SpeculationOptions>;

/** Spark's defaults (spark.speculation.quantile, .multiplier, .minTaskRuntime, .interval). */
export const DEFAULT_SPECULATION: ResolvedSpeculation = {
  quantile: 0.75,
  multiplier: 1.5,
  minRuntimeMs: 100,
  intervalMs: 100,
};

/** `true` means Spark's defaults; `false` or undefined turns speculation off. */
export function resolveSpeculation(
  option: boolean | SpeculationOptions | undefined,
): ResolvedSpeculation | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return DEFAULT_SPECULATION;
  if (typeof option !== 'object' || option === null) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      'createContext({ speculation }) takes true, false or { quantile, multiplier, minRuntimeMs, ' +
        `intervalMs }, but got ${String(option)}.`,
    );
  }
  const resolved = { ...DEFAULT_SPECULATION, ...definedOnly(option) };
  const problem = thresholdProblem(resolved);
  if (problem)
    throw new FlintError(ErrorCode.ARGUMENT, `createContext({ speculation }): ${problem}.`);
  return resolved;
}

function thresholdProblem({
  quantile,
  multiplier,
  minRuntimeMs,
  intervalMs,
}: ResolvedSpeculation): string | undefined {
  if (!(quantile > 0 && quantile <= 1)) return `quantile must be in (0, 1], but is ${quantile}`;
  if (!(multiplier >= 1)) return `multiplier must be at least 1, but is ${multiplier}`;
  if (!(minRuntimeMs >= 0)) return `minRuntimeMs must not be negative, but is ${minRuntimeMs}`;
  if (!(intervalMs >= 1)) return `intervalMs must be at least 1, but is ${intervalMs}`;
  return undefined;
}

/**
 * How long a running task of a stage attempt with `numTasks` tasks may run before it is a
 * straggler, given the durations of the tasks that succeeded so far; undefined while too few have
 * finished to judge (Spark's `checkSpeculatableTasks`).
 */
export function speculationThreshold(
  numTasks: number,
  successDurations: readonly number[],
  options: ResolvedSpeculation,
): number | undefined {
  const minFinished = Math.max(1, Math.floor(options.quantile * numTasks));
  if (successDurations.length < minFinished || successDurations.length === 0) return undefined;
  return Math.max(options.minRuntimeMs, options.multiplier * median(successDurations));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

function definedOnly(options: SpeculationOptions): SpeculationOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
