import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecords } from '../src/codec.js';
import {
  encodeFrame,
  FrameFileWriter,
  framePayloads,
  readFrameChunks,
  readFramePayloads,
  recordsOf,
} from '../src/recordFrames.js';

describe('record frames', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-frames-'));
    dirs.push(dir);
    return join(dir, 'frames');
  };

  it('concatenated frames are one valid block', () => {
    const a = encodeFrame([1, 'two', [3, 4]]);
    const b = encodeFrame([{ five: 5 }, null]);
    const both = Buffer.concat([a, b]);
    expect([...framePayloads(both)].map(decodeRecords)).toEqual([
      [1, 'two', [3, 4]],
      [{ five: 5 }, null],
    ]);
    expect([...recordsOf(both)]).toEqual([1, 'two', [3, 4], { five: 5 }, null]);
  });

  it('writes segments of frames to a file and reads them back frame by frame', () => {
    const writer = new FrameFileWriter(tempFile());
    const first = Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]);
    for (const record of first) writer.append(record);
    const segmentA = writer.endSegment();
    const segmentB = writer.endSegment(); // empty
    writer.appendFrames(encodeFrame(['raw', 1]));
    writer.append(-0);
    const segmentC = writer.endSegment();
    writer.close();
    expect(segmentB.length).toBe(0);
    expect(segmentC.offset).toBe(segmentA.length);
    expect([...recordsOf(segmentA)]).toEqual(first);
    expect([...recordsOf(segmentB)]).toEqual([]);
    expect([...recordsOf(segmentC)]).toEqual(['raw', 1, -0]);
    // The writer batches records: many frames, none holding the whole segment.
    expect([...readFramePayloads(segmentA)].length).toBeGreaterThan(1);
  });

  it('reads a segment in chunks of whole frames that decode on their own', () => {
    const writer = new FrameFileWriter(tempFile());
    const records = Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'x'.repeat(i % 50) }));
    for (const record of records) writer.append(record);
    const segment = writer.endSegment();
    writer.close();
    const chunks = [...readFrameChunks(segment, 16 * 1024)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)).toBe(segment.length);
    expect(chunks.flatMap((chunk) => [...recordsOf(chunk)])).toEqual(records);
  });

  it('says what is wrong with a cut-short block', () => {
    const frame = encodeFrame([1, 2, 3]);
    expect(() => [...framePayloads(frame.subarray(0, frame.byteLength - 1))]).toThrow(/cut short/);
  });
});
