/**
 * Shared helpers of the Dataset API suite: one context per test file, the events it posted grouped
 * by job, failure capture that works for synchronous throws and rejections alike, and a test-side
 * ordering used only to sort results whose order Spark leaves unspecified.
 */
import { createContext, type FlintContext, FlintError, type SchedulerEvent } from '@flint/rdd';
import { afterAll, beforeAll, expect } from 'vitest';

/** The file's context, and every event it posted so far. */
export interface SuiteContext {
  readonly sc: FlintContext;
  readonly events: SchedulerEvent[];
}

/** Starts one context (2 worker processes) before the file's tests and stops it after them. */
export function useContext(): SuiteContext {
  let sc: FlintContext | undefined;
  const events: SchedulerEvent[] = [];
  beforeAll(async () => {
    // The UI and the progress bar are off so that files running in parallel never compete for a port.
    sc = await createContext({ workers: 2, ui: false, progress: false });
    sc.addListener((event) => events.push(event));
  });
  afterAll(async () => {
    await sc?.stop();
  });
  return {
    get sc(): FlintContext {
      if (!sc) throw new Error('The context is not started yet (use it inside a test).');
      return sc;
    },
    events,
  };
}

type StageSubmitted = Extract<SchedulerEvent, { type: 'stageSubmitted' }>;
type TaskStart = Extract<SchedulerEvent, { type: 'taskStart' }>;

/** One job seen in the events: the stages it submitted and the tasks those stages started. */
export interface JobTrace {
  readonly jobId: number;
  readonly stages: StageSubmitted['stage'][];
  readonly tasks: TaskStart[];
}

/** The jobs that started after `mark` (an index into `events`), in order. */
export function jobsSince(events: readonly SchedulerEvent[], mark: number): JobTrace[] {
  const jobs = new Map<number, JobTrace>();
  const jobOfStage = new Map<number, number>();
  for (const event of events.slice(mark)) {
    if (event.type === 'jobStart') {
      jobs.set(event.jobId, { jobId: event.jobId, stages: [], tasks: [] });
    } else if (event.type === 'stageSubmitted') {
      jobOfStage.set(event.stage.stageId, event.jobId);
      const job = jobs.get(event.jobId) ?? { jobId: event.jobId, stages: [], tasks: [] };
      jobs.set(event.jobId, job);
      job.stages.push(event.stage);
    } else if (event.type === 'taskStart') {
      const jobId = jobOfStage.get(event.stageId);
      if (jobId !== undefined) jobs.get(jobId)?.tasks.push(event);
    }
  }
  return [...jobs.values()];
}

/** The kinds of the stages submitted after `mark`, in submission order. */
export function stageKindsSince(events: readonly SchedulerEvent[], mark: number): string[] {
  return events
    .slice(mark)
    .filter((event): event is StageSubmitted => event.type === 'stageSubmitted')
    .map((event) => event.stage.kind);
}

/** The partitions whose result-stage tasks started in `job` (first attempts only), sorted. */
export function resultPartitions(job: JobTrace): number[] {
  const resultStages = new Set(
    job.stages.filter((stage) => stage.kind === 'ResultStage').map((stage) => stage.stageId),
  );
  return job.tasks
    .filter((task) => resultStages.has(task.stageId) && task.attempt === 0 && !task.speculative)
    .map((task) => task.partition)
    .sort((a, b) => a - b);
}

/**
 * Runs `run` and returns what it threw or rejected with; fails the test when it succeeded. Works for
 * a synchronous throw at the call (a transformation) and for a rejected promise (an action).
 */
export async function failure(run: () => unknown): Promise<unknown> {
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    return error;
  }
  throw new Error(`Expected a failure, but the call succeeded with ${JSON.stringify(result)}`);
}

/** Asserts that `error` is a FlintError with `code` whose message matches every pattern. */
export function expectFlintError(
  error: unknown,
  code: string | readonly string[],
  ...patterns: RegExp[]
): void {
  expect(error).toBeInstanceOf(FlintError);
  const flint = error as FlintError;
  const codes = typeof code === 'string' ? [code] : code;
  expect(codes, `unexpected code ${flint.code}: ${flint.message}`).toContain(flint.code);
  for (const pattern of patterns) expect(flint.message).toMatch(pattern);
}

/** A test-side order for sorting results whose order is unspecified (as the doctests sort). */
export function compare(a: unknown, b: unknown): number {
  const rankA = rank(a);
  const rankB = rank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = compare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  return compare(JSON.stringify(a), JSON.stringify(b));
}

function rank(value: unknown): number {
  if (value === undefined) return -1;
  if (value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (Array.isArray(value)) return 4;
  return 5;
}

/** A sorted copy (Python's `sorted`, as the doctests use it). */
export function sorted<T>(values: Iterable<T>): T[] {
  return [...values].sort(compare);
}

/** A canonical string for structural comparison on the test side. */
export const canon = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

/** A Map's entries as a sorted array, so Maps with structured keys can be compared. */
export function entriesOf<K, V>(map: Map<K, V>): [K, V][] {
  expect(map).toBeInstanceOf(Map);
  return sorted([...map.entries()]);
}

/** The numbers start..end-1. */
export const numbers = (start: number, end: number): number[] =>
  Array.from({ length: end - start }, (_, i) => start + i);

export { waitFor } from '../helpers.js';
