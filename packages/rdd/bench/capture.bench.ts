/**
 * Capture cost per function, as a driver process sees it: `pnpm bench CAPTURE` reports it under
 * the capture workload; on its own,
 * `node --conditions=@flint/source --import tsx packages/rdd/bench/capture.bench.ts`.
 */
import { pathToFileURL } from 'node:url';
import { captureFunction } from '../src/capture/index.js';
import { costCases, reusedFunction } from '../test/fixtures/capture/costCases.js';

const options = { mode: 'auto', argumentName: 'the function given to map()' } as const;

/** What capturing one kind of function costs, in milliseconds of CPU time per capture. */
export interface CaptureCost {
  readonly case: string;
  /** The first capture of this case in the process (inspector session, script reads). */
  readonly firstMs: number | undefined;
  /** A fresh closure each time, as a transformation call site makes one every time it runs. */
  readonly steadyMs: number;
}

/**
 * Milliseconds of this process's CPU time per call of `run`: unlike wall time, it does not grow
 * when other processes load the machine.
 */
function millis(run: () => void, times = 1): number {
  const start = process.cpuUsage();
  for (let i = 0; i < times; i++) run();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000 / times;
}

/** Measures every cost case, `iterations` captures each, in this process. */
export function measureCaptureCost(iterations = 1000): CaptureCost[] {
  const costs: CaptureCost[] = [];
  for (const [name, make] of Object.entries(costCases)) {
    const firstMs = millis(() => captureFunction(make(), options));
    const steadyMs = millis(() => captureFunction(make(), options), iterations);
    costs.push({ case: name, firstMs, steadyMs });
  }
  millis(() => captureFunction(reusedFunction, options));
  costs.push({
    case: 'the same function object again (cached)',
    firstMs: undefined,
    steadyMs: millis(() => captureFunction(reusedFunction, options), iterations * 5),
  });
  const explicit = { ...options, mode: 'explicit', env: { k: 3 } } as const;
  costs.push({
    case: "mode 'explicit' with { k }",
    firstMs: undefined,
    steadyMs: millis(() => captureFunction(costCases['a module const']?.(), explicit), iterations),
  });
  return costs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(
    measureCaptureCost().map((cost) => ({
      case: cost.case,
      'first (ms)': cost.firstMs?.toFixed(2) ?? '',
      'fresh closure (ms)': cost.steadyMs.toFixed(3),
    })),
  );
}
