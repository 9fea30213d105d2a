/** Command-line options of `pnpm bench` (see bench/README.md). */
import os from 'node:os';
import { parseArgs } from 'node:util';

export const WORKLOAD_IDS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8', 'CAPTURE'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export interface BenchConfig {
  workloads: WorkloadId[];
  quick: boolean;
  /** Timed runs per implementation; medians are reported. */
  runs: number;
  /** Untimed runs per implementation before the timed ones (not for W7 and W8, see README). */
  warmup: number;
  /** Flint's (and skale's) worker count. */
  workers: number;
  /** Threads of the worker_thread baselines: one per core. */
  threads: number;
  flint: boolean;
  /** Why skale is not run, or undefined when it is. */
  skaleSkipped: string | undefined;
  /** Multiplies data sizes. */
  scale: number;
  /** Per implementation and workload; a hung engine must not hang CI. */
  timeoutMs: number;
  /** The arguments as given, for RESULTS.md. */
  args: string[];
}

export const USAGE = `Usage: pnpm bench [W1 … W8 CAPTURE] [--quick] [--runs N] [--warmup N] [--workers N]
                  [--no-skale] [--no-flint] [--scale F] [--timeout SECONDS]
  --quick      every workload on tiny data, results checked only, nothing recorded (CI smoke test)
  --runs N     timed runs per implementation, medians reported (default 3; 1 with --quick)
  --warmup N   untimed runs before them, every implementation alike (default 1; 0 with --quick;
               always 0 for W7 and W8, whose runs take tens of seconds)
  --workers N  Flint's and skale's workers (default os.availableParallelism())
  --no-skale   skip skale (always skipped with --quick or when CI is set)
  --no-flint   baselines only (while the engine cannot run)
  --scale F    multiply data sizes by F (default 1)
  --timeout S  per implementation and workload (default 1800; 120 with --quick)`;

/** A number option: `fallback` when absent; above 0, or at least 0 with `zeroAllowed`. */
function numberOption(
  value: string | undefined,
  name: string,
  fallback: number,
  zeroAllowed = false,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed)) {
    const wanted = zeroAllowed ? 'a number of 0 or more' : 'a positive number';
    throw new Error(`--${name} needs ${wanted}, got '${value}'`);
  }
  return n;
}

export function parseCli(argv: string[]): BenchConfig | 'help' {
  // pnpm forwards a literal `--` when one is typed before the options.
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      workers: { type: 'string' },
      'no-skale': { type: 'boolean', default: false },
      'no-flint': { type: 'boolean', default: false },
      scale: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const workloads = positionals.map((p) => p.toUpperCase());
  for (const id of workloads) {
    if (!(WORKLOAD_IDS as readonly string[]).includes(id)) {
      throw new Error(`unknown workload '${id}': choose among ${WORKLOAD_IDS.join(', ')}`);
    }
  }
  const quick = values.quick;
  let skaleSkipped: string | undefined;
  if (values['no-skale']) skaleSkipped = '--no-skale';
  else if (quick) skaleSkipped = '--quick';
  else if (process.env.CI) skaleSkipped = 'CI is set';
  return {
    workloads: workloads.length > 0 ? (workloads as WorkloadId[]) : [...WORKLOAD_IDS],
    quick,
    runs: Math.round(numberOption(values.runs, 'runs', quick ? 1 : 3)),
    warmup: Math.round(numberOption(values.warmup, 'warmup', quick ? 0 : 1, true)),
    workers: Math.round(numberOption(values.workers, 'workers', os.availableParallelism())),
    threads: os.availableParallelism(),
    flint: !values['no-flint'],
    skaleSkipped,
    scale: numberOption(values.scale, 'scale', 1),
    timeoutMs: numberOption(values.timeout, 'timeout', quick ? 120 : 1800) * 1000,
    args,
  };
}
