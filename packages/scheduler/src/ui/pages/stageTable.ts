/**
 * The table of stages, shared by the Stages page (every stage attempt) and the Job page (the
 * job's stages, with their status within that job).
 */

import type { StageInfo } from '../../events.js';
import type { StageData, StageStatus } from '../appStatusStore.js';
import {
  type Column,
  numCell,
  stageProgress,
  statusBadge,
  tableSection,
  taskProgress,
  timeCell,
} from '../components.js';
import { formatBytes, formatClock, formatCount, formatDuration } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { PageContext } from '../page.js';

/** One row: the stage's retained attempt (if any), what the job said about it, its status. */
export interface StageRowInput {
  readonly info: StageInfo;
  readonly data: StageData | undefined;
  readonly status: StageStatus;
}

/** A titled table of stages; `withReason` adds the failure reason column. */
export function stageTable(
  id: string,
  heading: string,
  rows: readonly StageRowInput[],
  context: PageContext,
  options: {
    readonly empty: string;
    /** Adds the failure reason column. */
    readonly withReason?: boolean;
    /** Adds the job column (the Stages page; the Job page needs none). */
    readonly withJob?: boolean;
  },
): SafeHtml {
  const withReason = options.withReason === true;
  const withJob = options.withJob === true;
  const columns: Column[] = [
    { label: 'Stage' },
    ...(withJob ? [{ label: 'Job' }] : []),
    { label: 'Name' },
    { label: 'Status' },
    { label: 'Submitted' },
    { label: 'Duration', numeric: true },
    { label: 'Tasks: succeeded/total' },
    { label: 'Records in / out', numeric: true },
    { label: 'Shuffle read / write', numeric: true },
    { label: 'Spilled', numeric: true },
    ...(withReason ? [{ label: 'Failure reason' }] : []),
  ];
  return tableSection(
    id,
    heading,
    columns,
    rows.map((row) => stageRow(row, context, withReason, withJob)),
    options.empty,
  );
}

function stageRow(
  row: StageRowInput,
  context: PageContext,
  withReason: boolean,
  withJob: boolean,
): SafeHtml {
  const { info, data, status } = row;
  const retry = info.attempt > 0 ? ` (retry ${info.attempt})` : '';
  const href = `${context.base}/stages/${info.stageId}?attempt=${info.attempt}`;
  const submitted = data?.submissionTime;
  const end = data?.completionTime ?? context.store.now();
  const totals = data?.totals;
  const progress =
    data === undefined || status === 'skipped'
      ? taskProgress({ active: 0, succeeded: 0, failed: 0, killed: 0 }, info.numTasks)
      : stageProgress(data);
  return html`<tr data-stage-id="${info.stageId}" data-attempt="${info.attempt}" data-status="${status}">
<th scope="row"><a href="${href}">Stage ${info.stageId}${retry}</a><span class="kind">${info.kind}</span></th>
${withJob ? html`<td class="nowrap">${data === undefined ? '–' : html`<a href="${context.base}/jobs/${data.jobId}">Job ${data.jobId}</a>`}</td>` : ''}
<td class="desc">${info.name}</td>
<td>${statusBadge(status)}</td>
${timeCell(formatClock(submitted), submitted)}
${numCell(submitted === undefined ? '–' : formatDuration(end - submitted))}
<td>${progress}</td>
${numCell(totals === undefined ? '–' : `${formatCount(totals.recordsRead)} / ${formatCount(totals.recordsWritten)}`)}
${numCell(totals === undefined ? '–' : `${formatBytes(totals.shuffleBytesRead)} / ${formatBytes(totals.shuffleBytesWritten)}`)}
${numCell(totals === undefined ? '–' : formatBytes(totals.spilledBytes))}
${withReason ? html`<td class="error-text">${data?.failureReason ?? ''}</td>` : ''}
</tr>`;
}
