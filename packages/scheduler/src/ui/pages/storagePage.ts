/**
 * The Storage page: cached datasets (blocks named `rdd_<dataset>_<partition>`) with their cached
 * partitions, size and workers, then the individual blocks, from blockUpdated events.
 */

import type { BlockData } from '../appStatusStore.js';
import { numCell, tableSection, timeCell } from '../components.js';
import { formatBytes, formatClock, formatCount } from '../format.js';
import { html } from '../html.js';
import type { Page, PageContext } from '../page.js';

/** Blocks listed individually; the dataset table above always covers all of them. */
const MAX_BLOCK_ROWS = 1000;

interface DatasetSummary {
  readonly key: string;
  readonly datasetId: number | undefined;
  readonly partitions: Set<number>;
  readonly workers: Set<string>;
  bytes: number;
  blocks: number;
}

/** Renders the Storage page. */
export function renderStoragePage(context: PageContext): Page {
  const { store } = context;
  const blocks: BlockData[] = [];
  for (const worker of store.workers.values()) blocks.push(...worker.blocks.values());
  blocks.sort((a, b) => a.blockId.localeCompare(b.blockId) || a.workerId.localeCompare(b.workerId));
  const datasets = new Map<string, DatasetSummary>();
  for (const block of blocks) {
    const parsed = /^rdd_(\d+)_(\d+)$/.exec(block.blockId);
    const key = parsed?.[1] ?? 'other';
    let summary = datasets.get(key);
    if (summary === undefined) {
      summary = {
        key,
        datasetId: parsed === null ? undefined : Number(parsed[1]),
        partitions: new Set(),
        workers: new Set(),
        bytes: 0,
        blocks: 0,
      };
      datasets.set(key, summary);
    }
    if (parsed !== null) summary.partitions.add(Number(parsed[2]));
    summary.workers.add(block.workerId);
    summary.bytes += block.bytes;
    summary.blocks += 1;
  }
  const totalBytes = blocks.reduce((sum, block) => sum + block.bytes, 0);
  const datasetRows = [...datasets.values()].map((summary) => {
    const name =
      summary.datasetId === undefined
        ? 'Other blocks'
        : `${store.datasetNames.get(summary.datasetId) ?? 'dataset'} #${summary.datasetId}`;
    return html`<tr data-dataset="${summary.key}"><th scope="row">${name}</th>${numCell(formatCount(summary.partitions.size))}${numCell(formatCount(summary.blocks))}${numCell(formatBytes(summary.bytes))}<td>${[...summary.workers].sort().join(', ')}</td></tr>`;
  });
  const blockRows = blocks
    .slice(0, MAX_BLOCK_ROWS)
    .map(
      (block) =>
        html`<tr><th scope="row"><code>${block.blockId}</code></th><td>${block.workerId}</td>${numCell(formatBytes(block.bytes))}${timeCell(formatClock(block.time), block.time)}</tr>`,
    );
  const more =
    blocks.length > MAX_BLOCK_ROWS
      ? html`<p class="muted">The first ${MAX_BLOCK_ROWS} of ${blocks.length} blocks.</p>`
      : '';
  const body = html`<h1>Storage</h1>
<p class="muted">${blocks.length} cached blocks, ${formatBytes(totalBytes)} in all.</p>
${tableSection(
  'cached-datasets',
  `Cached datasets (${datasets.size})`,
  [
    { label: 'Dataset' },
    { label: 'Cached partitions', numeric: true },
    { label: 'Blocks', numeric: true },
    { label: 'Size', numeric: true },
    { label: 'Workers' },
  ],
  datasetRows,
  'Nothing is cached. Call cache() or persist() on a dataset, then run an action on it.',
)}
${tableSection(
  'blocks',
  `Blocks (${blocks.length})`,
  [{ label: 'Block' }, { label: 'Worker' }, { label: 'Size', numeric: true }, { label: 'Updated' }],
  blockRows,
  'No cached block.',
  more,
)}`;
  return { title: 'Storage', section: 'storage', body };
}
