/**
 * The Stages page: every retained stage attempt, grouped as Spark groups them: running, pending,
 * succeeded, failed (and resubmitted) and skipped, newest first.
 */

import type { StageData } from '../appStatusStore.js';
import { html } from '../html.js';
import type { Page, PageContext } from '../page.js';
import { type StageRowInput, stageTable } from './stageTable.js';

/** Renders the Stages page. */
export function renderStagesPage(context: PageContext): Page {
  const stages = [...context.store.stages.values()].sort(
    (a, b) => b.stageId - a.stageId || b.attempt - a.attempt,
  );
  const rows = (wanted: readonly StageData['status'][]): StageRowInput[] =>
    stages
      .filter((stage) => wanted.includes(stage.status))
      .map((stage) => ({ info: stage.info, data: stage, status: stage.status }));
  const active = rows(['active']);
  const pending = rows(['pending']);
  const complete = rows(['complete']);
  const failed = rows(['failed', 'resubmitted']);
  const skipped = rows(['skipped']);
  const body = html`<h1>Stages</h1>
<p class="muted">${stages.length} stage attempts: ${active.length} running, ${pending.length} pending, ${complete.length} succeeded, ${failed.length} failed, ${skipped.length} skipped.</p>
${stageTable('active-stages', `Running stages (${active.length})`, active, context, { empty: 'No stage is running.', withJob: true })}
${stageTable('pending-stages', `Pending stages (${pending.length})`, pending, context, { empty: 'No stage is waiting.', withJob: true })}
${stageTable('complete-stages', `Succeeded stages (${complete.length})`, complete, context, { empty: 'No stage has succeeded yet.', withJob: true })}
${stageTable('failed-stages', `Failed stages (${failed.length})`, failed, context, { empty: 'No stage has failed.', withReason: true, withJob: true })}
${stageTable('skipped-stages', `Skipped stages (${skipped.length})`, skipped, context, { empty: 'No stage was skipped.', withJob: true })}`;
  return { title: 'Stages', section: 'stages', body };
}
