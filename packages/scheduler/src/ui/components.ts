/**
 * Small pieces the pages share: status badges, task progress bars, summary lists and tables.
 * Tables always have a caption or heading, column headers with `scope`, and a row header.
 */

import type { StageData, StageStatus, TaskCounts } from './appStatusStore.js';
import { formatCount } from './format.js';
import { type HtmlValue, html, type SafeHtml } from './html.js';

/** A status word in a coloured pill; the word itself carries the meaning, not the colour. */
export function statusBadge(status: string, label: string = statusLabel(status)): SafeHtml {
  return html`<span class="badge st-${status}">${label}</span>`;
}

/** How a status reads on the page. */
export function statusLabel(status: string): string {
  switch (status) {
    case 'active':
      return 'running';
    case 'complete':
      return 'succeeded';
    case 'fetchFailed':
      return 'fetch failed';
    default:
      return status;
  }
}

/**
 * A task progress bar with its numbers in text, Spark's "succeeded/total (n running)". The bar is
 * decoration (hidden from assistive technology); the text says it all.
 */
export function taskProgress(
  counts: TaskCounts,
  total: number,
  succeeded = counts.succeeded,
): SafeHtml {
  const done = Math.min(succeeded, total);
  const running = Math.min(counts.active, Math.max(0, total - done));
  const doneWidth = total === 0 ? 0 : (100 * done) / total;
  const runWidth = total === 0 ? 0 : (100 * running) / total;
  const extras: string[] = [];
  if (counts.active > 0) extras.push(`${formatCount(counts.active)} running`);
  if (counts.failed > 0) extras.push(`${formatCount(counts.failed)} failed`);
  if (counts.killed > 0) extras.push(`${formatCount(counts.killed)} killed`);
  const text = `${formatCount(done)}/${formatCount(total)}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`;
  return html`<span class="progress"><svg aria-hidden="true" focusable="false" width="120" height="12" viewBox="0 0 100 10" preserveAspectRatio="none"><rect class="track" width="100" height="10" rx="2"/><rect class="done" width="${round(doneWidth)}" height="10" rx="2"/><rect class="running" x="${round(doneWidth)}" width="${round(runWidth)}" height="10"/></svg><span>${text}</span></span>`;
}

/** The progress of one stage attempt. */
export function stageProgress(stage: StageData): SafeHtml {
  return taskProgress(stage.counts, stage.numTasks, stage.succeededPartitions.size);
}

/** A definition list of facts, skipping those whose value is undefined. */
export function summaryList(
  items: readonly (readonly [string, HtmlValue] | undefined)[],
): SafeHtml {
  const rows = items
    .filter(
      (item): item is readonly [string, HtmlValue] => item !== undefined && item[1] !== undefined,
    )
    .map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`);
  return html`<dl class="summary">${rows}</dl>`;
}

/** A column of a {@link dataTable}. */
export interface Column {
  readonly label: string;
  /** Right-aligned numbers. */
  readonly numeric?: boolean;
}

/**
 * A table under its own heading: `<section>` labelled by an `<h2>`, headers with scope, a message
 * instead of an empty table. Each row's first cell should be a `<th scope="row">`.
 */
export function tableSection(
  id: string,
  heading: string,
  columns: readonly Column[],
  rows: readonly SafeHtml[],
  empty: string,
  before: HtmlValue = '',
): SafeHtml {
  const content =
    rows.length === 0
      ? html`<p class="muted">${empty}</p>`
      : html`<div class="table-wrap"><table aria-labelledby="${id}"><thead><tr>${columns.map(
          (column) =>
            html`<th scope="col"${column.numeric === true ? html` class="num"` : ''}>${column.label}</th>`,
        )}</tr></thead><tbody>${rows}</tbody></table></div>`;
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${heading}</h2>${before}${content}</section>`;
}

/** A right-aligned number cell. */
export function numCell(value: HtmlValue): SafeHtml {
  return html`<td class="num">${value}</td>`;
}

/** A cell with a `<time>` element around a formatted time. */
export function timeCell(text: string, epochMs: number | undefined): SafeHtml {
  return epochMs === undefined
    ? html`<td class="nowrap">–</td>`
    : html`<td class="nowrap"><time datetime="${new Date(epochMs).toISOString()}">${text}</time></td>`;
}

/** The page-level status of a stage within one job: stages it never ran are skipped. */
export function stageStatusInJob(
  status: StageStatus | undefined,
  ranInJob: boolean,
  jobFinished: boolean,
): StageStatus {
  if (ranInJob && status !== undefined) return status;
  return jobFinished ? 'skipped' : 'pending';
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
