import { describe, expect, it } from 'vitest';
import { mapOutputSizes } from '../../src/blockManager.js';
import type { FunctionSpec } from '../../src/closure/functionSpec.js';
import type { TaskRuntime } from '../../src/pipeline.js';
import { recordsOf } from '../../src/recordFrames.js';
import { createShuffleSink } from '../../src/shuffle/shuffleWriter.js';
import type { TaskMemoryManager } from '../../src/taskMemoryManager.js';
import { spillFiles, useBlockManagers } from '../spillHelpers.js';

/** Function specs stand for these functions here: the runtime looks them up instead of compiling. */
const functions = new Map<object, (...args: never[]) => unknown>();
const spec = (fn: (...args: never[]) => unknown): FunctionSpec => {
  const placeholder = {
    version: 0,
    root: {},
    references: [],
    patches: [],
  } as unknown as FunctionSpec;
  functions.set(placeholder, fn);
  return placeholder;
};
const runtime = (task: TaskMemoryManager) =>
  ({ task, fn: (s: FunctionSpec) => functions.get(s) }) as unknown as TaskRuntime;

const add = spec(((a: number, b: number) => a + b) as never);
const PAD = 'p'.repeat(80);

/** Every reduce partition's records, read back from the map output. */
function blocksOf(output: ReturnType<ReturnType<typeof createShuffleSink>['finish']>['output']) {
  if (output.kind === 'memory') return output.blocks.map((block) => [...recordsOf(block)]);
  return output.segments.map((pieces) => pieces.flatMap((piece) => [...recordsOf(piece)]));
}

describe('shuffle writer', () => {
  const env = useBlockManagers();

  it('spills plain buckets and keeps each reduce partition in arrival order', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const sink = createShuffleSink(
      { kind: 'shuffleWrite', shuffleId: 0, partitioner: { kind: 'hash', numPartitions: 3 } },
      runtime(task),
    );
    const records = Array.from({ length: 30_000 }, (_, i) => [i % 101, `${i}-${PAD}`]);
    for (const record of records) sink.add(record);
    const { output, recordsWritten } = sink.finish();
    expect(output.kind).toBe('disk');
    expect(task.spilledBytes).toBeGreaterThan(0);
    expect(recordsWritten).toBe(30_000);
    const blocks = blocksOf(output);
    for (let reduceId = 0; reduceId < 3; reduceId++) {
      const expected = records.filter(([key]) => (key as number) % 3 === reduceId);
      expect(blocks[reduceId]).toEqual(expected);
    }
    expect(mapOutputSizes(output).every((size) => size > 0)).toBe(true);
    // The output's files outlive the task; its spill files do not.
    task.close();
    expect(spillFiles(blockManager).length).toBe(output.kind === 'disk' ? output.files.length : 0);
  });

  it('spills map-side combiners and merges them so each key appears once', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const sink = createShuffleSink(
      {
        kind: 'shuffleWrite',
        shuffleId: 0,
        partitioner: { kind: 'hash', numPartitions: 2 },
        mapSideCombine: { createCombiner: { zero: 0 }, mergeValue: add, mergeCombiners: add },
      },
      runtime(task),
    );
    const keys = 20_000;
    for (let i = 0; i < 3 * keys; i++) sink.add([`${i % keys}-${PAD}`, 1]);
    const { output, recordsWritten } = sink.finish();
    expect(output.kind).toBe('disk');
    expect(task.spilledBytes).toBeGreaterThan(0);
    expect(recordsWritten).toBe(keys);
    const all = blocksOf(output).flat() as [string, number][];
    expect(all).toHaveLength(keys);
    expect(new Set(all.map(([key]) => key)).size).toBe(keys);
    expect(all.every(([, count]) => count === 3)).toBe(true);
    task.close();
    expect(spillFiles(blockManager)).toHaveLength(1);
  });

  it('keeps a small output in memory', () => {
    const blockManager = env.blockManager(64 * 1024 * 1024);
    const task = env.task(blockManager);
    const sink = createShuffleSink(
      { kind: 'shuffleWrite', shuffleId: 0, partitioner: { kind: 'hash', numPartitions: 2 } },
      runtime(task),
    );
    sink.add([1, 'a']);
    sink.add([2, 'b']);
    const { output } = sink.finish();
    expect(output.kind).toBe('memory');
    expect(blocksOf(output)).toEqual([[[2, 'b']], [[1, 'a']]]);
    expect(spillFiles(blockManager)).toEqual([]);
  });
});
