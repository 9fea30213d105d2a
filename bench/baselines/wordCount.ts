/** W2 by hand: a streaming word count over a byte range of words.txt, in one thread. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ByteRange } from '../lineRanges.js';

/** What W2, W7 and W8 report: the number of distinct words and the three most frequent. */
export interface WordStats {
  distinct: number;
  top3: Array<[string, number]>;
}

function addWords(line: string, counts: Map<string, number>): void {
  for (const word of line.split(' ')) counts.set(word, (counts.get(word) ?? 0) + 1);
}

/** Counts the words of the lines in `range` (whole lines, see lineRanges) into `counts`. */
export async function countWords(
  path: string,
  range: ByteRange,
  counts = new Map<string, number>(),
): Promise<Map<string, number>> {
  if (range.end <= range.start) return counts;
  const stream = createReadStream(path, {
    start: range.start,
    end: range.end - 1, // inclusive in fs streams
    // Node's default 64 KiB keeps chunk strings in V8's young generation. 1 MiB chunks land in
    // large-object space, fresh pages each time: 7x slower on VMs where page faults are dear.
    highWaterMark: 64 << 10,
    encoding: 'utf8',
  });
  let tail = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) addWords(line, counts);
  }
  // A final line without a newline still counts; a trailing newline adds no empty line.
  if (tail !== '') addWords(tail, counts);
  return counts;
}

/** Adds every count of `from` into `into`. */
export function mergeCounts(into: Map<string, number>, from: Map<string, number>): void {
  for (const [word, count] of from) into.set(word, (into.get(word) ?? 0) + count);
}

/** Distinct words and the top 3 by count (ties by word, which the Zipf data never needs). */
export function wordStats(counts: Map<string, number>): WordStats {
  const top3 = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([word, count]): [string, number] => [word, count]);
  return { distinct: counts.size, top3 };
}

/** The plain single-thread W2: the whole file in one pass. */
export async function wordCountPlain(path: string): Promise<WordStats> {
  const { size } = await stat(path);
  return wordStats(await countWords(path, { start: 0, end: size }));
}

export function sameWordStats(a: WordStats, b: WordStats): boolean {
  return a.distinct === b.distinct && JSON.stringify(a.top3) === JSON.stringify(b.top3);
}

export function formatWordStats(stats: WordStats): string {
  const top = stats.top3.map(([word, count]) => `${word} ${count}`).join(', ');
  return `${stats.distinct} distinct; top ${top}`;
}
