/**
 * The event log: every scheduler event of an application as one JSON line in
 * `<dir>/<appId>.jsonl`, for the history UI and for tests.
 *
 * Invariants: lines are written in the order events were posted; the listener never throws and
 * never blocks (writes go to a stream, batched per tick); `close()` resolves only once every line
 * posted before it is on disk, and rejects if any write failed.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { ErrorCode, FlintError } from '@flint/worker';
import type { SchedulerEvent, SchedulerEventType, SchedulerListener } from './events.js';

/** The suffix of event log files. */
export const EVENT_LOG_EXTENSION = '.jsonl';

/** Writes an application's events to `<dir>/<appId>.jsonl`, one JSON object per line. */
export class EventLogWriter {
  /** The file this writer appends to. */
  readonly file: string;
  /** Feed this to `ListenerBus.addListener`. */
  readonly listener: SchedulerListener;

  readonly #stream: WriteStream;
  #corked = false;
  #closed = false;
  #error: Error | undefined;

  private constructor(file: string, stream: WriteStream) {
    this.file = file;
    this.#stream = stream;
    stream.on('error', (error) => {
      if (this.#error !== undefined) return;
      this.#error = error;
      // The listener must not throw into the scheduler; the failure surfaces at close().
      process.emitWarning(`Flint could not write the event log ${file}: ${error.message}`);
    });
    this.listener = (event) => this.#write(event);
  }

  /**
   * Creates `dir` if needed and opens `<dir>/<appId>.jsonl` for writing. Fails if that file
   * exists already, so an earlier application's log is never overwritten.
   */
  static async open(dir: string, appId: string): Promise<EventLogWriter> {
    if (!/^[\w.-]+$/.test(appId) || appId.startsWith('.')) {
      throw new FlintError(
        ErrorCode.ARGUMENT,
        `The application id ${JSON.stringify(appId)} cannot name an event log file: use letters, ` +
          'digits, "_", "-" and "." only, not starting with ".".',
      );
    }
    await mkdir(dir, { recursive: true });
    const file = join(dir, appId + EVENT_LOG_EXTENSION);
    const stream = createWriteStream(file, { flags: 'wx' });
    try {
      await once(stream, 'open');
    } catch (error) {
      throw new FlintError(
        ErrorCode.IO,
        `Could not create the event log ${file}: ${describe(error)}. If an earlier run left a log ` +
          'with this application id, move it away or choose another eventLog directory.',
        { cause: error },
      );
    }
    return new EventLogWriter(file, stream);
  }

  /** Writes what is buffered, closes the file, and rejects if any write failed. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#uncork();
      this.#stream.end();
    }
    try {
      await finished(this.#stream);
    } catch (error) {
      this.#error ??= error instanceof Error ? error : new Error(describe(error));
    }
    if (this.#error !== undefined) {
      throw new FlintError(
        ErrorCode.IO,
        `Writing the event log ${this.file} failed: ${this.#error.message}`,
        { cause: this.#error },
      );
    }
  }

  #write(event: SchedulerEvent): void {
    // Events posted after close are dropped: the log is complete as of close().
    if (this.#closed || this.#error !== undefined) return;
    if (!this.#corked) {
      // Thousands of task events a second: batch one tick's lines into one write.
      this.#corked = true;
      this.#stream.cork();
      process.nextTick(() => this.#uncork());
    }
    this.#stream.write(`${JSON.stringify(event)}\n`);
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#stream.uncork();
  }
}

/** Every event type, so the reader skips lines written by a newer Flint it cannot understand. */
const KNOWN_TYPES: Record<SchedulerEventType, true> = {
  applicationStart: true,
  applicationEnd: true,
  workerAdded: true,
  workerLost: true,
  jobStart: true,
  jobEnd: true,
  stageSubmitted: true,
  stageCompleted: true,
  taskStart: true,
  taskEnd: true,
  blockUpdated: true,
  unpersistDataset: true,
  shuffleRemoved: true,
  broadcastRemoved: true,
};

/**
 * Reads an event log back, in order. Events of unknown types are skipped; a torn last line (the
 * driver died mid-write) is ignored; any other line that is not an event is an error.
 */
export async function readEventLog(file: string): Promise<SchedulerEvent[]> {
  const events: SchedulerEvent[] = [];
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let pendingError: Error | undefined;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      if (pendingError !== undefined) throw pendingError;
      const event = parseEventLine(line);
      if (event === 'invalid') {
        // Only an error if another line follows: a torn last line is a crash, not corruption.
        pendingError = new FlintError(
          ErrorCode.IO,
          `${file}:${lineNumber} is not a Flint event (expected one JSON object per line).`,
        );
      } else if (event !== 'unknown') {
        events.push(event);
      }
    }
  } catch (error) {
    if (error === pendingError) throw error;
    throw new FlintError(ErrorCode.IO, `Could not read the event log ${file}: ${describe(error)}`, {
      cause: error,
    });
  } finally {
    lines.close();
    input.destroy();
  }
  return events;
}

function parseEventLine(line: string): SchedulerEvent | 'invalid' | 'unknown' {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'invalid';
  }
  if (typeof value !== 'object' || value === null) return 'invalid';
  const { type, time } = value as { type?: unknown; time?: unknown };
  if (typeof type !== 'string' || typeof time !== 'number') return 'invalid';
  if (!Object.hasOwn(KNOWN_TYPES, type)) return 'unknown';
  // Lines are what this module wrote with JSON.stringify; the type tag is all we re-check.
  return value as SchedulerEvent;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
