/**
 * The console progress bar: one line per running stage, as Spark draws it,
 * `[Stage 3:=====>        (41 + 4) / 128]` (completed + running / total tasks), redrawn in place.
 *
 * Invariants: it writes only to a TTY unless forced; it redraws at most once per `intervalMs`; its
 * timer never keeps the process alive; and the lines it drew are erased synchronously when the last
 * running stage ends, so what the program prints after an action returns is never overwritten.
 */

import type { SchedulerEvent, SchedulerListener } from './events.js';

/** Where the bar draws: `process.stderr` in practice. */
export interface ProgressBarStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  /** The terminal width in characters. @default 80 */
  readonly columns?: number;
}

/** Options of {@link ConsoleProgressBar}. */
export interface ConsoleProgressBarOptions {
  /** Draw even when the stream is not a TTY (tests, CI logs that render ANSI). @default false */
  readonly force?: boolean;
  /** The shortest time between two redraws, in milliseconds. @default 100 */
  readonly intervalMs?: number;
  /** A stage shows only once it has run this long, so short stages don't flash. @default 500 */
  readonly showAfterMs?: number;
}

interface StageProgress {
  readonly stageId: number;
  readonly attempt: number;
  readonly jobId: number;
  readonly numTasks: number;
  readonly submittedAt: number;
  /** Partitions that succeeded; a set, so a speculative duplicate is not counted twice. */
  readonly completed: Set<number>;
  running: number;
}

const DEFAULT_COLUMNS = 80;
const ESC = '\u001b[';

/**
 * Draws the progress of running stages on a terminal. Attach with
 * `bus.addListener(bar.listener)`; call {@link ConsoleProgressBar.close} when the context stops.
 */
export class ConsoleProgressBar {
  /** Feed this to `ListenerBus.addListener`. */
  readonly listener: SchedulerListener;

  readonly #stream: ProgressBarStream;
  readonly #enabled: boolean;
  readonly #intervalMs: number;
  readonly #showAfterMs: number;
  /** Running stage attempts by `stageId.attempt`, in submission order. */
  readonly #stages = new Map<string, StageProgress>();
  #timer: NodeJS.Timeout | undefined;
  #lastDrawAt = Number.NEGATIVE_INFINITY;
  #drawnLines = 0;
  #drawnText = '';
  #closed = false;

  constructor(stream: ProgressBarStream, options: ConsoleProgressBarOptions = {}) {
    this.#stream = stream;
    this.#enabled = options.force === true || stream.isTTY === true;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#showAfterMs = options.showAfterMs ?? 500;
    this.listener = (event) => {
      // Off a TTY the bar costs one branch per event.
      if (this.#enabled && !this.#closed) this.#onEvent(event);
    };
  }

  /** Stops listening, cancels the pending redraw and erases what the bar drew. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimer();
    this.#stages.clear();
    this.#erase();
  }

  #onEvent(event: SchedulerEvent): void {
    switch (event.type) {
      case 'stageSubmitted':
        this.#stages.set(key(event.stage.stageId, event.stage.attempt), {
          stageId: event.stage.stageId,
          attempt: event.stage.attempt,
          jobId: event.jobId,
          // A resubmitted attempt runs only the partitions whose output was lost.
          numTasks: event.partitions?.length ?? event.stage.numTasks,
          submittedAt: Date.now(),
          completed: new Set(),
          running: 0,
        });
        break;
      case 'taskStart': {
        const stage = this.#stages.get(key(event.stageId, event.stageAttempt));
        if (stage === undefined) return;
        stage.running += 1;
        break;
      }
      case 'taskEnd': {
        const stage = this.#stages.get(key(event.stageId, event.stageAttempt));
        if (stage === undefined) return;
        stage.running = Math.max(0, stage.running - 1);
        if (event.result === 'success') stage.completed.add(event.partition);
        break;
      }
      case 'stageCompleted':
        this.#stages.delete(key(event.stage.stageId, event.stage.attempt));
        break;
      case 'jobEnd':
        // A failed or cancelled job may leave stages that never report completion.
        for (const [stageKey, stage] of this.#stages) {
          if (stage.jobId === event.jobId) this.#stages.delete(stageKey);
        }
        break;
      case 'applicationEnd':
        this.#stages.clear();
        break;
      default:
        return;
    }
    if (this.#stages.size === 0) {
      // Erase now, not on the next tick: the action's promise may resolve right after this event
      // and the program's next line of output must not be erased or land on the bar's line.
      this.#cancelTimer();
      this.#erase();
    } else {
      this.#schedule(0);
    }
  }

  /** Arms the redraw timer, keeping redraws at least `intervalMs` apart. */
  #schedule(notBeforeMs: number): void {
    if (this.#timer !== undefined) return;
    const now = Date.now();
    const delay = Math.max(notBeforeMs, this.#lastDrawAt + this.#intervalMs - now, 0);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, delay);
    // A progress bar must never keep the driver alive.
    this.#timer.unref();
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #draw(): void {
    const now = Date.now();
    this.#lastDrawAt = now;
    const visible: StageProgress[] = [];
    let nextShowAt = Number.POSITIVE_INFINITY;
    for (const stage of this.#stages.values()) {
      const showAt = stage.submittedAt + this.#showAfterMs;
      if (showAt <= now) visible.push(stage);
      else nextShowAt = Math.min(nextShowAt, showAt);
    }
    visible.sort((a, b) => a.stageId - b.stageId || a.attempt - b.attempt);
    const width = Math.max(1, (this.#stream.columns ?? DEFAULT_COLUMNS) - 1);
    const text = visible.map((stage) => renderStageLine(stage, width)).join('\n');
    if (text !== this.#drawnText) {
      this.#stream.write(this.#moveToStart() + text);
      this.#drawnText = text;
      this.#drawnLines = visible.length;
    }
    if (nextShowAt !== Number.POSITIVE_INFINITY) this.#schedule(nextShowAt - now);
  }

  #erase(): void {
    if (this.#drawnLines === 0) return;
    this.#stream.write(this.#moveToStart());
    this.#drawnLines = 0;
    this.#drawnText = '';
  }

  /** Moves the cursor to the start of the block the bar drew and clears to the screen's end. */
  #moveToStart(): string {
    if (this.#drawnLines === 0) return '';
    const up = this.#drawnLines > 1 ? `${ESC}${this.#drawnLines - 1}A` : '';
    return `${up}\r${ESC}J`;
  }
}

/**
 * One stage's line, exactly as Spark's ConsoleProgressBar draws it, cut to `width` characters.
 * The line is one character narrower than the terminal so the cursor never wraps.
 */
export function renderStageLine(
  stage: {
    stageId: number;
    attempt: number;
    numTasks: number;
    running: number;
    completed: { size: number };
  },
  width: number,
): string {
  const total = stage.numTasks;
  const completed = Math.min(stage.completed.size, total);
  const retry = stage.attempt > 0 ? ` (retry ${stage.attempt})` : '';
  const header = `[Stage ${stage.stageId}${retry}:`;
  const tailer = `(${completed} + ${stage.running}) / ${total}]`;
  const barWidth = width - header.length - tailer.length;
  let bar = '';
  if (barWidth > 0) {
    const filled = total === 0 ? barWidth : Math.floor((barWidth * completed) / total);
    bar = '='.repeat(Math.min(filled, barWidth));
    if (filled < barWidth) bar += '>' + ' '.repeat(barWidth - filled - 1);
  }
  return (header + bar + tailer).slice(0, width);
}

function key(stageId: number, attempt: number): string {
  return `${stageId}.${attempt}`;
}
