/** The machine description and the section each full run appends to bench/RESULTS.md. */
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchConfig } from './cli.js';
import { markdownTable, type WorkloadReport } from './table.js';

export const RESULTS_FILE = path.join(import.meta.dirname, 'RESULTS.md');

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  // The load average tells a quiet machine from a busy one, which skews every time.
  const load = os.loadavg()[0]?.toFixed(1) ?? '?';
  return (
    `${os.availableParallelism()} cores (${cpu}), ${memory} GiB, Node ${process.version}, ` +
    `${os.platform()} ${os.arch()}; load average ${load} at start`
  );
}

/** The command as typed: `pnpm bench …` when run through the script, else the node command. */
export function commandLine(config: BenchConfig): string {
  const args = config.args.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `pnpm bench ${args}`.trim();
  const script = path.relative(process.cwd(), process.argv[1] ?? 'bench/run.ts');
  return `node ${[...process.execArgv, script, args].join(' ')}`.trim();
}

/** `machine` is described when the run starts: the load average at the end says little. */
export async function appendResults(
  config: BenchConfig,
  startedAt: Date,
  machine: string,
  reports: WorkloadReport[],
): Promise<void> {
  const section = [
    `## ${startedAt.toISOString()}`,
    '',
    `- Machine: ${machine}`,
    `- Command: \`${commandLine(config)}\``,
    `- Flint workers: ${config.workers}; baseline threads: ${config.threads}; runs: ${config.runs} (medians) after ${config.warmup} untimed warm-up run(s) each (none in W7, W8)` +
      (config.scale === 1 ? '' : `; data scale ${config.scale}`),
    `- skale: ${config.skaleSkipped === undefined ? 'run' : `skipped (${config.skaleSkipped})`}` +
      (config.flint ? '' : '; Flint: skipped (--no-flint)'),
    `- Outcome: ${reports.some((r) => r.failed) ? 'FAILED' : 'passed'}`,
    '',
    ...reports.flatMap((report) => [markdownTable(report), '']),
  ];
  await appendFile(RESULTS_FILE, `\n${section.join('\n')}`);
}
