/**
 * skale reads one local file per partition and never splits a file, so it gets words.txt cut
 * into one file per worker at line boundaries (WORKLOADS.md: 26 s as 2 files, 47 s as one).
 * The copies are cached beside the original.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { lineRanges } from '../lineRanges.js';

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false; // not made yet
  }
}

/** A directory of `parts` files that together hold the lines of `file`, in order. */
export async function splitIntoFiles(file: string, parts: number): Promise<string> {
  const dir = `${file.replace(/\.txt$/, '')}-split${parts}`;
  if (await isDirectory(dir)) return dir;
  const partial = `${dir}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const ranges = await lineRanges(file, parts);
  for (const [i, range] of ranges.entries()) {
    const name = `${partial}/part-${String(i).padStart(5, '0')}.txt`;
    if (range.end <= range.start) {
      await writeFile(name, '');
      continue;
    }
    await pipeline(
      createReadStream(file, { start: range.start, end: range.end - 1 }),
      createWriteStream(name),
    );
  }
  await rename(partial, dir);
  return dir;
}
