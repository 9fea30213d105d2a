/**
 * The reduce side of a shuffle: fetch this partition's block from every map output (in parallel,
 * straight from the workers that hold them), then combine values by key, in map-partition order,
 * and sort by key when the stage asks for it.
 */
import { combineValuesByKey, compileAggregator, mergeCombinersByKey } from '../aggregation.js';
import { decodeRecords } from '../codec.js';
import { KeyMap } from '../keys.js';
import { parentPartitions } from '../narrowDependencies.js';
import { compareValues } from '../ordering.js';
import type { TaskRuntime } from '../pipeline.js';
import type { KeyOrdering, PipelineNode } from '../taskSpec.js';

type ShuffleRead = Extract<PipelineNode['op'], { kind: 'shuffleRead' }>;

/** Fetches blocks of one reduce partition from one worker, by map index. */
export interface BlockFetcher {
  fetch(
    address: string,
    shuffleId: number,
    reduceId: number,
    mapIndices: readonly number[],
  ): Promise<Map<number, Uint8Array>>;
}

/** The shuffle reads a partition of `root` depends on, as [node, reduce partition] pairs. */
export function shuffleReadsOf(
  root: PipelineNode,
  partition: number,
  isCached: (node: PipelineNode, partition: number) => boolean,
): [PipelineNode, number][] {
  const reads: [PipelineNode, number][] = [];
  const visit = (node: PipelineNode, p: number) => {
    if (node.cache && isCached(node, p)) return;
    if (node.op.kind === 'shuffleRead') {
      reads.push([node, p]);
      return;
    }
    parentPartitions(node.op, p, node.parents.length).forEach((partitions, index) => {
      const parent = node.parents[index];
      if (parent) for (const parentPartition of partitions) visit(parent, parentPartition);
    });
  };
  visit(root, partition);
  return reads;
}

/** Fetches and combines one reduce partition of a shuffle. Returns its records and bytes read. */
export async function readShufflePartition(
  op: ShuffleRead,
  reduceId: number,
  fetcher: BlockFetcher,
  runtime: TaskRuntime,
): Promise<{ records: unknown[]; bytesRead: number }> {
  const byAddress = new Map<string, number[]>();
  op.locations.addresses.forEach((address, mapIndex) => {
    if ((op.locations.sizes[mapIndex]?.[reduceId] ?? 0) === 0) return;
    const maps = byAddress.get(address);
    if (maps) maps.push(mapIndex);
    else byAddress.set(address, [mapIndex]);
  });
  const fetched = await Promise.all(
    [...byAddress].map(([address, maps]) => fetcher.fetch(address, op.shuffleId, reduceId, maps)),
  );
  const blocks = new Map<number, Uint8Array>();
  for (const result of fetched) for (const [mapIndex, block] of result) blocks.set(mapIndex, block);
  let bytesRead = 0;
  const ordered: unknown[][] = [];
  for (let mapIndex = 0; mapIndex < op.locations.addresses.length; mapIndex++) {
    const block = blocks.get(mapIndex);
    if (!block || block.byteLength === 0) continue;
    bytesRead += block.byteLength;
    ordered.push(decodeRecords(block));
  }
  let records = op.aggregator ? aggregate(op, ordered, runtime) : ordered.flat();
  if (op.keyOrdering) records = sortByKey(records as [unknown, unknown][], op.keyOrdering, runtime);
  return { records, bytesRead };
}

function aggregate(op: ShuffleRead, blocks: readonly unknown[][], runtime: TaskRuntime): unknown[] {
  if (!op.aggregator) return blocks.flat();
  const aggregator = compileAggregator(op.aggregator, runtime);
  if (!op.mapSideCombined)
    return Array.from(combineValuesByKey(blocks.flat(), aggregator, 'A shuffle').entries());
  const combined = new KeyMap<unknown>();
  for (const block of blocks)
    mergeCombinersByKey(block as [unknown, unknown][], aggregator, combined);
  return Array.from(combined.entries());
}

function sortByKey(
  records: [unknown, unknown][],
  ordering: KeyOrdering,
  runtime: TaskRuntime,
): unknown[] {
  const sign = ordering.ascending ? 1 : -1;
  // Array.prototype.sort is stable, so equal keys keep their map-partition order.
  if (!ordering.keyFn) return records.sort((a, b) => sign * compareValues(a[0], b[0]));
  const keyFn = runtime.fn(ordering.keyFn) as (key: unknown) => unknown;
  const keyed = records.map((record) => ({ sortKey: keyFn(record[0]), record }));
  keyed.sort((a, b) => sign * compareValues(a.sortKey, b.sortKey));
  return keyed.map(({ record }) => record);
}
