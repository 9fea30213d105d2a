/**
 * What capture costs, printed for the record (the numbers vary by machine; the assertions only
 * catch gross regressions). The first capture in a process also pays for the inspector session
 * and, when it needs a script's source, for the first Debugger.enable, the costliest step.
 */
import { expect, test } from 'vitest';
import { captureFunction } from '../src/capture/index.js';
import { costCases, reusedFunction } from './fixtures/capture/costCases.js';

const options = { mode: 'auto', argumentName: 'the function given to map()' } as const;

function millis(run: () => void, times = 1): number {
  const start = performance.now();
  for (let i = 0; i < times; i++) run();
  return (performance.now() - start) / times;
}

test('capture cost, first call and steady state', () => {
  const rows: Array<Record<string, string>> = [];
  for (const [name, make] of Object.entries(costCases)) {
    const first = millis(() => captureFunction(make(), options));
    const fresh = millis(() => captureFunction(make(), options), 200);
    rows.push({
      case: name,
      'first (ms)': first.toFixed(2),
      'fresh closure (ms)': fresh.toFixed(3),
    });
    expect(fresh).toBeLessThan(5);
  }
  millis(() => captureFunction(reusedFunction, options));
  const reused = millis(() => captureFunction(reusedFunction, options), 1000);
  rows.push({
    case: 'the same function again (cached)',
    'first (ms)': '',
    'fresh closure (ms)': reused.toFixed(3),
  });
  const explicit = millis(
    () =>
      captureFunction(costCases['a module const']?.(), {
        ...options,
        mode: 'explicit',
        env: { k: 3 },
      }),
    1000,
  );
  rows.push({
    case: "mode 'explicit' with { k }",
    'first (ms)': '',
    'fresh closure (ms)': explicit.toFixed(3),
  });
  console.table(rows);
  // A function captured again skips the inspector: its constants and globals are cached.
  expect(reused).toBeLessThan(1);
  expect(reused).toBeLessThan(Number(rows[2]?.['fresh closure (ms)']) / 2);
});
