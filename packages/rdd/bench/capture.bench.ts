/**
 * Capture cost outside vitest, as a driver process sees it:
 * `node --conditions=@flint/source --import tsx packages/rdd/bench/capture.bench.ts`.
 */
import { captureFunction } from '../src/capture/index.js';
import { costCases, reusedFunction } from '../test/fixtures/capture/costCases.js';

const options = { mode: 'auto', argumentName: 'the function given to map()' } as const;

function millis(run: () => void, times = 1): number {
  const start = performance.now();
  for (let i = 0; i < times; i++) run();
  return (performance.now() - start) / times;
}

const rows: Array<Record<string, string>> = [];
for (const [name, make] of Object.entries(costCases)) {
  const first = millis(() => captureFunction(make(), options));
  const fresh = millis(() => captureFunction(make(), options), 1000);
  rows.push({ case: name, 'first (ms)': first.toFixed(2), 'fresh closure (ms)': fresh.toFixed(3) });
}
millis(() => captureFunction(reusedFunction, options));
rows.push({
  case: 'the same function again (cached)',
  'first (ms)': '',
  'fresh closure (ms)': millis(() => captureFunction(reusedFunction, options), 5000).toFixed(3),
});
console.table(rows);
