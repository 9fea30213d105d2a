/**
 * The Workers page: every worker that joined, alive or lost (with why), its cores, memory for
 * cached blocks, tasks and task time, shuffle traffic and cached data.
 */

import type { WorkerData } from '../appStatusStore.js';
import { numCell, statusBadge, tableSection, timeCell } from '../components.js';
import { formatBytes, formatClock, formatCount, formatDuration } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { Page, PageContext } from '../page.js';

/** Renders the Workers page. */
export function renderWorkersPage(context: PageContext): Page {
  const workers = [...context.store.workers.values()];
  const alive = workers.filter((worker) => worker.isAlive);
  const cores = alive.reduce((sum, worker) => sum + worker.cores, 0);
  const active = alive.reduce((sum, worker) => sum + worker.counts.active, 0);
  const body = html`<h1>Workers</h1>
<p class="muted">${alive.length} alive of ${workers.length}; ${cores} cores, ${active} tasks running.</p>
${tableSection(
  'workers',
  `Workers (${workers.length})`,
  [
    { label: 'Worker' },
    { label: 'Address' },
    { label: 'Status' },
    { label: 'Cores', numeric: true },
    { label: 'Tasks running', numeric: true },
    { label: 'Tasks failed', numeric: true },
    { label: 'Tasks succeeded', numeric: true },
    { label: 'Task time', numeric: true },
    { label: 'Shuffle read / write', numeric: true },
    { label: 'Cached / memory', numeric: true },
    { label: 'Joined' },
  ],
  workers.map(workerRow),
  'No worker has joined yet.',
)}`;
  return { title: 'Workers', section: 'workers', body };
}

function workerRow(worker: WorkerData): SafeHtml {
  const memory = worker.memoryBytes === undefined ? '' : ` / ${formatBytes(worker.memoryBytes)}`;
  const status = worker.isAlive
    ? statusBadge('alive')
    : html`${statusBadge('lost')}${worker.removeReason === undefined ? '' : html`<br><span class="error-text">${worker.removeReason}</span>`}`;
  return html`<tr id="worker-${worker.workerId}" data-worker-id="${worker.workerId}" data-status="${worker.isAlive ? 'alive' : 'lost'}">
<th scope="row">${worker.workerId}${worker.pid === undefined ? '' : html`<span class="kind">pid ${worker.pid}</span>`}</th>
<td><code>${worker.address}</code></td>
<td>${status}</td>
${numCell(worker.cores)}
${numCell(formatCount(worker.counts.active))}
${numCell(formatCount(worker.counts.failed))}
${numCell(formatCount(worker.counts.succeeded))}
${numCell(formatDuration(worker.totals.durationMs))}
${numCell(`${formatBytes(worker.totals.shuffleBytesRead)} / ${formatBytes(worker.totals.shuffleBytesWritten)}`)}
${numCell(html`${formatBytes(worker.cachedBytes)}${memory}<span class="kind">${formatCount(worker.blocks.size)} block${worker.blocks.size === 1 ? '' : 's'}</span>`)}
${timeCell(formatClock(worker.addedTime), worker.addedTime)}
</tr>`;
}
