import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecords, numberPairsView } from '../../src/codec.js';
import { compareValues } from '../../src/ordering.js';
import { ExternalSorter } from '../../src/spill/externalSorter.js';
import { spillFiles, useBlockManagers } from '../spillHelpers.js';

const byKey = (record: unknown) => (record as [unknown, unknown])[0];

describe('ExternalSorter', { timeout: 60_000 }, () => {
  const env = useBlockManagers();

  it('spills sorted runs and merges them into one stable sort', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const sorter = new ExternalSorter(task, byKey, true);
    const records: [unknown, number][] = [];
    for (let i = 0; i < 40_000; i++) {
      // Few distinct keys of mixed types, so ties are many and stability shows.
      const key = [i % 13, `s${i % 7}`, i % 5 === 0 ? 1n : 1, null, [i % 3]][i % 5];
      records.push([key, i]);
      sorter.insert(records[i]);
    }
    expect(sorter.spilled).toBe(true);
    const expected = [...records].sort((a, b) => compareValues(a[0], b[0]));
    expect([...sorter]).toEqual(expected);
    expect([...sorter]).toEqual(expected); // read again: the same
    task.close();
    expect(spillFiles(blockManager)).toEqual([]);
  });

  it('sorts descending by a function of the key, in memory when it fits', () => {
    const blockManager = env.blockManager(64 * 1024 * 1024);
    const task = env.task(blockManager);
    const sorter = new ExternalSorter(
      task,
      (record) => (record as [string, number])[0].length,
      false,
    );
    for (const record of [
      ['aa', 1],
      ['b', 2],
      ['ccc', 3],
      ['dd', 4],
    ])
      sorter.insert(record);
    expect(sorter.spilled).toBe(false);
    expect([...sorter]).toEqual([
      ['ccc', 3],
      ['aa', 1],
      ['dd', 4],
      ['b', 2],
    ]);
  });

  it('agrees with Array.prototype.sort (stable) on random records (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 0, max: 30 }), fc.string({ maxLength: 2 })),
            fc.nat(),
          ),
          {
            maxLength: 300,
          },
        ),
        (pairs) => {
          const blockManager = env.blockManager(1024 * 1024);
          const task = env.task(blockManager);
          const sorter = new ExternalSorter(task, byKey, true);
          const records: unknown[] = [];
          // Long values make the buffer spill every few hundred records.
          for (let copy = 0; copy < 20; copy++)
            for (const [k, v] of pairs) records.push([k, `${v}-${copy}-${'x'.repeat(100)}`]);
          for (const record of records) sorter.insert(record);
          expect([...sorter]).toEqual(
            [...records].sort((a, b) => compareValues(byKey(a), byKey(b))),
          );
          task.close();
        },
      ),
      { numRuns: 20 },
    );
  });

  it('sorts number pairs by key as columns, stably, as Array.prototype.sort would (property)', () => {
    const numberKey = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom(-0, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(numberKey, fc.integer()), { maxLength: 200 }),
        fc.boolean(),
        fc.nat({ max: 3 }),
        fc.option(fc.nat({ max: 4000 }), { nil: undefined }),
        (pairs, ascending, asBlocks, otherAt) => {
          const blockManager = env.blockManager(1024 * 1024);
          const task = env.task(blockManager);
          const compare = (a: unknown, b: unknown) => (ascending ? 1 : -1) * compareValues(a, b);
          const sorter = new ExternalSorter(task, 'key', ascending);
          const records: unknown[] = [];
          // 20 copies: about 64,000 pairs at most, enough to spill now and then at 1 MB.
          for (let copy = 0; copy < 20; copy++) {
            const batch = pairs.map(([k, v]): unknown[] => [k, v + copy]);
            if (batch.length > 0 && copy % 4 < asBlocks) {
              // As a reduce task gets them: blocks of number pairs, read from their bytes.
              sorter.insertNumberPairs(numberPairsView(encodeRecords(batch)) as DataView);
              records.push(...batch);
            } else {
              for (const record of batch) {
                // Now and then a record that is not a number pair: the columns turn to records.
                if (otherAt === records.length) {
                  records.push(['other', 0]);
                  sorter.insert(['other', 0]);
                }
                records.push(record);
                sorter.insert(record);
              }
            }
          }
          const expected = [...records].sort((a, b) => compare(byKey(a), byKey(b)));
          expect([...sorter]).toEqual(expected);
          expect([...sorter]).toEqual(expected);
          task.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('spills columns of number pairs as sorted runs and merges them', () => {
    const blockManager = env.blockManager(1024 * 1024);
    const task = env.task(blockManager);
    const sorter = new ExternalSorter(task, 'key', true);
    const records: [number, number][] = [];
    for (let block = 0; block < 10; block++) {
      const batch = Array.from({ length: 20_000 }, (_, i): [number, number] => [
        Math.imul(block * 20_000 + i, 0x9e3779b1) % 1000,
        block * 20_000 + i,
      ]);
      sorter.insertNumberPairs(numberPairsView(encodeRecords(batch)) as DataView);
      records.push(...batch);
    }
    expect(sorter.spilled).toBe(true);
    expect([...sorter]).toEqual([...records].sort((a, b) => a[0] - b[0]));
    task.close();
    expect(spillFiles(blockManager)).toEqual([]);
  });
});
