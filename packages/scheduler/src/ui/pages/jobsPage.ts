/**
 * The Jobs page, the UI's home: the application at a glance, then running, succeeded and failed
 * jobs, newest first, with durations, stage counts and task progress.
 */

import type { JobData } from '../appStatusStore.js';
import {
  numCell,
  statusBadge,
  summaryList,
  tableSection,
  taskProgress,
  timeCell,
} from '../components.js';
import { formatClock, formatDuration, formatTime } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { Page, PageContext } from '../page.js';

const COLUMNS = [
  { label: 'Job' },
  { label: 'Description' },
  { label: 'Submitted' },
  { label: 'Duration', numeric: true },
  { label: 'Stages: succeeded/total' },
  { label: 'Tasks: succeeded/total' },
  { label: 'Status' },
];

/** Renders the Jobs page. */
export function renderJobsPage(context: PageContext): Page {
  const { store } = context;
  const jobs = [...store.jobs.values()].reverse();
  const running = jobs.filter((job) => job.status === 'running');
  const succeeded = jobs.filter((job) => job.status === 'succeeded');
  const failed = jobs.filter((job) => job.status === 'failed' || job.status === 'cancelled');
  const app = store.application;
  const workers = [...store.workers.values()];
  const alive = workers.filter((worker) => worker.isAlive).length;
  const cores = workers.reduce((sum, worker) => sum + (worker.isAlive ? worker.cores : 0), 0);
  const row = (job: JobData): SafeHtml => jobRow(job, context);
  const body = html`<h1>Jobs</h1>
${summaryList([
  ['Application', app.appName ?? 'unnamed'],
  app.appId === undefined ? undefined : ['Application id', html`<code>${app.appId}</code>`],
  ['Started', formatTime(app.startTime)],
  [
    app.endTime === undefined ? 'Uptime' : 'Duration',
    app.startTime === undefined ? '–' : formatDuration(store.now() - app.startTime),
  ],
  ['Workers', `${alive} alive of ${workers.length}, ${cores} cores`],
  ['Jobs', `${running.length} running, ${succeeded.length} succeeded, ${failed.length} failed`],
  store.evictedJobs > 0 ? ['Older jobs', `${store.evictedJobs} no longer shown`] : undefined,
])}
${tableSection('running-jobs', `Running jobs (${running.length})`, COLUMNS, running.map(row), 'No job is running.')}
${tableSection('succeeded-jobs', `Succeeded jobs (${succeeded.length})`, COLUMNS, succeeded.map(row), 'No job has succeeded yet.')}
${tableSection('failed-jobs', `Failed jobs (${failed.length})`, COLUMNS, failed.map(row), 'No job has failed.')}`;
  return { title: 'Jobs', section: 'jobs', body };
}

/** One job as a table row; shared with nothing else, kept here. */
function jobRow(job: JobData, context: PageContext): SafeHtml {
  const end = job.completionTime ?? context.store.now();
  return html`<tr data-job-id="${job.jobId}" data-status="${job.status}">
<th scope="row"><a href="${context.base}/jobs/${job.jobId}">Job ${job.jobId}</a></th>
<td class="desc">${job.description}</td>
${timeCell(formatClock(job.submissionTime), job.submissionTime)}
${numCell(formatDuration(end - job.submissionTime))}
<td>${stageCounts(job)}</td>
<td>${taskProgress(job.counts, job.numTasks - job.numSkippedTasks)}</td>
<td>${statusBadge(job.status)}</td>
</tr>`;
}

/** Spark's "succeeded/total (n skipped, n failed)", total not counting skipped stages. */
export function stageCounts(job: JobData): string {
  const total = job.stages.length - job.numSkippedStages;
  const extras: string[] = [];
  if (job.numSkippedStages > 0) extras.push(`${job.numSkippedStages} skipped`);
  if (job.failedStageIds.size > 0) extras.push(`${job.failedStageIds.size} failed`);
  return `${job.completedStageIds.size}/${total}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`;
}
