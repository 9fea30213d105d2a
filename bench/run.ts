/**
 * `pnpm bench`: runs the workloads of WORKLOADS.md on Flint and its baselines, prints a table per
 * workload and appends them to bench/RESULTS.md. Exits 1 when any implementation errs or computes
 * a wrong result (skale being unavailable is not an error).
 */
import { type BenchConfig, parseCli, USAGE } from './cli.js';
import { errorMessage } from './measure.js';
import { appendResults, commandLine, machineDescription, RESULTS_FILE } from './results.js';
import { sizesFor } from './sizes.js';
import { WORKLOADS } from './specs/all.js';
import { consoleTable, type WorkloadReport } from './table.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Errors escaping the engine's own handlers must not end the baselines' measurements. */
let strayErrors = 0;
function countStray(kind: string) {
  return (error: unknown): void => {
    strayErrors++;
    log(`${kind}: ${errorMessage(error)}`);
  };
}

async function bench(config: BenchConfig): Promise<boolean> {
  const startedAt = new Date();
  const sizes = sizesFor(config.quick, config.workers, config.scale);
  console.log(`Flint bench: ${commandLine(config)}`);
  const machine = machineDescription();
  console.log(`Machine: ${machine}`);
  console.log(
    `Flint workers ${config.workers}, threads ${config.threads}, runs ${config.runs} after ${config.warmup} warm-up` +
      (config.skaleSkipped === undefined ? '' : `, skale skipped (${config.skaleSkipped})`) +
      (config.flint ? '' : ', Flint skipped (--no-flint)') +
      (config.quick ? ', quick: tiny data, results only' : ''),
  );
  const reports: WorkloadReport[] = [];
  for (const id of config.workloads) {
    let report: WorkloadReport;
    try {
      report = await WORKLOADS[id]({ config, sizes, log });
    } catch (error) {
      // Preparing the workload failed (e.g. generating its data): nothing was measured.
      report = {
        id,
        title: 'could not run',
        timeLabel: '-',
        rows: [],
        notes: [errorMessage(error)],
        failed: true,
      };
    }
    reports.push(report);
    console.log(`\n${consoleTable(report)}`);
  }
  const passed = !reports.some((report) => report.failed) && strayErrors === 0;
  if (strayErrors > 0)
    console.log(`\n${strayErrors} error(s) escaped the implementations (see above)`);
  if (!config.quick) {
    await appendResults(config, startedAt, machine, reports);
    console.log(`\nAppended to ${RESULTS_FILE}`);
  }
  console.log(passed ? '\nbench passed' : '\nbench FAILED: wrong results or errors above');
  return passed;
}

async function main(): Promise<number> {
  let config: BenchConfig | 'help';
  try {
    config = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  if (config === 'help') {
    console.log(USAGE);
    return 0;
  }
  process.on('unhandledRejection', countStray('unhandled rejection'));
  process.on('uncaughtException', countStray('uncaught exception'));
  return (await bench(config)) ? 0 : 1;
}

// Exit explicitly: a hung engine's sockets or timers must not keep the bench alive.
process.exit(await main());
