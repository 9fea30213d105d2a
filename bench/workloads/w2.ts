/** W2 word count: textFile, flatMap, reduceByKey; distinct words and the top 3 (also W7, W8). */
import type { WordStats } from '../baselines/wordCount.js';
import type { FlintContext } from './flint.js';

export async function wordCount(sc: FlintContext, path: string): Promise<WordStats> {
  // Cached: the second action reads the 50,000 reduced pairs instead of recounting the file.
  const counts = sc
    .textFile(path)
    .flatMap((line: string) => line.split(' '))
    .map((word: string): [string, number] => [word, 1])
    .reduceByKey((a: number, b: number) => a + b)
    .cache();
  const distinct = await counts.count();
  const top = await counts.top(3, ([, count]: [string, number]) => count);
  counts.unpersist();
  return { distinct, top3: top.map(([word, count]): [string, number] => [word, count]) };
}
