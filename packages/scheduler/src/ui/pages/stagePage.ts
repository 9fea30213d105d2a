/**
 * The Stage page: one attempt of a stage with its facts, Spark's summary metrics of its completed
 * tasks, a task timeline and the task table (error message and stack of failed tasks included),
 * paged and filterable by failure so a stage of many thousand tasks stays quick to render.
 */

import type { StageData, TaskData, TaskMetrics } from '../appStatusStore.js';
import {
  numCell,
  stageProgress,
  statusBadge,
  summaryList,
  tableSection,
  timeCell,
} from '../components.js';
import { formatBytes, formatClock, formatCount, formatDuration, formatTime } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { Page, PageContext } from '../page.js';
import { renderTaskTimeline } from '../timelineSvg.js';
import { renderNotFound } from './notFoundPage.js';

/** Task rows per page of the task table. */
const PAGE_SIZE = 500;

/** Renders the page of a stage attempt (the latest when `?attempt=` is absent), or a 404 page. */
export function renderStagePage(context: PageContext, stageId: number): Page {
  const { store, base, query } = context;
  const attemptParam = query.get('attempt');
  const attempt = attemptParam === null ? undefined : Number.parseInt(attemptParam, 10);
  const stage = store.stage(stageId, Number.isNaN(attempt) ? undefined : attempt);
  if (stage === undefined) {
    return renderNotFound(
      context,
      `There is no stage ${stageId}${attemptParam === null ? '' : ` attempt ${attemptParam}`} (or it is too old to be kept).`,
      'stages',
    );
  }
  const info = stage.info;
  const retry = info.attempt > 0 ? ` (retry ${info.attempt})` : '';
  const end = stage.completionTime ?? store.now();
  const attempts = store.stageAttempts(stageId);
  const parents = info.parentStageIds.map(
    (parent, i) => html`${i > 0 ? ', ' : ''}<a href="${base}/stages/${parent}">Stage ${parent}</a>`,
  );
  const attemptLinks = attempts.map(
    (other, i) =>
      html`${i > 0 ? ', ' : ''}${other.attempt === info.attempt ? html`<strong>${other.attempt}</strong>` : html`<a href="${base}/stages/${stageId}?attempt=${other.attempt}">${other.attempt}</a>`}`,
  );
  const totals = stage.totals;
  const timeline = renderTaskTimeline(stage.tasks.values(), store.now());
  const body = html`<h1>Stage ${stageId}${retry} ${statusBadge(stage.status)}</h1>
<p class="desc">${info.name}</p>
${summaryList([
  ['Job', html`<a href="${base}/jobs/${stage.jobId}">Job ${stage.jobId}</a>`],
  ['Kind', info.kind],
  ['Parent stages', parents.length === 0 ? 'none' : parents],
  attempts.length > 1 ? ['Attempts', attemptLinks] : undefined,
  ['Submitted', formatTime(stage.submissionTime)],
  [
    'Duration',
    stage.submissionTime === undefined ? '–' : formatDuration(end - stage.submissionTime),
  ],
  ['Tasks: succeeded/total', stageProgress(stage)],
  ['Total task time', formatDuration(totals.durationMs)],
  [
    'Records in / out',
    `${formatCount(totals.recordsRead)} / ${formatCount(totals.recordsWritten)}`,
  ],
  [
    'Shuffle read / write',
    `${formatBytes(totals.shuffleBytesRead)} / ${formatBytes(totals.shuffleBytesWritten)}`,
  ],
  ['Spilled to disk', formatBytes(totals.spilledBytes)],
  stage.failureReason === undefined
    ? undefined
    : ['Failure reason', html`<span class="error-text">${stage.failureReason}</span>`],
])}
${summaryMetrics(stage)}
<section aria-labelledby="timeline-heading"><h2 id="timeline-heading">Task timeline</h2>
${timeline === undefined ? html`<p class="muted">No task has started yet.</p>` : html`<figure>${timeline}<figcaption>One band per worker; green succeeded, blue running, red failed, grey killed. Hover a bar for its task.</figcaption></figure>`}
</section>
${taskTable(stage, context)}`;
  return { title: `Stage ${stageId}${retry}`, section: 'stages', body };
}

const METRICS: readonly {
  readonly label: string;
  readonly pick: (m: TaskMetrics) => number;
  readonly format: (n: number) => string;
}[] = [
  { label: 'Duration', pick: (m) => m.durationMs, format: formatDuration },
  { label: 'Records in', pick: (m) => m.recordsRead, format: formatCount },
  { label: 'Records out', pick: (m) => m.recordsWritten, format: formatCount },
  { label: 'Shuffle read', pick: (m) => m.shuffleBytesRead, format: formatBytes },
  { label: 'Shuffle write', pick: (m) => m.shuffleBytesWritten, format: formatBytes },
  { label: 'Spilled', pick: (m) => m.spilledBytes ?? 0, format: formatBytes },
];

