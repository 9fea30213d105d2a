/**
 * What one side of a driver <-> worker link sends, coalesced: the messages sent during one turn of
 * the event loop leave together at its end, as one frame (a batch when there are several). The task
 * path sends a launch or a result per task; this way a frame and a system call serve many tasks,
 * which is most of what a tiny task costs (on a virtual machine a socket write alone takes tens of
 * microseconds).
 *
 * Invariants: messages leave in the order they were sent; each is encoded when sent, so a value
 * that cannot be encoded throws at the caller, as a direct send would; an urgent message leaves at
 * the end of the current turn at the latest (`process.nextTick`), a deferred one with the next
 * urgent message or within {@link DEFER_MS}; nothing is sent once the socket is closed.
 */
import { WebSocket } from 'ws';
import { encodeBatch, encodeMessage, MAX_FRAME_BYTES, type Message } from './protocol.js';

/** How long a deferred message (housekeeping such as `forgetStage`) may wait for company. */
export const DEFER_MS = 100;

/** Coalesces the messages sent to one peer within a turn of the event loop (see above). */
export class Outbox {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;
  #deferTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: WebSocket) {}

  /** Messages waiting to leave. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Queues a message to leave at the end of this turn of the event loop. */
  send(message: Message): void {
    this.#push(message);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(this.#flushAtEndOfTurn);
  }

  /** Queues a message that may wait (up to {@link DEFER_MS}) to leave with others. */
  defer(message: Message): void {
    this.#push(message);
    if (this.#flushScheduled || this.#deferTimer) return;
    this.#deferTimer = setTimeout(() => {
      this.#deferTimer = undefined;
      this.flush();
    }, DEFER_MS);
    this.#deferTimer.unref();
  }

  /** Sends everything queued now, as one frame. */
  flush(): void {
    if (this.#deferTimer) {
      clearTimeout(this.#deferTimer);
      this.#deferTimer = undefined;
    }
    const pending = this.#pending;
    if (pending.length === 0) return;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.socket.readyState !== WebSocket.OPEN) return;
    // A batch too large for one frame goes message by message (each fits, or would alone).
    const frames =
      pending.length === 1 || bytes + 5 * pending.length >= MAX_FRAME_BYTES
        ? pending
        : [encodeBatch(pending)];
    for (const frame of frames) this.socket.send(frame);
  }

  /** Drops what is queued (the link is closing). */
  clear(): void {
    if (this.#deferTimer) clearTimeout(this.#deferTimer);
    this.#deferTimer = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #push(message: Message): void {
    const encoded = encodeMessage(message);
    this.#pending.push(encoded);
    this.#pendingBytes += encoded.byteLength;
  }

  readonly #flushAtEndOfTurn = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };
}
