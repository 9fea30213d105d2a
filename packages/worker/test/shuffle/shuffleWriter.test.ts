import { describe, expect, it } from 'vitest';
import { mapOutputSizes } from '../../src/blockManager.js';
import type { FunctionSpec } from '../../src/closure/functionSpec.js';
import { runFused } from '../../src/fusedPipeline.js';
import { canonicalKey } from '../../src/keys.js';
import type { TaskRuntime } from '../../src/pipeline.js';
import { recordsOf } from '../../src/recordFrames.js';
import { createShuffleSink } from '../../src/shuffle/shuffleWriter.js';
import type { TaskMemoryManager } from '../../src/taskMemoryManager.js';
import type { PipelineNode } from '../../src/taskSpec.js';
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

  it('keeps number pairs as columns, in arrival order with any other record, spilled or not', () => {
    for (const memory of [64 * 1024 * 1024, 1024 * 1024]) {
      const blockManager = env.blockManager(memory);
      const task = env.task(blockManager);
      const sink = createShuffleSink(
        { kind: 'shuffleWrite', shuffleId: 0, partitioner: { kind: 'hash', numPartitions: 3 } },
        runtime(task),
      );
      const records: [unknown, unknown][] = [];
      for (let i = 0; i < 150_000; i++) {
        // Reduce partition 1 gets a record of another kind half-way; 0 and 2 only number pairs.
        const record: [unknown, unknown] = i === 75_001 ? [1, 'one'] : [i % 3, i / 2];
        records.push(record);
        if (i % 2 === 0) sink.add(record);
        else sink.addPair?.(record[0], record[1]);
      }
      const { output, recordsWritten } = sink.finish();
      expect(output.kind).toBe(memory === 1024 * 1024 ? 'disk' : 'memory');
      expect(recordsWritten).toBe(150_000);
      const blocks = blocksOf(output);
      for (let reduceId = 0; reduceId < 3; reduceId++)
        expect(blocks[reduceId]).toEqual(records.filter(([key]) => key === reduceId));
      task.close();
    }
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

describe('a fused loop combining into the shuffle', () => {
  const env = useBlockManagers();
  const identity = spec(((value: unknown) => value) as never);

  /**
   * Runs `records` (or a range) through map(x => x) into a combining sink as two tasks of one
   * stage, as on one worker: the first starts through the sink while its keys are new (see
   * NewKeysThroughSink), the second, measured, merges in place from its first record. Returns the
   * second's output pairs, what its loop handed to the sink and how often it called `merge`.
   */
  async function combineFused(
    source: { records: unknown[] } | { range: number; map: (x: number) => unknown },
    merge: (a: never, b: never) => unknown,
    memoryBytes = 64 * 1024 * 1024,
  ) {
    let merges = 0;
    const mergeSpec = spec(((a: never, b: never) => {
      merges++;
      return merge(a, b);
    }) as never);
    const op =
      'records' in source
        ? { kind: 'parallelize' }
        : { kind: 'range', start: 0, step: 1, count: source.range, numPartitions: 1 };
    const map = 'records' in source ? identity : spec(source.map as never);
    const root = {
      id: 2,
      op: { kind: 'map', fn: map },
      parents: [{ id: 1, op, parents: [] }],
    } as unknown as PipelineNode;
    const runTask = async () => {
      const task = env.task(env.blockManager(memoryBytes));
      const inputs = 'records' in source ? { '1:0': source.records } : undefined;
      const run = {
        task,
        partition: 0,
        inputs,
        fn: (s: FunctionSpec) => functions.get(s),
      } as unknown as TaskRuntime;
      const sink = createShuffleSink(
        {
          kind: 'shuffleWrite',
          shuffleId: 0,
          partitioner: { kind: 'hash', numPartitions: 3 },
          mapSideCombine: {
            createCombiner: identity,
            mergeValue: mergeSpec,
            mergeCombiners: mergeSpec,
          },
        },
        run,
      );
      expect(sink.inPlaceCombine).toBeDefined();
      // Counts what the loop hands to the sink rather than merging it itself.
      let handedOver = 0;
      const addPair = sink.addPair?.bind(sink) as NonNullable<typeof sink.addPair>;
      sink.addPair = (key, value) => {
        handedOver++;
        return addPair(key, value);
      };
      await runFused(root, 0, run, sink, () => undefined);
      const { output } = sink.finish();
      return { pairs: blocksOf(output).flat() as [unknown, unknown][], task, handedOver };
    };
    const first = await runTask();
    merges = 0;
    return { ...(await runTask()), merges, first };
  }

  /** What combining gives, by the book: each key's values folded with `merge`, in order. */
  function reference(pairs: [unknown, unknown][], merge: (a: never, b: never) => unknown) {
    const byKey = new Map<string, [unknown, unknown]>();
    for (const [key, value] of pairs) {
      const entry = byKey.get(canonicalKey(key));
      if (entry) entry[1] = merge(entry[1] as never, value as never);
      else byKey.set(canonicalKey(key), [key, value]);
    }
    return [...byKey.values()];
  }

  const bag = (pairs: [unknown, unknown][]) =>
    pairs.map(([key, value]) => `${canonicalKey(key)}=${canonicalKey(value)}`).sort();

  it('merges the values of small integer keys itself, calling mergeValue once per later value', async () => {
    const add = (a: number, b: number) => a + b;
    const { pairs, handedOver, merges } = await combineFused(
      { range: 10_000, map: (x) => [x % 97, x] },
      add,
    );
    expect(merges).toBe(10_000 - 97);
    expect(handedOver).toBe(97);
    const expected = reference(
      Array.from({ length: 10_000 }, (_, x): [number, number] => [x % 97, x]),
      (a: number, b: number) => a + b,
    );
    expect(bag(pairs)).toEqual(bag(expected));
  });

  it('merges the values of string keys itself too, handing over each new key once', async () => {
    const words = ['a', 'b', 'c', 'a', '', 'b', 'a'];
    const records = Array.from({ length: 700 }, (_, i): [string, number] => [
      words[i % 7] as string,
      i,
    ]);
    const add = (a: number, b: number) => a + b;
    const { pairs, handedOver, merges } = await combineFused({ records }, add);
    expect(handedOver).toBe(4);
    expect(merges).toBe(700 - 4);
    expect(bag(pairs)).toEqual(bag(reference(records, (a: number, b: number) => a + b)));
  });

  for (const [layout, keyOf] of [
    ['small integer', (i: number) => i % 5],
    ['string', (i: number) => `k${i % 5}`],
  ] as const) {
    it(`keeps every value when a merge returns something other than a number (${layout} keys)`, async () => {
      const records: [unknown, unknown][] = Array.from({ length: 300 }, (_, i) => [keyOf(i), i]);
      records[150] = [keyOf(2), 'x'];
      const concat = (a: unknown, b: unknown) => (a as number) + (b as number);
      const { pairs, merges } = await combineFused({ records }, concat);
      expect(merges).toBe(300 - 5);
      expect(bag(pairs)).toEqual(bag(reference(records, concat)));
      expect(pairs.find(([key]) => key === keyOf(2))?.[1]).toMatch(/x/);
    });
  }

  it('tells keys apart as a Map does once they are not small integers: -0, -1, 1.5, NaN, "1", [1]', async () => {
    const keys = [0, 1, -0, -1, 1.5, Number.NaN, '1', [1], 2 ** 40, 3];
    const records = Array.from({ length: 200 }, (_, i): [unknown, number] => [
      i < 50 ? i % 4 : keys[i % keys.length],
      1,
    ]);
    const add = (a: number, b: number) => a + b;
    const { pairs, handedOver } = await combineFused({ records }, add);
    expect(bag(pairs)).toEqual(bag(reference(records, add)));
    expect(pairs.filter(([key]) => key === 0)).toHaveLength(1);
    // Each distinct primitive key once (0-3, -1, 1.5, NaN, "1", 2^40); the array key each time.
    expect(handedOver).toBe(9 + 15);
  });

  it("starts a stage's first task through the sink while keys are new, with the same result", async () => {
    const add = (a: number, b: number) => a + b;
    const records = Array.from({ length: 3000 }, (_, i): [number, number] => [i % 1000, i]);
    const { first, handedOver, pairs } = await combineFused({ records }, add);
    // The first chunk's keys were mostly new: all of it went through the sink.
    expect(first.handedOver).toBe(3000);
    expect(handedOver).toBe(1000);
    const expected = bag(reference(records, add));
    expect(bag(first.pairs)).toEqual(expected);
    expect(bag(pairs)).toEqual(expected);
  });

  it('goes on merging in place after a spill empties the map', async () => {
    const add = (a: number, b: number) => a + b;
    const { pairs, task } = await combineFused(
      { range: 200_000, map: (x) => [x % 50_000, 1] },
      add,
      1024 * 1024,
    );
    expect(task.spilledBytes).toBeGreaterThan(0);
    expect(pairs).toHaveLength(50_000);
    expect(pairs.every(([, count]) => count === 4)).toBe(true);
  });

  it('rejects an element that is not a pair, naming the operation', async () => {
    const add = (a: number, b: number) => a + b;
    await expect(combineFused({ records: [[1, 1], [1, 2], 5] }, add)).rejects.toThrow(
      /A shuffle \(reduceByKey.*works on \[key, value\] pairs, but got the number 5/,
    );
  });
});
