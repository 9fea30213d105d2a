/**
 * Capture at job submission, as Spark does it: a function is captured when the transformation is
 * called (so what cannot travel fails there), and captured again when each job that runs it is
 * submitted, so every job sees the values its variables hold then (a `let` changed between two
 * actions, an object filled in since).
 *
 * Invariants:
 * - Only specs whose capture read something changeable are captured again; a spec of constants,
 *   globals, compiler helpers and modules is reused as it is.
 * - A spec is replaced, never changed in place: a job already running keeps the spec it was
 *   submitted with. Within one submission a spec shared by several places is captured once and
 *   the places keep sharing it.
 */
import type { LineageNode } from '@flint/scheduler';
import type { FunctionSpec } from '@flint/worker';

const recaptures = new WeakMap<object, () => FunctionSpec>();

/** Records how to capture `spec`'s function again. */
export function rememberRecapture(spec: FunctionSpec, recapture: () => FunctionSpec): void {
  recaptures.set(spec, recapture);
}

/**
 * Captures again every changeable function of the lineage that ends at `node`, replacing its
 * spec where the lineage holds it (operators, aggregators, partitioners, key orderings).
 * @throws FlintError `FLINT_CAPTURE` when a variable now holds something that cannot travel.
 */
export function recaptureLineage(node: LineageNode): void {
  const fresh = new Map<object, FunctionSpec>();
  const seen = new Set<LineageNode>();
  const pending = [node];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (seen.has(current)) continue;
    seen.add(current);
    refreshSpecsIn(current.op, fresh, 0);
    for (const dependency of current.dependencies) {
      if (dependency.kind === 'shuffle') refreshSpecsIn(dependency, fresh, 0);
      pending.push(dependency.parent);
    }
  }
}

// Specs sit at most two objects deep: op.fn, op.aggregator.mergeValue, dependency.partitioner.keyFn.
const MAX_DEPTH = 2;

function refreshSpecsIn(holder: object, fresh: Map<object, FunctionSpec>, depth: number): void {
  const record = holder as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    // Parents are visited as nodes; arrays hold data (slices, bounds), never specs.
    if (key === 'parent' || typeof value !== 'object' || value === null || Array.isArray(value)) {
      continue;
    }
    const recapture = recaptures.get(value);
    if (recapture !== undefined) {
      let spec = fresh.get(value);
      if (spec === undefined) {
        spec = recapture();
        fresh.set(value, spec);
      }
      record[key] = spec;
    } else if (depth < MAX_DEPTH && Object.getPrototypeOf(value) === Object.prototype) {
      refreshSpecsIn(value, fresh, depth + 1);
    }
  }
}
