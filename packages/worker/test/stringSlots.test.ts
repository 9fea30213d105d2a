import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../src/keys.js';
import { StringSlots } from '../src/stringSlots.js';

/** A table over keys kept the way KeyMap keeps them: appended, slot = index. */
function tableOf(keys: string[]): { table: StringSlots; keys: string[] } {
  const kept: string[] = [];
  const table = new StringSlots(kept);
  for (const key of keys) {
    if (table.slotOf(key) >= 0) continue;
    kept.push(key);
    table.add(key, kept.length - 1);
  }
  return { table, keys: kept };
}

describe('StringSlots', () => {
  it('finds every key at its slot through many growths, and no other string', () => {
    const words = Array.from({ length: 100_000 }, (_, i) => `w${i}`);
    const { table, keys } = tableOf(words);
    expect(table.size).toBe(100_000);
    // Fresh strings, equal by value but not the same objects, as words split out of a line are.
    for (let i = 0; i < words.length; i++) expect(table.slotOf(`w${String(i)}`)).toBe(i);
    expect(keys).toEqual(words);
    for (const absent of ['', 'w', 'w100000', 'W1', 'w-1', 'w1 ']) {
      expect(table.slotOf(absent)).toBe(-1);
    }
  });

  it('tells apart the empty string, two-byte strings and lone surrogates (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { maxLength: 200 }),
        (strings) => {
          const { table, keys } = tableOf(strings);
          const distinct = [...new Set(strings)];
          expect(keys).toEqual(distinct);
          expect(distinct.map((key) => table.slotOf(key))).toEqual(distinct.map((_, slot) => slot));
          expect(table.slotOf('longer than four')).toBe(-1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('leaves the partitioning hash of strings as it was (map and reduce tasks must agree)', () => {
    // Pinned values: a change here would send a word to another reduce partition than a
    // worker on an older build does.
    expect(hashKey('')).toBe(2872998923);
    expect(hashKey('word')).toBe(3956802879);
    expect(hashKey('w49999')).toBe(2167027571);
    expect(hashKey('日本語')).toBe(3456843481);
    expect(hashKey('\u{1F600}')).toBe(1787143206);
    expect(hashKey([1, 'a'])).toBe(3665676063);
  });
});
