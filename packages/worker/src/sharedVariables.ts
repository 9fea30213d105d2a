/**
 * A worker's side of broadcast variables and accumulators. Broadcast values arrive once per worker
 * and are read by every task. Accumulator additions are recorded per task (an AsyncLocalStorage
 * follows the task through its awaits) and reported with the task's result, so the driver can
 * count a partition's additions once, whatever retries or speculative copies ran.
 *
 * The AsyncLocalStorage is used only by tasks whose functions capture an accumulator, and disabled
 * whenever none runs: while enabled, Node runs hooks on every promise of the process, which costs
 * a tiny task more than its work.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ErrorCode, FlintError } from './errors.js';
import type { MemoryManager } from './memoryManager.js';
import { estimateSize } from './sizeEstimator.js';

/** Additions a task made, by accumulator id. */
export type AccumulatorUpdates = Map<number, number>;

export class WorkerSharedVariables {
  readonly #broadcasts = new Map<number, { readonly value: unknown }>();
  /** The storage memory each broadcast value holds (estimated). */
  readonly #broadcastBytes = new Map<number, number>();
  readonly #updates = new AsyncLocalStorage<AccumulatorUpdates>();
  /** Tasks running inside the storage now. */
  #tracking = 0;

  /** Broadcast values count as storage in `memory`, as Spark keeps them in its block manager. */
  constructor(private readonly memory: MemoryManager) {}

  putBroadcast(id: number, value: unknown): void {
    this.removeBroadcast(id);
    const bytes = estimateSize(value);
    this.memory.holdStorage(bytes);
    this.#broadcastBytes.set(id, bytes);
    this.#broadcasts.set(id, Object.freeze({ value }));
  }

  removeBroadcast(id: number): void {
    this.#broadcasts.delete(id);
    this.memory.releaseStorage(this.#broadcastBytes.get(id) ?? 0);
    this.#broadcastBytes.delete(id);
  }

  /** What a captured `{ kind, id }` reference stands for in this worker's tasks. */
  resolve(ref: { readonly kind: 'broadcast' | 'accumulator'; readonly id: number }): unknown {
    if (ref.kind === 'broadcast') {
      const broadcast = this.#broadcasts.get(ref.id);
      if (!broadcast)
        throw new FlintError(
          ErrorCode.PROTOCOL,
          `Broadcast ${ref.id} has not reached this worker (was it destroyed?).`,
        );
      return broadcast;
    }
    const updates = this.#updates;
    return Object.freeze({
      add(amount: number) {
        const current = updates.getStore();
        if (!current) return;
        current.set(ref.id, (current.get(ref.id) ?? 0) + Number(amount));
      },
      get value(): never {
        throw new Error('An accumulator can only be read on the driver, after the action.');
      },
    });
  }

  /**
   * Runs a task, collecting its accumulator additions. A task whose functions use no accumulator
   * (see {@link usesAccumulators}) runs outside the storage: it has nothing to collect.
   */
  async track<T>(
    run: () => Promise<T>,
    usesAccumulators = true,
  ): Promise<{ result: T; updates: AccumulatorUpdates }> {
    const updates: AccumulatorUpdates = new Map();
    if (!usesAccumulators) return { result: await run(), updates };
    this.#tracking++;
    try {
      return { result: await this.#updates.run(updates, run), updates };
    } finally {
      // Turns Node's promise hooks off again once no task needs them.
      if (--this.#tracking === 0) this.#updates.disable();
    }
  }
}

/**
 * Whether any function of a spec (a stage's, say) captured an accumulator: function specs list
 * every value they reference, shared variables included.
 */
export function usesAccumulators(spec: unknown): boolean {
  const stack: unknown[] = [spec];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    const fields = value as Record<string, unknown>;
    if (Array.isArray(fields.references) && typeof fields.version === 'number') {
      // A function spec: its references say it all; its captured data need no walk.
      if (fields.references.some(isAccumulatorReference)) return true;
      continue;
    }
    for (const key in fields) stack.push(fields[key]);
  }
  return false;
}

function isAccumulatorReference(ref: unknown): boolean {
  const variable = (ref as { kind?: unknown; variable?: { kind?: unknown } } | null)?.variable;
  return (ref as { kind?: unknown }).kind === 'sharedVariable' && variable?.kind === 'accumulator';
}
