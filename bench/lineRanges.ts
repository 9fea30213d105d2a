/**
 * Byte ranges of a text file cut at line boundaries, as a distributed engine splits a file:
 * a line belongs to the range where it starts, so every line is read exactly once.
 */
import { open, stat } from 'node:fs/promises';

/** A half-open byte range [start, end) holding whole lines. */
export interface ByteRange {
  start: number;
  end: number;
}

const PROBE_BYTES = 64 * 1024;

/** The first line start at or after `position` (0 stays 0; a line starting there counts). */
async function lineStartAtOrAfter(
  file: Awaited<ReturnType<typeof open>>,
  position: number,
  size: number,
): Promise<number> {
  if (position <= 0) return 0;
  const buffer = Buffer.allocUnsafe(PROBE_BYTES);
  // Start one byte early: if that byte is a newline, `position` itself begins a line.
  let offset = position - 1;
  while (offset < size) {
    const { bytesRead } = await file.read(buffer, 0, PROBE_BYTES, offset);
    if (bytesRead === 0) break;
    const newline = buffer.subarray(0, bytesRead).indexOf(10);
    if (newline !== -1) return offset + newline + 1;
    offset += bytesRead;
  }
  return size;
}

/** Cuts `path` into `parts` ranges of about equal size, each holding whole lines. */
export async function lineRanges(path: string, parts: number): Promise<ByteRange[]> {
  const { size } = await stat(path);
  const file = await open(path, 'r');
  try {
    const cuts = [0];
    for (let i = 1; i < parts; i++) {
      cuts.push(await lineStartAtOrAfter(file, Math.floor((size * i) / parts), size));
    }
    cuts.push(size);
    const ranges: ByteRange[] = [];
    for (let i = 0; i < parts; i++) ranges.push({ start: cuts[i] ?? 0, end: cuts[i + 1] ?? size });
    return ranges;
  } finally {
    await file.close();
  }
}
