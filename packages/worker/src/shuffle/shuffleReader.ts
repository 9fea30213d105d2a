/**
 * The reduce side of a shuffle: fetch this partition's block from every map output (in parallel,
 * straight from the workers that hold them), then combine values by key, in map-partition order,
 * and sort by key when the stage asks for it.
 *
 * Memory: fetched bytes are kept while the task's execution memory allows and written to the
 * task's spill file past it; this worker's own blocks are read where they are (its memory, or its
 * disk). Combining goes through an ExternalAppendOnlyMap and sorting through an ExternalSorter,
 * which spill past the task's memory and merge on read, so a partition larger than memory is
 * streamed, never held whole.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { compileAggregator } from '../aggregation.js';
import { numberPairsView, recordsIn } from '../codec.js';
import { ErrorCode, FlintError } from '../errors.js';
import { parentPartitions } from '../narrowDependencies.js';
import type { TaskRuntime } from '../pipeline.js';
import {
  type FrameData,
  type FrameFileWriter,
  frameDataLength,
  isFileSegment,
  payloadsOf,
  recordsOf,
} from '../recordFrames.js';
import { assertPair } from '../recordSink.js';
import { ExternalAppendOnlyMap } from '../spill/externalAppendOnlyMap.js';
import { ExternalSorter } from '../spill/externalSorter.js';
import type { TaskMemoryManager } from '../taskMemoryManager.js';
import type { PipelineNode } from '../taskSpec.js';

type ShuffleRead = Extract<PipelineNode['op'], { kind: 'shuffleRead' }>;

/**
 * Receives the pieces of fetched blocks, in order per map output. `isLocal` pieces are this
 * worker's own blocks (already counted in its storage memory); the others were received.
 */
export type BlockPieceSink = (mapIndex: number, piece: FrameData, isLocal: boolean) => void;

/** Fetches blocks of one reduce partition from one worker, by map index. */
export interface BlockFetcher {
  fetch(
    address: string,
    shuffleId: number,
    reduceId: number,
    mapIndices: readonly number[],
    onPiece: BlockPieceSink,
  ): Promise<void>;
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

/**
 * Fetches and combines one reduce partition of a shuffle. Returns its records (which may be read
 * more than once) and the bytes fetched.
 */
export async function readShufflePartition(
  op: ShuffleRead,
  reduceId: number,
  fetcher: BlockFetcher,
  runtime: TaskRuntime,
): Promise<{ records: Iterable<unknown>; bytesRead: number }> {
  const byAddress = new Map<string, number[]>();
  op.locations.addresses.forEach((address, mapIndex) => {
    if ((op.locations.sizes[mapIndex]?.[reduceId] ?? 0) === 0) return;
    const maps = byAddress.get(address);
    if (maps) maps.push(mapIndex);
    else byAddress.set(address, [mapIndex]);
  });
  const fetched = new FetchedBlocks(runtime.task);
  try {
    await Promise.all(
      [...byAddress].map(([address, maps]) =>
        fetcher.fetch(address, op.shuffleId, reduceId, maps, (mapIndex, piece, isLocal) =>
          fetched.add(mapIndex, piece, isLocal),
        ),
      ),
    );
  } finally {
    fetched.endWrites();
  }
  const mapCount = op.locations.addresses.length;
  let records: Iterable<unknown> = fetched.inMapOrder(mapCount);
  if (op.aggregator) {
    records = await aggregate(op, fetched.payloadsInMapOrder(mapCount), runtime);
    fetched.release();
  }
  if (op.keyOrdering) {
    const keyFn = op.keyOrdering.keyFn
      ? (runtime.fn(op.keyOrdering.keyFn) as (key: unknown) => unknown)
      : undefined;
    const sorter = new ExternalSorter(
      runtime.task,
      keyFn ? (record: unknown) => keyFn((record as [unknown, unknown])[0]) : 'key',
      op.keyOrdering.ascending,
    );
    const insert = (record: unknown) => sorter.insert(record);
    if (op.aggregator) await eachRecord(records, runtime.task, insert);
    else {
      const payloads = fetched.payloadsInMapOrder(mapCount);
      await eachFrame(payloads, runtime.task, (pairs) => sorter.insertNumberPairs(pairs), insert);
    }
    fetched.release();
    records = sorter;
  }
  return { records, bytesRead: fetched.bytes };
}

/**
 * Combines the fetched blocks by key. A block of number pairs goes into the map straight from
 * its bytes, with no pair or generator step per record (a W3 reduce task's input).
 */
async function aggregate(
  op: ShuffleRead,
  payloads: Iterable<Uint8Array>,
  runtime: TaskRuntime,
): Promise<Iterable<unknown>> {
  const aggregator = compileAggregator(
    op.aggregator as NonNullable<ShuffleRead['aggregator']>,
    runtime,
  );
  const map = new ExternalAppendOnlyMap(aggregator, runtime.task);
  const combined = op.mapSideCombined === true;
  await eachFrame(
    payloads,
    runtime.task,
    (pairs) => map.insertNumberPairs(pairs, combined),
    (record) => {
      assertPair(record, 'A shuffle');
      if (combined) map.insertCombiner(record[0], record[1]);
      else map.insert(record[0], record[1]);
    },
  );
  return map;
}

/**
 * Feeds fetched frames on: a block of number pairs whole to `eachPairs`, read from its bytes with
 * no pair or generator step per record; any other block record by record to `each`.
 */
function eachFrame(
  payloads: Iterable<Uint8Array>,
  task: TaskMemoryManager,
  eachPairs: (pairs: DataView) => void,
  each: (record: unknown) => void,
): Promise<void> {
  const onPayload = (payload: Uint8Array) => {
    const pairs = numberPairsView(payload);
    if (pairs !== undefined) eachPairs(pairs);
    else for (const record of recordsIn(payload)) each(record);
  };
  // A payload is one frame: at most a few thousand records, so the time is checked after each.
  return eachRecord(payloads, task, onPayload, 1);
}

const YIELD_EVERY_MS = 20;

/**
 * Feeds every record to `each`, yielding to the event loop every few milliseconds so the worker
 * keeps answering heartbeats and peers; stops once the task has ended (killed). The clock is read
 * every `stride` records (a power of two).
 */
async function eachRecord<T>(
  records: Iterable<T>,
  task: TaskMemoryManager,
  each: (record: T) => void,
  stride = 1024,
): Promise<void> {
  let lastYield = performance.now();
  let count = 0;
  for (const record of records) {
    each(record);
    if ((++count & (stride - 1)) === 0 && performance.now() - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      if (task.closed)
        throw new FlintError(
          ErrorCode.CANCELLED,
          'The task ended while it read its shuffle input.',
        );
      lastYield = performance.now();
    }
  }
}

/**
 * The pieces of one reduce partition's blocks as they arrive, kept in memory while the task may
 * hold them, else appended to a spill file of the task. Read back in map order.
 */
class FetchedBlocks {
  readonly #pieces = new Map<number, FrameData[]>();
  #file: FrameFileWriter | undefined;
  #bytes = 0;
  /** Execution memory held for pieces kept in memory. */
  #held = 0;

