/**
 * The Job page: the job's facts, its error if it failed, a kill form while it runs (when enabled),
 * its DAG with stage boundaries, and its stages.
 */

import { stageStatusInJob, statusBadge, summaryList, taskProgress } from '../components.js';
import { renderDagSvg } from '../dagSvg.js';
import { formatDuration, formatTime } from '../format.js';
import { html } from '../html.js';
import type { Page, PageContext } from '../page.js';
import { stageCounts } from './jobsPage.js';
import { renderNotFound } from './notFoundPage.js';
import { stageTable } from './stageTable.js';

/** Renders the page of job `jobId`, or a 404 page. */
export function renderJobPage(context: PageContext, jobId: number): Page {
  const { store, base } = context;
  const job = store.jobs.get(jobId);
  if (job === undefined) {
    return renderNotFound(
      context,
      `There is no job ${jobId} (or it is too old to be kept).`,
      'jobs',
    );
  }
  const finished = job.status !== 'running';
  const statusOf = (stageId: number) =>
    stageStatusInJob(store.stage(stageId)?.status, job.submittedStageIds.has(stageId), finished);
  const end = job.completionTime ?? store.now();
  const killNotice =
    context.query.get('kill') === 'requested'
      ? html`<p class="notice" role="status">Kill requested for job ${jobId}.</p>`
      : '';
  const killForm =
    context.killEnabled && !finished
      ? html`<form class="kill" method="post" action="${base}/jobs/${jobId}/kill">
<label for="kill-secret">Secret<input id="kill-secret" name="secret" type="password" autocomplete="current-password" required></label>
<button type="submit">Kill job ${jobId}</button>
</form>`
      : '';
  const rows = [...job.stages]
    .sort((a, b) => b.stageId - a.stageId)
    .map((info) => {
      const status = statusOf(info.stageId);
      const data = status === 'skipped' ? undefined : store.stage(info.stageId);
      return { info: data?.info ?? info, data, status };
    });
  const dag = renderDagSvg({
    jobId,
    stages: job.stages,
    lineage: job.lineage,
    statusOf,
    stageHref: (stageId) => `${base}/stages/${stageId}`,
  });
  const body = html`<h1>Job ${jobId} ${statusBadge(job.status)}</h1>
<p class="desc">${job.description}</p>
${killNotice}
${summaryList([
  ['Status', job.status],
  ['Submitted', formatTime(job.submissionTime)],
  job.completionTime === undefined ? undefined : ['Completed', formatTime(job.completionTime)],
  ['Duration', formatDuration(end - job.submissionTime)],
  ['Stages: succeeded/total', stageCounts(job)],
  ['Tasks: succeeded/total', taskProgress(job.counts, job.numTasks - job.numSkippedTasks)],
])}
${job.error === undefined ? '' : html`<section aria-labelledby="job-error"><h2 id="job-error">Error</h2><pre class="error-text">${job.error}</pre></section>`}
${killForm}
<section aria-labelledby="dag-heading">
<h2 id="dag-heading">DAG</h2>
<figure>
<div class="scroll" role="region" aria-label="DAG of job ${jobId}, scrollable" tabindex="0">${dag}</div>
<figcaption>Dashed boxes are stages; arrows inside a box are narrow dependencies, pipelined in one task; dashed orange arrows between boxes are shuffles, where a stage ends. A thick green border marks a cached dataset. Select a stage to see its tasks.</figcaption>
</figure>
</section>
${stageTable('job-stages', `Stages (${job.stages.length})`, rows, context, { empty: 'This job has no stages.', withReason: job.failedStageIds.size > 0 })}`;
  return { title: `Job ${jobId}`, section: 'jobs', body };
}
