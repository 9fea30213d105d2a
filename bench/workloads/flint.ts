/**
 * The Flint side of every workload goes through this file and the public API of '@flint/rdd'
 * only. The package is imported lazily so that a missing or broken engine becomes one reported
 * error per workload instead of stopping the baselines. Each workload gets a fresh context, and
 * whatever the engine does, its worker processes are gone before the next implementation runs.
 */
import type { createContext } from '@flint/rdd';
import { errorMessage, withTimeout } from '../measure.js';
import { descendantPids } from '../procs.js';
import type { Measured } from '../spec.js';

export type FlintContext = Awaited<ReturnType<typeof createContext>>;
export type FlintOptions = NonNullable<Parameters<typeof createContext>[0]>;

/** What a workload body gets besides the context. */
export interface FlintRun {
  /** The processes started since this context was created (its local workers). */
  contextPids(): Promise<number[]>;
}

const STOP_TIMEOUT_MS = 30_000;
const EXIT_GRACE_MS = 2_000;

/** Processes started since `before`, oldest first. */
async function newPids(before: ReadonlySet<number>): Promise<number[]> {
  const now = await descendantPids();
  return [...now].filter((pid) => !before.has(pid)).sort((a, b) => a - b);
}

/**
 * Kills what is left of a context that did not stop by itself (a hung or timed-out engine), so
 * it cannot compete for the cores with the next implementation. Only processes this bench
 * started since the context's creation, by pid.
 */
async function killLeftovers(before: ReadonlySet<number>): Promise<string[]> {
  const deadline = performance.now() + EXIT_GRACE_MS;
  let left = await newPids(before);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await newPids(before);
  }
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return left.length === 0
    ? []
    : [`killed ${left.length} process(es) left running: ${left.join(', ')}`];
}

/**
 * Starts a context (timed on its own), warms it with one small job on every worker, runs `body`
 * within `timeoutMs` and stops the context.
 */
export async function measureOnFlint<R>(
  options: FlintOptions,
  timeoutMs: number,
  body: (sc: FlintContext, run: FlintRun) => Promise<Measured<R>>,
): Promise<Measured<R>> {
  const flint = await import('@flint/rdd');
  // After the import: loading the engine may start helpers of its own that are not workers.
  const before = await descendantPids();
  let sc: FlintContext | undefined;
  let measured: Measured<R> | undefined;
  let failure: unknown;
  try {
    const started = performance.now();
    sc = await withTimeout(flint.createContext(options), timeoutMs, 'createContext');
    const startupMs = performance.now() - started;
    const context = sc;
    const work = async (): Promise<Measured<R>> => {
      await context.range(0, 1000, 1, options.workers).count();
      return body(context, { contextPids: () => newPids(before) });
    };
    measured = await withTimeout(work(), timeoutMs, 'flint');
    measured.startup = { label: 'flint context start-up', ms: startupMs };
  } catch (error) {
    failure = error;
  }
  if (sc !== undefined) {
    try {
      await withTimeout(sc.stop(), STOP_TIMEOUT_MS, 'sc.stop()');
    } catch (error) {
      failure ??= error;
    }
  }
  const leftovers = await killLeftovers(before);
  if (failure !== undefined) {
    const note = leftovers.length > 0 ? ` (${leftovers.join('; ')})` : '';
    throw new Error(`${errorMessage(failure)}${note}`);
  }
  if (measured === undefined) throw new Error('no measurement');
  return { ...measured, notes: [...(measured.notes ?? []), ...leftovers] };
}
