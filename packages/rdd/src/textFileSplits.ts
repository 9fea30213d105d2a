/**
 * Plans the splits of `textFile`: which files a path, directory or glob means, and how each file is
 * cut into byte ranges, the way Hadoop's FileInputFormat does (a goal size from `minPartitions`,
 * capped at the block size). Gzip files cannot be split, so each is one split.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FileSplit } from '@flint/worker';
import { ErrorCode, FlintError } from '@flint/worker';
import { globSync, isDynamicPattern } from 'tinyglobby';

/** Hadoop's local file system block size: the largest split. */
const BLOCK_SIZE = 32 * 1024 * 1024;
/** Hadoop's SPLIT_SLOP: the last split may be up to 10% larger rather than leave a sliver. */
const SPLIT_SLOP = 1.1;

const isHidden = (path: string) => /^[._]/.test(basename(path));

/** The files a textFile path means, in a stable (sorted) order. */
export function resolveInputFiles(path: string): string[] {
  const matches = isDynamicPattern(path)
    ? globSync(path, { onlyFiles: false, absolute: true, dot: false })
    : [path];
  const files: string[] = [];
  for (const match of matches.sort()) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(match);
    } catch {
      continue;
    }
    if (stats.isDirectory()) {
      for (const name of readdirSync(match).sort()) {
        const file = join(match, name);
        if (!isHidden(file) && statSync(file).isFile()) files.push(file);
      }
    } else if (stats.isFile()) {
      files.push(match);
    }
  }
  if (files.length === 0) {
    throw new FlintError(
      ErrorCode.IO,
      `textFile(${JSON.stringify(path)}) matched no files. Check the path, or the glob pattern.`,
    );
  }
  return files;
}

/** Byte-range splits of the files of `path`, at least `minPartitions` of them when the data allows. */
export function planTextFile(path: string, minPartitions: number): FileSplit[] {
  const files = resolveInputFiles(path).map((file) => ({ path: file, size: statSync(file).size }));
  const totalSize = files.reduce((sum, file) => sum + file.size, 0);
  const goalSize = Math.max(1, Math.floor(totalSize / minPartitions));
  const splitSize = Math.max(1, Math.min(goalSize, BLOCK_SIZE));
  const splits: FileSplit[] = [];
  for (const { path: file, size } of files) {
    if (file.endsWith('.gz')) {
      splits.push({ path: file, start: 0, end: size, compressed: true });
      continue;
    }
    let start = 0;
    while ((size - start) / splitSize > SPLIT_SLOP) {
      splits.push({ path: file, start, end: start + splitSize });
      start += splitSize;
    }
    splits.push({ path: file, start, end: size });
  }
  return splits;
}
