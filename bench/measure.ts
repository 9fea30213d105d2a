/** Timing and statistics helpers shared by every implementation in the bench. */

/** One timed execution: its duration and what it computed. */
export interface Sample<R> {
  ms: number;
  result: R;
}

/** Runs `fn` once and times it from the call to its result. */
export async function timed<R>(fn: () => Promise<R> | R): Promise<Sample<R>> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

/** How many times an implementation runs: `warmup` untimed runs, then `runs` timed ones. */
export interface RunPlan {
  runs: number;
  warmup: number;
}

/**
 * Runs `fn` `plan.warmup` times, dropping what it returns (V8 compiles hot code and sizes its
 * heap on the first runs, for every implementation alike), then `plan.runs` times for the
 * samples. In sequence, never concurrently: runs must not compete for cores.
 */
export async function repeat<R>(plan: RunPlan, fn: () => Promise<Sample<R>>): Promise<Sample<R>[]> {
  for (let i = 0; i < plan.warmup; i++) await fn();
  const samples: Sample<R>[] = [];
  for (let i = 0; i < plan.runs; i++) samples.push(await fn());
  return samples;
}

/** The median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length % 2 === 1) return sorted[mid] ?? Number.NaN;
  return ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile (p in 0..100), the usual definition for latency reports. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Rejects with a clear message when `promise` has not settled after `ms`. */
export async function withTimeout<R>(promise: Promise<R>, ms: number, what: string): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A readable duration: microsecond precision for tiny jobs, seconds for long ones. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The message of anything thrown, on one line, with a FlintError's code in front. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const firstLine = error.message.split('\n')[0] ?? '';
  return typeof code === 'string' ? `${code}: ${firstLine}` : firstLine;
}
