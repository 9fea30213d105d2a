/**
 * A worker's side of broadcast variables and accumulators. Broadcast values arrive once per worker
 * and are read by every task. Accumulator additions are recorded per task (an AsyncLocalStorage
 * follows the task through its awaits) and reported with the task's result, so the driver can
 * count a partition's additions once, whatever retries or speculative copies ran.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ErrorCode, FlintError } from './errors.js';

/** Additions a task made, by accumulator id. */
export type AccumulatorUpdates = Map<number, number>;

export class WorkerSharedVariables {
  readonly #broadcasts = new Map<number, { readonly value: unknown }>();
  readonly #updates = new AsyncLocalStorage<AccumulatorUpdates>();

  putBroadcast(id: number, value: unknown): void {
    this.#broadcasts.set(id, Object.freeze({ value }));
  }

  removeBroadcast(id: number): void {
    this.#broadcasts.delete(id);
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

  /** Runs a task, collecting its accumulator additions. */
  async track<T>(run: () => Promise<T>): Promise<{ result: T; updates: AccumulatorUpdates }> {
    const updates: AccumulatorUpdates = new Map();
    const result = await this.#updates.run(updates, run);
    return { result, updates };
  }
}
