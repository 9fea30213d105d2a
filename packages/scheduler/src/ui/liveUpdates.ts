/**
 * Live updates over Server-Sent Events. The scheduler may post thousands of events a second; a
 * browser needs to hear at most a few times a second that something changed, and then fetches what
 * it shows. So {@link LiveUpdates.notify} is one size check when no browser is connected, and
 * otherwise sets a flag and arms at most one timer: one `update` message per interval, whatever
 * the event rate.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { eventStreamHeaders, sendText } from './respond.js';

/** Options of {@link LiveUpdates}. */
export interface LiveUpdatesOptions {
  /** The shortest time between two update messages, in milliseconds. @default 250 */
  readonly intervalMs?: number;
  /** Event streams served at once; more are refused with 503. @default 32 */
  readonly maxClients?: number;
  /** A comment is sent this often so idle connections are not dropped. @default 15000 */
  readonly heartbeatMs?: number;
}

/** Fans "the state changed" out to connected browsers, throttled. */
export class LiveUpdates {
  readonly #clients = new Set<ServerResponse>();
  readonly #version: () => number;
  readonly #intervalMs: number;
  readonly #maxClients: number;
  readonly #heartbeatMs: number;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  /** `version` is the store's change counter, sent with each update. */
  constructor(version: () => number, options: LiveUpdatesOptions = {}) {
    this.#version = version;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#maxClients = options.maxClients ?? 32;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  /** How many browsers are listening. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Called after every event: O(1), and nothing at all when no browser is connected. */
  notify(): void {
    if (this.#clients.size === 0 || this.#timer !== undefined) return;
    const delay = Math.max(0, this.#lastSentAt + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => this.#flush(), delay);
    this.#timer.unref();
  }

  /** Serves `GET /events`: keeps the response open and registers it. */
  connect(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closed || this.#clients.size >= this.#maxClients) {
      sendText(res, 503, 'Too many live connections; reload later.', { 'retry-after': '5' });
      return;
    }
    res.writeHead(200, eventStreamHeaders());
    // The browser reconnects on its own after a drop; 3 s is gentle on a busy driver.
    res.write(`retry: 3000\n: connected\n\n`);
    this.#clients.add(res);
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#send(': ping\n\n'), this.#heartbeatMs);
      this.#heartbeat.unref();
    }
    req.on('close', () => this.#remove(res));
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  #flush(): void {
    this.#timer = undefined;
    this.#lastSentAt = Date.now();
    this.#send(`event: update\ndata: ${this.#version()}\n\n`);
  }

  #send(message: string): void {
    for (const res of this.#clients) {
      // A client too slow to drain its buffer is dropped rather than buffered without bound.
      if (res.writableLength > 64 * 1024) {
        res.destroy();
        this.#remove(res);
        continue;
      }
      res.write(message);
    }
  }

  #remove(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
