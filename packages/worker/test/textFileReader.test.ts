import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSplitLines } from '../src/textFileReader.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): { path: string; size: number } {
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, size: Buffer.byteLength(content) };
}

/** Reads a file as splits cut at every given byte offset. */
function readInSplits(path: string, size: number, cuts: number[]): string[][] {
  const bounds = [0, ...cuts, size];
  return bounds.slice(1).map((end, i) => [...readSplitLines({ path, start: bounds[i] ?? 0, end })]);
}

describe('readSplitLines', () => {
  const content = 'héllo wörld\r\nsecond line\n\nfourth — ünïcode 🎉\nlast line without newline';
  const expected = [
    'héllo wörld',
    'second line',
    '',
    'fourth — ünïcode 🎉',
    'last line without newline',
  ];

  it('reads every line exactly once, wherever the file is cut, even inside a character', () => {
    const { path, size } = write('lines.txt', content);
    for (let cut = 1; cut < size; cut++) {
      const parts = readInSplits(path, size, [cut]);
      expect(parts.flat(), `cut at ${cut}`).toEqual(expected);
    }
    for (let a = 1; a < size; a += 3) {
      for (let b = a + 1; b < size; b += 5)
        expect(readInSplits(path, size, [a, b]).flat()).toEqual(expected);
    }
  });

  it('gives a line to the split where it starts', () => {
    const { path, size } = write('starts.txt', 'aaaa\nbbbb\ncccc\n');
    expect(readInSplits(path, size, [5, 10])).toEqual([['aaaa'], ['bbbb'], ['cccc']]);
    expect(readInSplits(path, size, [6])).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('does not add an empty line for a trailing newline, and reads an empty file as no lines', () => {
    const { path, size } = write('trailing.txt', 'one\ntwo\n');
    expect(readInSplits(path, size, [])).toEqual([['one', 'two']]);
    const empty = write('empty.txt', '');
    expect([...readSplitLines({ path: empty.path, start: 0, end: 0 })]).toEqual([]);
  });

  it('reads lines longer than its read buffer', () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    const { path, size } = write('long.txt', `${long}\nshort\n${long}`);
    const parts = readInSplits(path, size, [1024, 2 * 1024 * 1024]);
    expect(parts.flat().map((line) => line.length)).toEqual([long.length, 5, long.length]);
  });

  it('fails with FLINT_IO naming a missing file', () => {
    expect(() => [...readSplitLines({ path: join(dir, 'nope.txt'), start: 0, end: 10 })]).toThrow(
      /nope\.txt/,
    );
  });
});
