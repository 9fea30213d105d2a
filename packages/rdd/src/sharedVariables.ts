/**
 * Broadcast variables and accumulators, Spark's shared variables. Both travel into task functions
 * by reference: capture sees `Symbol.for('flint.sharedVariable')` and ships `{ kind, id }`; the
 * worker resolves it to its copy of the broadcast value, or to an accumulator that records the
 * task's additions for the driver.
 */
import { ErrorCode, FlintError } from '@flint/worker';

const SHARED_VARIABLE = Symbol.for('flint.sharedVariable');

/**
 * A read-only value shipped once to every worker, readable in tasks as `bc.value`. `destroy()`
 * frees it at once; otherwise it is freed, on the driver and the workers, some time after the
 * handle is garbage collected (every dataset whose functions read it keeps it alive).
 */
export class Broadcast<T> {
  readonly #value: T;
  #destroyed = false;

  /** @internal Use `sc.broadcast(value)`. */
  constructor(
    readonly id: number,
    value: T,
    private readonly onDestroy: (id: number) => void,
  ) {
    this.#value = value;
  }

  /** The broadcast value. */
  get value(): T {
    if (this.#destroyed)
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `Broadcast ${this.id} was destroyed and can no longer be read.`,
      );
    return this.#value;
  }

  /** Frees the value on every worker; the handle can no longer be used. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.onDestroy(this.id);
  }

  /** @internal How capture ships this handle. */
  [SHARED_VARIABLE]() {
    return { kind: 'broadcast' as const, id: this.id };
  }
}

/**
 * A number tasks add to and the driver reads. Additions made in tasks become visible when the
 * action's promise resolves; a retried or speculative task's additions count once.
 */
export class Accumulator {
  #value: number;

  /** @internal Use `sc.accumulator(initial)`. */
  constructor(
    readonly id: number,
    initial: number,
  ) {
    this.#value = initial;
  }

  /** The current total (read it on the driver, after an action). */
  get value(): number {
    return this.#value;
  }

  /** Adds to the total; on the driver it takes effect at once. */
  add(amount: number): void {
    if (typeof amount !== 'number') {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `accumulator.add(n) needs a number, but got ${typeof amount}.`,
      );
    }
    this.#value += amount;
  }

  /** @internal How capture ships this handle. */
  [SHARED_VARIABLE]() {
    return { kind: 'accumulator' as const, id: this.id };
  }
}
