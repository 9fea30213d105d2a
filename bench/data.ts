/**
 * The deterministic words.txt of WORKLOADS.md: mulberry32 seeded with 42, lines of 10 to 20 words
 * drawn Zipf-like (s = 1.1) from the vocabulary `w0`…`w49999`. Per line the generator draws the
 * length (10 + floor(r * 11)), then one number per word (the rank, by inverse CDF). Generation
 * stops after the line that reaches the requested size, so a bigger file starts with a smaller one.
 * Files live in a temp dir, cached by version, seed and size, and are written to a temporary name
 * then renamed, so an interrupted run never leaves a truncated file behind for the next one.
 */
import { mkdir, open, rename, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '@flint/worker';

export const WORDS_SEED = 42;
export const VOCABULARY_SIZE = 50_000;
export const ZIPF_EXPONENT = 1.1;
/** Bump when the output changes, so cached files of an older generator are not reused. */
const GENERATOR_VERSION = 1;
/** Bytes written at once; bounds the generator's memory. */
const CHUNK_BYTES = 1 << 20;
/** 20 words of at most 6 characters, each with its separator. */
const MAX_LINE_BYTES = 20 * 7;
const GUIDE = 1 << 16;

/** The folder of generated data, outside the repository. */
export function dataDir(): string {
  return path.join(os.tmpdir(), 'flint-bench');
}

/** mulberry32, the engine's own seeded PRNG: the data is the same wherever it is made. */
export { mulberry32 };

/**
 * Zipf sampler: inverse CDF over ranks 1..size. A guide table maps each of `GUIDE` equal slices
 * of [0, 1) to the first rank it can hit, so a draw scans a few entries instead of a binary search.
 */
function zipfSampler(size: number, exponent: number): (u: number) => number {
  const cdf = new Float64Array(size);
  let total = 0;
  for (let rank = 1; rank <= size; rank++) {
    total += rank ** -exponent;
    cdf[rank - 1] = total;
  }
  for (let i = 0; i < size; i++) cdf[i] = (cdf[i] ?? 0) / total;
  cdf[size - 1] = 1; // no rounding gap at the top
  const guide = new Int32Array(GUIDE);
  for (let slot = 0, rank = 0; slot < GUIDE; slot++) {
    while ((cdf[rank] ?? 1) <= slot / GUIDE) rank++;
    guide[slot] = rank;
  }
  return (u) => {
    let rank = guide[Math.floor(u * GUIDE)] ?? 0;
    while ((cdf[rank] ?? 1) <= u) rank++;
    return rank;
  };
}

/** Writes at least `bytes` bytes of words (whole lines) to `file`, streaming. */
async function generate(file: string, bytes: number, seed: number): Promise<void> {
  const random = mulberry32(seed);
  const sample = zipfSampler(VOCABULARY_SIZE, ZIPF_EXPONENT);
  // All words with their trailing space in one byte array; word i spans starts[i]..starts[i + 1].
  const vocabulary = Buffer.from(
    Array.from({ length: VOCABULARY_SIZE }, (_, i) => `w${i} `).join(''),
  );
  const starts = new Int32Array(VOCABULARY_SIZE + 1);
  for (let i = 0; i < VOCABULARY_SIZE; i++) starts[i + 1] = (starts[i] ?? 0) + `w${i} `.length;
  // One reused buffer of bytes: strings or fresh buffers per chunk are several times slower.
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES + MAX_LINE_BYTES);
  const out = await open(file, 'w');
  try {
    let used = 0;
    let written = 0;
    while (written + used < bytes) {
      const length = 10 + Math.floor(random() * 11);
      for (let i = 0; i < length; i++) {
        // A byte loop: Buffer#copy's native call costs more than copying 3 to 7 bytes.
        const rank = sample(random());
        const end = starts[rank + 1] ?? 0;
        for (let at = starts[rank] ?? 0; at < end; at++) buffer[used++] = vocabulary[at] ?? 0;
      }
      buffer[used - 1] = 10; // the last word's trailing space becomes the newline
      if (used >= CHUNK_BYTES) {
        await out.write(buffer, 0, used);
        written += used;
        used = 0;
      }
    }
    await out.write(buffer, 0, used);
  } finally {
    await out.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The path of words.txt of about `bytes` bytes, generating it on first use. */
export async function wordsFile(bytes: number, seed = WORDS_SEED): Promise<string> {
  const size = Math.max(1, Math.round(bytes));
  const dir = dataDir();
  const file = path.join(dir, `words-v${GENERATOR_VERSION}-seed${seed}-${size}.txt`);
  if (await exists(file)) return file;
  await mkdir(dir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await generate(partial, size, seed);
  await rename(partial, file);
  return file;
}
