/**
 * A stage's task timeline as inline SVG: one band per worker, each task a bar from launch to finish
 * coloured by outcome. Tasks that overlap on a worker go to separate lanes (first fit), so a band
 * is as tall as the worker's busiest moment. It is a picture of the task table below it, so it is
 * one labelled image for assistive technology.
 */

import type { TaskData } from './appStatusStore.js';
import { formatDuration } from './format.js';
import { html, type SafeHtml } from './html.js';

const WIDTH = 960;
const LABEL_W = 130;
const LANE_H = 14;
const LANE_GAP = 3;
const WORKER_GAP = 12;
const AXIS_H = 24;
const TICKS = 5;

interface Placed {
  readonly task: TaskData;
  readonly start: number;
  readonly end: number;
  readonly lane: number;
}

/**
 * The timeline of the last `maxTasks` tasks that have a launch time, or `undefined` when there is
 * nothing to draw. Running tasks extend to `now`.
 */
export function renderTaskTimeline(
  tasks: Iterable<TaskData>,
  now: number,
  maxTasks = 1000,
): SafeHtml | undefined {
  const timed: TaskData[] = [];
  for (const task of tasks) if (task.launchTime !== undefined) timed.push(task);
  const shown = timed.slice(-maxTasks);
  if (shown.length === 0) return undefined;

  const byWorker = new Map<string, Placed[]>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const sorted = shown
    .map((task) => {
      const start = task.launchTime ?? now;
      const end = Math.max(start, task.finishTime ?? now);
      first = Math.min(first, start);
      last = Math.max(last, end);
      return { task, start, end };
    })
    .sort((a, b) => a.start - b.start || a.task.taskId - b.task.taskId);
  const laneEnds = new Map<string, number[]>();
  for (const item of sorted) {
    const ends = laneEnds.get(item.task.workerId) ?? [];
    let lane = ends.findIndex((end) => end <= item.start);
    if (lane === -1) lane = ends.length;
    ends[lane] = item.end;
    laneEnds.set(item.task.workerId, ends);
    const placed = byWorker.get(item.task.workerId) ?? [];
    placed.push({ ...item, lane });
    byWorker.set(item.task.workerId, placed);
  }

  const span = Math.max(last - first, 1);
  const plotWidth = WIDTH - LABEL_W - 10;
  const xOf = (time: number): number => LABEL_W + ((time - first) / span) * plotWidth;
  const bands: SafeHtml[] = [];
  let y = AXIS_H;
  for (const workerId of [...byWorker.keys()].sort()) {
    const placed = byWorker.get(workerId) ?? [];
    const lanes = laneEnds.get(workerId)?.length ?? 1;
    const bandHeight = lanes * (LANE_H + LANE_GAP) - LANE_GAP;
    const bars = placed.map(({ task, start, end, lane }) => {
      const x = xOf(start);
      const width = Math.max(2, xOf(end) - x);
      const duration = task.finishTime === undefined ? 'running' : formatDuration(end - start);
      return html`<rect class="t-${task.status}" x="${round(x)}" y="${y + lane * (LANE_H + LANE_GAP)}" width="${round(width)}" height="${LANE_H}" rx="2"><title>Task ${task.taskId} · partition ${task.partition} · attempt ${task.attempt} · ${workerId} · ${task.status} · ${duration}</title></rect>`;
    });
    bands.push(
      html`<text class="lane-label" x="4" y="${y + Math.min(bandHeight, LANE_H) - 3}">${truncate(workerId)}</text>${bars}<line class="axis" x1="0" x2="${WIDTH}" y1="${y + bandHeight + WORKER_GAP / 2}" y2="${y + bandHeight + WORKER_GAP / 2}"/>`,
    );
    y += bandHeight + WORKER_GAP;
  }
  const height = y;
  const ticks = Array.from({ length: TICKS }, (_, i) => {
    const offset = (span * i) / (TICKS - 1);
    const x = xOf(first + offset);
    const anchor = i === 0 ? 'start' : i === TICKS - 1 ? 'end' : 'middle';
    return html`<text class="tick" x="${round(x)}" y="14" text-anchor="${anchor}">${formatDuration(offset)}</text><line class="axis" x1="${round(x)}" x2="${round(x)}" y1="18" y2="${height}"/>`;
  });
  const note = timed.length > shown.length ? ` (the last ${shown.length} of ${timed.length})` : '';
  const label = `Task timeline: ${shown.length} tasks${note} on ${byWorker.size} workers over ${formatDuration(span)}. The task table lists the same tasks.`;
  return html`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${label}" width="100%" viewBox="0 0 ${WIDTH} ${height}">${ticks}${bands}</svg>`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function truncate(text: string): string {
  return text.length <= 18 ? text : `${text.slice(0, 17)}…`;
}
