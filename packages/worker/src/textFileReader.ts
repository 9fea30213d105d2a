/**
 * Reads the lines of one byte range of a file. A line belongs to the split in which it starts, as
 * in Hadoop's LineRecordReader, so splits cut anywhere give every line exactly once. Lines are cut
 * on the byte 0x0A, which never occurs inside a multi-byte UTF-8 sequence, so a split boundary can
 * never break a character. CRLF endings lose their CR; a final line without a newline still counts.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ErrorCode, FlintError } from './errors.js';
import type { FileSplit } from './taskSpec.js';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The lines of a split, read lazily in chunks so that memory stays small. */
export function* readSplitLines(split: FileSplit): Generator<string> {
  if (split.compressed) {
    yield* linesOf(readWholeGzip(split.path), 0, Number.POSITIVE_INFINITY, true);
    return;
  }
  const fd = openOrThrow(split.path);
  try {
    let position = split.start;
    if (split.start > 0) {
      // Skip the tail of a line that started in the previous split.
      const lineStart = findLineStart(fd, split.start);
      if (lineStart === undefined) return;
      position = lineStart;
    }
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry: Buffer | undefined;
    let lineStartOffset = position;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      let from = 0;
      for (;;) {
        if (lineStartOffset >= split.end) return;
        const newline = buffer.indexOf(NEWLINE, from);
        if (newline === -1 || newline >= bytesRead) break;
        if (carry) {
          const line = Buffer.concat([carry, buffer.subarray(from, newline)]);
          carry = undefined;
          yield decodeLine(line, 0, line.length);
        } else {
          // Decoded straight from the chunk: a view per line would cost more than its decoding.
          // A string of its own per line, not a slice of a larger decoded string, so a line that
          // is kept (a cache of a filter) holds no more memory than its own characters.
          yield decodeLine(buffer, from, newline);
        }
        lineStartOffset = position + newline + 1;
        from = newline + 1;
      }
      if (from < bytesRead) {
        const rest = Buffer.from(buffer.subarray(from, bytesRead));
        carry = carry ? Buffer.concat([carry, rest]) : rest;
      }
      position += bytesRead;
    }
    if (carry && carry.length > 0 && lineStartOffset < split.end)
      yield decodeLine(carry, 0, carry.length);
  } finally {
    closeSync(fd);
  }
}

function* linesOf(bytes: Buffer, start: number, end: number, all: boolean): Generator<string> {
  let from = start;
  while (from < bytes.length && (all || from < end)) {
    const newline = bytes.indexOf(NEWLINE, from);
    const stop = newline === -1 ? bytes.length : newline;
    yield decodeLine(bytes, from, stop);
    from = stop + 1;
  }
}

function decodeLine(bytes: Buffer, from: number, to: number): string {
  const stop = to > from && bytes[to - 1] === CARRIAGE_RETURN ? to - 1 : to;
  return bytes.toString('utf8', from, stop);
}

/** The offset of the first line that starts at or after `offset`, or undefined at end of file. */
function findLineStart(fd: number, offset: number): number | undefined {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let position = offset - 1;
  for (;;) {
    const bytesRead = readSync(fd, buffer, 0, buffer.length, position);
    if (bytesRead === 0) return undefined;
    const newline = buffer.subarray(0, bytesRead).indexOf(NEWLINE);
    if (newline !== -1) return position + newline + 1;
    position += bytesRead;
  }
}

function openOrThrow(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new FlintError(
      ErrorCode.IO,
      `Could not open ${path} for reading: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function readWholeGzip(path: string): Buffer {
  try {
    return gunzipSync(readFileSync(path));
  } catch (error) {
    throw new FlintError(
      ErrorCode.IO,
      `Could not read the gzip file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
