/**
 * Records as a sequence of frames: each frame is a 4-byte little-endian length, then a batch of
 * records as the codec encodes it (`encodeRecords`). Shuffle blocks, spilled runs and fetched
 * blocks written to disk all use it, because frames concatenate: a block written in several
 * pieces, or sent in several messages, is still one valid block, and it is read back one frame at
 * a time, never whole.
 *
 * Invariants: a frame is self-contained (msgpackr record structures are written inline); a reader
 * holds at most one frame in memory; a file is opened for each frame read and closed before the
 * frame is yielded, so an abandoned reader leaks no descriptor.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { allNumbers, encodeNumberColumns, encodeRecords, recordsIn } from './codec.js';
import { ErrorCode, FlintError } from './errors.js';

/** The length before each frame: 4 bytes, little-endian. */
export const FRAME_HEADER_BYTES = 4;

/** A byte range of a file that holds whole frames. */
export interface FileSegment {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/** Bytes of frames: in memory, or a range of a file on the worker's disk. */
export type FrameData = Uint8Array | FileSegment;

/** Whether frame data lives on disk. */
export const isFileSegment = (data: FrameData): data is FileSegment =>
  !(data instanceof Uint8Array);

/** The byte length of frame data, wherever it lives. */
export const frameDataLength = (data: FrameData): number =>
  data instanceof Uint8Array ? data.byteLength : data.length;

/** One frame holding `records`. */
export function encodeFrame(records: readonly unknown[]): Uint8Array {
  return frameOf(encodeRecords(records));
}

/** A frame around an encoded payload. */
function frameOf(payload: Uint8Array): Uint8Array {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(payload.byteLength, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** In-memory frames in pieces of whole frames of about `chunkBytes` each (views, not copies). */
export function* frameChunks(bytes: Uint8Array, chunkBytes: number): Generator<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  while (start < bytes.byteLength) {
    let end = start;
    do end += FRAME_HEADER_BYTES + frameLength(view, end, bytes.byteLength);
    while (end < bytes.byteLength && end - start < chunkBytes);
    yield bytes.subarray(start, end);
    start = end;
  }
}

/** The encoded record batches of in-memory frames (views), one frame at a time. */
export function* framePayloads(bytes: Uint8Array): Generator<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.byteLength) {
    const length = frameLength(view, offset, bytes.byteLength);
    const start = offset + FRAME_HEADER_BYTES;
    offset = start + length;
    yield bytes.subarray(start, offset);
  }
}

function frameLength(view: DataView, offset: number, end: number): number {
  if (offset + FRAME_HEADER_BYTES > end) throw corrupt('a frame header is cut short');
  const length = view.getUint32(offset, true);
  if (offset + FRAME_HEADER_BYTES + length > end) throw corrupt('a frame is cut short');
  return length;
}

/** The encoded record batches of frames in a file segment, read one frame at a time. */
export function* readFramePayloads(segment: FileSegment): Generator<Uint8Array> {
  let position = segment.offset;
  const end = segment.offset + segment.length;
  while (position < end) {
    const frame = readFrameAt(segment.path, position, end);
    position += frame.byteLength;
    yield frame.subarray(FRAME_HEADER_BYTES);
  }
}

/** The encoded record batches of frames anywhere: in memory or in a file segment. */
export function payloadsOf(data: FrameData): Generator<Uint8Array> {
  return isFileSegment(data) ? readFramePayloads(data) : framePayloads(data);
}

/** The records of frames anywhere, one frame decoded at a time (see the codec's recordsIn). */
export function* recordsOf(data: FrameData): Generator<unknown> {
  for (const payload of payloadsOf(data)) yield* recordsIn(payload);
}

/**
 * The bytes of a file segment in pieces of whole frames, each about `chunkBytes` (one frame when
 * a frame is larger), to send without holding the segment in memory.
 */
export function* readFrameChunks(segment: FileSegment, chunkBytes: number): Generator<Uint8Array> {
  let position = segment.offset;
  const end = segment.offset + segment.length;
  while (position < end) {
    const fd = openFrameFile(segment.path);
    let chunkEnd = position;
    try {
      // Find how many whole frames fit in one chunk, then read them in one go.
      const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      do {
        readExactly(fd, header, chunkEnd, segment.path);
        const next = chunkEnd + FRAME_HEADER_BYTES + header.readUInt32LE(0);
        if (next > end) throw corrupt(`a frame of ${segment.path} runs past its segment`);
        chunkEnd = next;
      } while (chunkEnd < end && chunkEnd - position < chunkBytes);
      const chunk = Buffer.allocUnsafe(chunkEnd - position);
      readExactly(fd, chunk, position, segment.path);
      position = chunkEnd;
      yield chunk;
    } finally {
      closeSync(fd);
    }
  }
}

function readFrameAt(path: string, position: number, end: number): Buffer {
  const fd = openFrameFile(path);
  try {
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    readExactly(fd, header, position, path);
    const length = header.readUInt32LE(0);
    if (position + FRAME_HEADER_BYTES + length > end)
      throw corrupt(`a frame of ${path} runs past its segment`);
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
    header.copy(frame);
    readExactly(fd, frame.subarray(FRAME_HEADER_BYTES), position + FRAME_HEADER_BYTES, path);
    return frame;
  } finally {
    closeSync(fd);
  }
}

function openFrameFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw new FlintError(
      ErrorCode.IO,
      `Cannot read spilled data from ${path}: ${(error as Error).message}. ` +
        "Something removed the worker's spill directory while it ran; give it its own with --work-dir.",
      { cause: error },
    );
  }
}

function readExactly(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.byteLength) {
    const read = readSync(fd, into, done, into.byteLength - done, position + done);
    if (read === 0) throw corrupt(`${path} ends before the frame it should hold`);
    done += read;
  }
}

function corrupt(what: string): FlintError {
  return new FlintError(
    ErrorCode.IO,
    `Cannot read spilled or shuffled records: ${what}. The worker's local disk may be full or ` +
      'the file was changed while the worker ran.',
  );
}

/** Records per frame at first; the batcher adapts so that frames stay near FRAME_TARGET_BYTES. */
const INITIAL_FRAME_RECORDS = 256;
const FRAME_TARGET_BYTES = 256 * 1024;
const MAX_FRAME_RECORDS = 16_384;

/**
 * Cuts records into frames of a few hundred KB (the batch size adapting to the records' encoded
 * size), so that no frame, and no decoded batch, is ever large.
 */
class FrameBatcher {
  #batch: unknown[] = [];
  #batchLimit = INITIAL_FRAME_RECORDS;

  constructor(private readonly emit: (frame: Uint8Array) => void) {}

  push(record: unknown): void {
    this.#batch.push(record);
    if (this.#batch.length >= this.#batchLimit) this.flush();
  }

  flush(): void {
    if (this.#batch.length === 0) return;
    const frame = encodeFrame(this.#batch);
    const perRecord = frame.byteLength / this.#batch.length;
    this.#batch = [];
    this.#batchLimit = Math.max(
      1,
      Math.min(MAX_FRAME_RECORDS, Math.round(FRAME_TARGET_BYTES / Math.max(1, perRecord))),
    );
    this.emit(frame);
  }
}

/** A block of `records` in memory: frames of bounded size, one after the other. */
export function encodeBlock(records: Iterable<unknown>): Uint8Array {
  const frames: Uint8Array[] = [];
  const batcher = new FrameBatcher((frame) => frames.push(frame));
  for (const record of records) batcher.push(record);
  batcher.flush();
  return frames.length === 1 ? (frames[0] as Uint8Array) : Buffer.concat(frames);
}

/**
 * The block of the records `[keys[i], values[i]]`, as {@link encodeBlock} of those pairs would
 * write it. Number keys with number values (counts and sums by id) are written straight from the
 * two columns, with no pair per record.
 */
export function encodePairBlock(keys: ArrayLike<unknown>, values: ArrayLike<unknown>): Uint8Array {
  if (!allNumbers(keys) || !allNumbers(values)) return encodeBlock(pairsOf(keys, values));
  const frames: Uint8Array[] = [];
  for (let from = 0; from < keys.length; from += MAX_FRAME_RECORDS) {
    const to = Math.min(keys.length, from + MAX_FRAME_RECORDS);
    frames.push(frameOf(encodeNumberColumns(keys, values, from, to)));
  }
  return frames.length === 1 ? (frames[0] as Uint8Array) : Buffer.concat(frames);
}

function* pairsOf(keys: ArrayLike<unknown>, values: ArrayLike<unknown>): Generator<unknown> {
  for (let i = 0; i < keys.length; i++) yield [keys[i], values[i]];
}

/**
 * Appends records to a file as frames of bounded size, so that reading a frame back costs little
 * memory. `endSegment` closes the current frame and returns the segment written since the last.
 */
export class FrameFileWriter {
  readonly #fd: number;
  readonly #batcher = new FrameBatcher((frame) => this.#write(frame));
  #position = 0;
  #segmentStart = 0;
  #closed = false;

  constructor(readonly path: string) {
    try {
      this.#fd = openSync(path, 'w');
    } catch (error) {
      throw new FlintError(
        ErrorCode.IO,
        `Cannot write spilled data to ${path}: ${(error as Error).message}. ` +
          'Give the worker a writable directory with room to spill, with --work-dir (or TMPDIR).',
        { cause: error },
      );
    }
  }

  /** Bytes written to the file so far. */
  get bytesWritten(): number {
    return this.#position;
  }

  append(record: unknown): void {
    this.#batcher.push(record);
  }

  /** Writes bytes that already hold whole frames (a block spilled as it is). */
  appendFrames(bytes: Uint8Array): void {
    this.#batcher.flush();
    this.#write(bytes);
  }

  /** Ends the current segment: everything appended since the previous one. */
  endSegment(): FileSegment {
    this.#batcher.flush();
    const segment = {
      path: this.path,
      offset: this.#segmentStart,
      length: this.#position - this.#segmentStart,
    };
    this.#segmentStart = this.#position;
    return segment;
  }

  close(): void {
    if (this.#closed) return;
    this.#batcher.flush();
    this.#closed = true;
    closeSync(this.#fd);
  }

  #write(bytes: Uint8Array): void {
    let done = 0;
    try {
      while (done < bytes.byteLength)
        done += writeSync(this.#fd, bytes, done, bytes.byteLength - done);
    } catch (error) {
      throw new FlintError(
        ErrorCode.IO,
        `Cannot write spilled data to ${this.path}: ${(error as Error).message}. ` +
          'Free disk space there, or give the worker another directory with --work-dir.',
        { cause: error },
      );
    }
    this.#position += bytes.byteLength;
  }
}