/** Spark's "Summary Metrics for N Completed Tasks": min, quartiles and max. */
function summaryMetrics(stage: StageData): SafeHtml {
  const metrics: TaskMetrics[] = [];
  for (const task of stage.tasks.values()) {
    if (task.status === 'success' && task.metrics !== undefined) metrics.push(task.metrics);
  }
  const rows =
    metrics.length === 0
      ? []
      : METRICS.map(({ label, pick, format }) => {
          const values = metrics.map(pick).sort((a, b) => a - b);
          const at = (q: number): string =>
            format(values[Math.round(q * (values.length - 1))] ?? 0);
          return html`<tr><th scope="row">${label}</th>${numCell(at(0))}${numCell(at(0.25))}${numCell(at(0.5))}${numCell(at(0.75))}${numCell(at(1))}</tr>`;
        });
  return tableSection(
    'summary-metrics',
    `Summary metrics of ${metrics.length} completed tasks`,
    [
      { label: 'Metric' },
      { label: 'Min', numeric: true },
      { label: '25th percentile', numeric: true },
      { label: 'Median', numeric: true },
      { label: '75th percentile', numeric: true },
      { label: 'Max', numeric: true },
    ],
    rows,
    'No task has completed yet.',
  );
}

function taskTable(stage: StageData, context: PageContext): SafeHtml {
  const { base, query } = context;
  const failedOnly = query.get('tasks') === 'failed';
  const all = [...stage.tasks.values()];
  const failed = all.filter((task) => isFailure(task));
  const tasks = failedOnly ? failed : all;
  const pages = Math.max(1, Math.ceil(tasks.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1));
  const shown = tasks.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const self = `${base}/stages/${stage.stageId}?attempt=${stage.attempt}`;
  const filter = failedOnly ? '&tasks=failed' : '';
  const pageLink = (n: number, label: string): SafeHtml =>
    html`<a href="${self}${filter}&amp;page=${n}#tasks">${label}</a>`;
  const filterLinks = html`<p>${failedOnly ? html`<a href="${self}#tasks">Show all ${all.length} tasks</a>` : html`<a href="${self}&amp;tasks=failed#tasks">Show only the ${failed.length} failed tasks</a>`}</p>`;
  const pager =
    pages === 1
      ? ''
      : html`<nav class="pager" aria-label="Task pages">${page > 1 ? pageLink(page - 1, 'Previous page') : ''}<span>Page ${page} of ${pages}</span>${page < pages ? pageLink(page + 1, 'Next page') : ''}</nav>`;
  const evicted =
    stage.evictedTasks > 0
      ? html`<p class="muted">${stage.evictedTasks} older finished tasks are no longer kept; the counts above include them.</p>`
      : '';
  const now = context.store.now();
  return tableSection(
    'tasks',
    `Tasks (${tasks.length}${failedOnly ? ' failed' : ''})`,
    [
      { label: 'Task' },
      { label: 'Partition', numeric: true },
      { label: 'Attempt', numeric: true },
      { label: 'Worker' },
      { label: 'Status' },
      { label: 'Launched' },
      { label: 'Duration', numeric: true },
      { label: 'Records in / out', numeric: true },
      { label: 'Shuffle read / write', numeric: true },
      { label: 'Error' },
    ],
    shown.map((task) => taskRow(task, context, now)),
    failedOnly ? 'No task of this stage failed.' : 'No task has started yet.',
    html`${filterLinks}${evicted}${pager}`,
  );
}

function taskRow(task: TaskData, context: PageContext, now: number): SafeHtml {
  const m = task.metrics;
  const duration =
    m?.durationMs ??
    (task.launchTime === undefined ? undefined : (task.finishTime ?? now) - task.launchTime);
  const error =
    task.error === undefined
      ? ''
      : html`<span class="error-text">${task.error.message}</span>${task.error.stack === undefined ? '' : html`<details id="stack-${task.taskId}"><summary>Stack trace</summary><pre>${task.error.stack}</pre></details>`}`;
  return html`<tr data-task-id="${task.taskId}" data-status="${task.status}">
<th scope="row">${task.taskId}${task.speculative ? ' (speculative)' : ''}</th>
${numCell(task.partition)}
${numCell(task.attempt)}
<td><a href="${context.base}/workers#worker-${task.workerId}">${task.workerId}</a></td>
<td>${statusBadge(task.status)}</td>
${timeCell(formatClock(task.launchTime, true), task.launchTime)}
${numCell(formatDuration(duration))}
${numCell(m === undefined ? '–' : `${formatCount(m.recordsRead)} / ${formatCount(m.recordsWritten)}`)}
${numCell(m === undefined ? '–' : `${formatBytes(m.shuffleBytesRead)} / ${formatBytes(m.shuffleBytesWritten)}`)}
<td class="desc">${error}</td>
</tr>`;
}

function isFailure(task: TaskData): boolean {
  return task.status === 'failed' || task.status === 'fetchFailed' || task.status === 'lost';
}
