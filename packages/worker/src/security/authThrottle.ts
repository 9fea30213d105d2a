/**
 * Slows down guessing: after a peer from some address fails the handshake, the next connection
 * from that address waits before it is even challenged, twice as long after every further failure,
 * up to a cap. A success from the address forgets its failures, and so does a quiet spell.
 *
 * Invariants: the delay depends only on failures recorded for the address (never on the secret);
 * the table is bounded, so a flood of addresses cannot grow it without limit.
 */

/** How an {@link AuthThrottle} grows its delays. */
export interface AuthThrottleOptions {
  /** The delay after the first failure, in ms. @default 100 */
  readonly baseDelayMs?: number;
  /** The longest delay, in ms. @default 5000 */
  readonly maxDelayMs?: number;
  /** Failures older than this are forgotten, in ms. @default 600000 (10 minutes) */
  readonly forgetAfterMs?: number;
  /** Addresses remembered at most; the stalest is forgotten first. @default 10000 */
  readonly maxAddresses?: number;
}

interface Failures {
  count: number;
  last: number;
}

export class AuthThrottle {
  readonly #failures = new Map<string, Failures>();
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #forgetAfterMs: number;
  readonly #maxAddresses: number;

  constructor(options: AuthThrottleOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 5_000;
    this.#forgetAfterMs = options.forgetAfterMs ?? 600_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** How long a new connection from `address` waits before its challenge, in ms. */
  delayFor(address: string, now = Date.now()): number {
    const failures = this.#failures.get(address);
    if (!failures) return 0;
    if (now - failures.last > this.#forgetAfterMs) {
      this.#failures.delete(address);
      return 0;
    }
    // 2 ** 30 is past any cap; clamping the exponent keeps the arithmetic exact.
    const exponent = Math.min(failures.count - 1, 30);
    return Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** exponent);
  }

  /** Records a failed handshake from `address`. */
  recordFailure(address: string, now = Date.now()): void {
    const failures = this.#failures.get(address);
    // Re-inserting moves the address to the end: the map's order is least recently failed first.
    this.#failures.delete(address);
    this.#failures.set(address, { count: (failures?.count ?? 0) + 1, last: now });
    if (this.#failures.size > this.#maxAddresses) {
      const stalest = this.#failures.keys().next();
      if (!stalest.done) this.#failures.delete(stalest.value);
    }
  }

  /** Records a successful handshake from `address`: its failures are forgotten. */
  recordSuccess(address: string): void {
    this.#failures.delete(address);
  }
}
