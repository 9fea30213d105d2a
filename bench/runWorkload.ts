/**
 * Measures every implementation of a workload in turn, checks each result against the expected
 * one and builds the report rows. A failing implementation is reported and the others still run:
 * a broken engine must not hide what the baselines measure.
 */
import { errorMessage, formatMs, median, type Sample, withTimeout } from './measure.js';
import { type Impl, type Measured, Unavailable, type WorkloadSpec } from './spec.js';
import type { Row, WorkloadReport } from './table.js';

type Outcome<R> =
  | { kind: 'measured'; measured: Measured<R> }
  | { kind: 'error'; message: string }
  | { kind: 'unavailable'; message: string };

async function measure<R>(impl: Impl<R>, timeoutMs: number): Promise<Outcome<R>> {
  try {
    const measured = await withTimeout(impl.run(), timeoutMs, impl.name);
    if (measured.samples.length === 0) return { kind: 'error', message: 'no samples' };
    return { kind: 'measured', measured };
  } catch (error) {
    const message = errorMessage(error);
    return error instanceof Unavailable
      ? { kind: 'unavailable', message }
      : { kind: 'error', message };
  }
}

function expectedFor<R>(
  spec: WorkloadSpec<R>,
  group: string | undefined,
  outcomes: Map<Impl<R>, Outcome<R>>,
): R | undefined {
  if (spec.expected !== undefined) return spec.expected;
  for (const [impl, outcome] of outcomes) {
    if (impl.role === 'plain' && impl.group === group && outcome.kind === 'measured') {
      return outcome.measured.samples[0]?.result;
    }
  }
  return undefined;
}

/** A result of the wrong shape (a peer's JSON) is a wrong result, not a crash of the harness. */
function sameSafely<R>(spec: WorkloadSpec<R>, a: R, b: R): boolean {
  try {
    return spec.same(a, b);
  } catch {
    return false;
  }
}

function closestTo<R>(ms: number, samples: Sample<R>[]): Sample<R> | undefined {
  let best = samples[0];
  for (const sample of samples) {
    if (best === undefined || Math.abs(sample.ms - ms) < Math.abs(best.ms - ms)) best = sample;
  }
  return best;
}

export async function runWorkload<R>(
  spec: WorkloadSpec<R>,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<WorkloadReport> {
  const outcomes = new Map<Impl<R>, Outcome<R>>();
  for (const impl of spec.impls) {
    progress(`${spec.id} ${impl.name}…`);
    outcomes.set(impl, await measure(impl, timeoutMs));
  }

  const medians = new Map<string, number>();
  const flintMedians = new Map<string | undefined, number>();
  for (const [impl, outcome] of outcomes) {
    if (outcome.kind !== 'measured') continue;
    const ms = median(outcome.measured.samples.map((sample) => sample.ms));
    medians.set(impl.name, ms);
    if (impl.role === 'flint') flintMedians.set(impl.group, ms);
  }

  const rows: Row[] = [];
  const notes: string[] = [];
  let failed = false;
  for (const [impl, outcome] of outcomes) {
    if (outcome.kind !== 'measured') {
      const label = outcome.kind === 'error' ? 'error' : 'unavailable';
      rows.push({
        implementation: impl.name,
        time: '-',
        ratio: '',
        result: `${label}: ${outcome.message}`,
      });
      failed ||= outcome.kind === 'error';
      continue;
    }
    const { measured } = outcome;
    if (measured.startup !== undefined) {
      rows.push({
        implementation: measured.startup.label,
        time: formatMs(measured.startup.ms),
        ratio: '',
        result: '',
      });
    }
    const expected = expectedFor(spec, impl.group, outcomes);
    const wrong = measured.samples.find(
      (sample) => expected === undefined || !sameSafely(spec, sample.result, expected),
    );
    const ms = medians.get(impl.name) ?? Number.NaN;
    // Show the median run's result, so W5's p99 belongs to the run whose p50 is in the table.
    const shown = wrong ?? closestTo(ms, measured.samples);
    let result = shown === undefined ? '' : spec.format(shown.result);
    if (expected === undefined) result = `unverified (no plain baseline result): ${result}`;
    else if (wrong !== undefined) result = `WRONG: ${result}; expected ${spec.format(expected)}`;
    const problems = measured.problems ?? [];
    if (problems.length > 0) result += `; FAILED: ${problems.join('; ')}`;
    failed ||= expected === undefined || wrong !== undefined || problems.length > 0;

    const flintMs = flintMedians.get(impl.group);
    const ratio = impl.role === 'flint' || flintMs === undefined ? '' : (flintMs / ms).toFixed(2);
    rows.push({ implementation: impl.name, time: formatMs(ms), ratio, result });
    notes.push(...(measured.notes ?? []).map((note) => `${impl.name}: ${note}`));
  }
  notes.push(...(spec.summarize?.(medians) ?? []));
  return {
    id: spec.id,
    title: spec.title,
    timeLabel: spec.timeLabel ?? 'median from the action call to its result',
    rows,
    notes,
    failed,
  };
}