  constructor(private readonly task: TaskMemoryManager) {}

  get bytes(): number {
    return this.#bytes;
  }

  add(mapIndex: number, piece: FrameData, isLocal: boolean): void {
    const length = frameDataLength(piece);
    this.#bytes += length;
    let kept = piece;
    if (!isLocal && !isFileSegment(piece)) {
      const granted = this.task.acquire(length);
      if (granted === length) this.#held += length;
      else {
        // The piece goes to disk whole, so what was granted of it goes back.
        this.task.release(granted);
        this.#file ??= this.task.createSpillFile('fetched');
        this.#file.appendFrames(piece);
        kept = this.#file.endSegment();
        this.task.addSpilledBytes(length);
      }
    }
    const pieces = this.#pieces.get(mapIndex);
    if (pieces) pieces.push(kept);
    else this.#pieces.set(mapIndex, [kept]);
  }

  /** Closes the spill file, so its segments can be read. */
  endWrites(): void {
    this.#file?.close();
  }

  /** Gives the memory back once the records were consumed (combined or sorted elsewhere). */
  release(): void {
    this.task.release(this.#held);
    this.#held = 0;
    this.#pieces.clear();
  }

  /** The encoded record batches, map output by map output (in map-partition order). */
  payloadsInMapOrder(mapCount: number): Iterable<Uint8Array> {
    const pieces = this.#pieces;
    return {
      *[Symbol.iterator]() {
        for (let mapIndex = 0; mapIndex < mapCount; mapIndex++)
          for (const piece of pieces.get(mapIndex) ?? []) yield* payloadsOf(piece);
      },
    };
  }

  /** Every record, map output by map output (in map-partition order); may be read again. */
  inMapOrder(mapCount: number): Iterable<unknown> {
    const pieces = this.#pieces;
    return {
      *[Symbol.iterator]() {
        for (let mapIndex = 0; mapIndex < mapCount; mapIndex++)
          for (const piece of pieces.get(mapIndex) ?? []) yield* recordsOf(piece);
      },
    };
  }
}
