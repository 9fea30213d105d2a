/**
 * Text files: textFile over a file, a directory, a glob, gzip, CRLF endings and a missing final
 * newline, byte-range splits; saveAsTextFile's layout, its refusal of an existing directory, and
 * the round trip through textFile.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFlintError, failure, numbers, sorted, useContext } from './support.js';

const ctx = useContext();

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flint-api-files-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes `content` to a new file under the temp root and returns its path. */
function file(name: string, content: string | Buffer): string {
  const path = join(root, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A fresh path under the temp root that does not exist yet. */
let outputs = 0;
const outputDir = () => join(root, `out-${outputs++}`);

/** The lines of `content`, each with its \n, sorted and joined (the doctests' `''.join(sorted(input(...)))`). */
const sortedLines = (content: string) =>
  content
    .split(/(?<=\n)/)
    .sort()
    .join('');

/** The visible names in a directory, sorted (checksum files and other dot files aside). */
const listing = (dir: string) =>
  readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort();

describe('textFile', () => {
  it('semantics "Text files": a final line without \\n still counts ("Hello" doctest)', async () => {
    const path = file('hello.txt', 'Hello world!');
    expect(await ctx.sc.textFile(path).collect()).toEqual(['Hello world!']);
  });

  it('semantics "Text files": a trailing \\n does not add an empty line; inner empty lines stay', async () => {
    expect(await ctx.sc.textFile(file('trailing.txt', 'a\nb\n')).collect()).toEqual(['a', 'b']);
    expect(await ctx.sc.textFile(file('inner-empty.txt', 'a\n\n\nb')).collect()).toEqual([
      'a',
      '',
      '',
      'b',
    ]);
    expect(await ctx.sc.textFile(file('only-newline.txt', '\n')).collect()).toEqual(['']);
  });

  it('an empty file has no lines', async () => {
    expect(await ctx.sc.textFile(file('empty.txt', '')).collect()).toEqual([]);
  });

  it('strips CRLF endings, with and without a final newline', async () => {
    expect(await ctx.sc.textFile(file('crlf.txt', 'one\r\ntwo\r\n\r\nthree')).collect()).toEqual([
      'one',
      'two',
      '',
      'three',
    ]);
    expect(await ctx.sc.textFile(file('crlf-final.txt', 'x\r\ny\r\n')).collect()).toEqual([
      'x',
      'y',
    ]);
  });

  it('semantics "Text files": a directory means its files except _ and . names', async () => {
    file('dir/a.txt', 'a1\na2\n');
    file('dir/b.txt', 'b1');
    file('dir/_SUCCESS', '');
    file('dir/_hidden', 'never');
    file('dir/.hidden', 'never');
    expect(sorted(await ctx.sc.textFile(join(root, 'dir')).collect())).toEqual(['a1', 'a2', 'b1']);
  });

  it('semantics "Text files": a glob matches files, and a matched directory means its files', async () => {
    file('glob/x1.log', 'x1');
    file('glob/x2.log', 'x2');
    file('glob/x3.txt', 'x3');
    file('glob/sub1/p.txt', 's1');
    file('glob/sub2/q.txt', 's2\ns2b');
    file('glob/sub2/.q.txt', 'never');
    expect(sorted(await ctx.sc.textFile(join(root, 'glob', '*.log')).collect())).toEqual([
      'x1',
      'x2',
    ]);
    expect(sorted(await ctx.sc.textFile(join(root, 'glob', 'sub*')).collect())).toEqual([
      's1',
      's2',
      's2b',
    ]);
  });

  it('reads gzip files, CRLF and missing final newline included', async () => {
    const path = file('packed.txt.gz', gzipSync(Buffer.from('first\r\nsecond\n\nlast')));
    expect(await ctx.sc.textFile(path).collect()).toEqual(['first', 'second', '', 'last']);
    file('mixed/plain.txt', 'plain');
    file('mixed/packed.gz', gzipSync(Buffer.from('zipped1\nzipped2\n')));
    expect(sorted(await ctx.sc.textFile(join(root, 'mixed')).collect())).toEqual([
      'plain',
      'zipped1',
      'zipped2',
    ]);
  });

  it('semantics "Text files": minPartitions is a hint and never changes the content', async () => {
    const lines = numbers(0, 500).map((i) =>
      i % 7 === 0 ? '' : `line ${i} ${'é日'.repeat(i % 5)} ${'x'.repeat(i % 13)}`,
    );
    const lf = file('many-lf.txt', lines.join('\n'));
    const crlf = file('many-crlf.txt', lines.join('\r\n') + '\r\n');
    for (const minPartitions of [1, 2, 3, 7, 16]) {
      const fromLf = ctx.sc.textFile(lf, minPartitions);
      expect(fromLf.getNumPartitions()).toBeGreaterThanOrEqual(minPartitions);
      expect(await fromLf.collect()).toEqual(lines);
      expect(await ctx.sc.textFile(crlf, minPartitions).collect()).toEqual(lines);
    }
  });

  it('splits a file by byte range: each partition holds whole lines', async () => {
    const lines = numbers(0, 200).map((i) => `row-${i}-${'y'.repeat(i % 17)}`);
    const parts = await ctx.sc
      .textFile(file('split.txt', lines.join('\n') + '\n'), 4)
      .glom()
      .collect();
    expect(parts.length).toBeGreaterThanOrEqual(4);
    expect(parts.flat()).toEqual(lines);
    expect(parts.filter((part) => part.length > 0).length).toBeGreaterThan(1);
  });

  it('semantics "Text files": sc.union of a textFile and parallelize(["World!"])', async () => {
    const path = file('union-text.txt', 'Hello');
    expect(
      sorted(await ctx.sc.union([ctx.sc.textFile(path), ctx.sc.parallelize(['World!'])]).collect()),
    ).toEqual(['Hello', 'World!']);
  });

  it('a path that matches nothing fails with a FlintError naming it', async () => {
    const missing = join(root, 'does-not-exist.txt');
    const error = await failure(() => ctx.sc.textFile(missing).collect());
    expectFlintError(error, 'FLINT_IO', /does-not-exist\.txt/);
  });
});

describe('saveAsTextFile', () => {
  it('semantics "Text files": one part-NNNNN per partition with String(x) and \\n, plus _SUCCESS (doctest)', async () => {
    const dir = outputDir();
    await ctx.sc.parallelize(numbers(0, 10)).saveAsTextFile(dir);
    const parts = listing(dir).filter((name) => name.startsWith('part-'));
    expect(listing(dir)).toContain('_SUCCESS');
    const content = parts.map((name) => readFileSync(join(dir, name), 'utf8')).join('');
    expect(sortedLines(content)).toBe('0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  });

  it('semantics "Text files": empty strings become empty lines (doctest)', async () => {
    const dir = outputDir();
    await ctx.sc.parallelize(['', 'foo', '', 'bar', '']).saveAsTextFile(dir);
    const content = listing(dir)
      .filter((name) => name.startsWith('part-'))
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      .join('');
    expect(sortedLines(content)).toBe('\n\n\nbar\nfoo\n');
  });

  it('names parts part-00000.. one per partition, empty partitions included, and nothing else', async () => {
    const dir = outputDir();
    await ctx.sc.parallelize([0, 2, 4], 5).saveAsTextFile(dir);
    expect(listing(dir)).toEqual([
      '_SUCCESS',
      'part-00000',
      'part-00001',
      'part-00002',
      'part-00003',
      'part-00004',
    ]);
    expect(numbers(0, 5).map((i) => readFileSync(join(dir, `part-0000${i}`), 'utf8'))).toEqual([
      '',
      '0\n',
      '',
      '2\n',
      '4\n',
    ]);
  });

  it('writes String(x) for every element', async () => {
    const dir = outputDir();
    await ctx.sc.parallelize<unknown>([1.5, null, true, [1, 'a'], 'text'], 1).saveAsTextFile(dir);
    expect(readFileSync(join(dir, 'part-00000'), 'utf8')).toBe('1.5\nnull\ntrue\n1,a\ntext\n');
  });

  it('semantics "Text files": refuses a directory that already exists, and leaves it alone', async () => {
    const dir = outputDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'precious');
    const error = await failure(() => ctx.sc.parallelize([1, 2], 2).saveAsTextFile(dir));
    expectFlintError(
      error,
      ['FLINT_IO', 'FLINT_ARGUMENT'],
      new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
    expect(listing(dir)).toEqual(['keep.txt']);
    // The context keeps working after the refusal.
    expect(await ctx.sc.parallelize([1, 2], 2).count()).toBe(2);
  });

  it('round trips through textFile, in order, over many partitions and an empty dataset', async () => {
    const lines = numbers(0, 300).map((i) => (i % 10 === 0 ? '' : `value ${i} ünïcødé`));
    const dir = outputDir();
    await ctx.sc.parallelize(lines, 7).saveAsTextFile(dir);
    expect(await ctx.sc.textFile(dir).collect()).toEqual(lines);
    expect(await ctx.sc.textFile(join(dir, 'part-*')).count()).toBe(300);

    const emptyDir = outputDir();
    await ctx.sc.parallelize([] as string[], 2).saveAsTextFile(emptyDir);
    expect(listing(emptyDir)).toEqual(['_SUCCESS', 'part-00000', 'part-00001']);
    expect(await ctx.sc.textFile(emptyDir).collect()).toEqual([]);
  });

  it('saves the result of a shuffle, and resolves to undefined', async () => {
    const dir = outputDir();
    const counts = ctx.sc
      .parallelize(['a', 'b', 'a', 'c', 'a'], 2)
      .map((word) => [word, 1] as [string, number])
      .reduceByKey((x, y) => x + y, 3)
      .map(([word, n]) => `${word}=${n}`);
    expect(await counts.saveAsTextFile(dir)).toBeUndefined();
    expect(listing(dir).filter((name) => name.startsWith('part-'))).toHaveLength(3);
    expect(sorted(await ctx.sc.textFile(dir).collect())).toEqual(['a=3', 'b=1', 'c=1']);
  });
});
