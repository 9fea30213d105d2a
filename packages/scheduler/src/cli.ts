#!/usr/bin/env node
/**
 * The `flint` command: `flint master`, `flint worker`, `flint submit` and `flint history`. It lives
 * in @flint/scheduler because the master and the history server are driver-side code; the worker
 * daemon and the executors it starts come from @flint/worker, below it.
 */
import { CommandError } from './commands/commandLine.js';
import { HISTORY_USAGE, historyCommand } from './commands/history.js';
import { MASTER_USAGE, masterCommand } from './commands/master.js';
import { SUBMIT_USAGE, submitCommand } from './commands/submit.js';
import { WORKER_USAGE, workerCommand } from './commands/worker.js';

const USAGE = `Usage: flint <command> [options]

Commands:
  master    start a master that workers join and applications attach to
  worker    offer this machine's cores to a master (--master), or join a driver (--driver)
  submit    run an application attached to a master
  history   serve the web UI of finished applications from their event logs

Run flint <command> --help for a command's options.
`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; usage: string }> = {
  master: { run: (args) => masterCommand(args), usage: MASTER_USAGE },
  worker: { run: (args) => workerCommand(args), usage: WORKER_USAGE },
  submit: { run: submitCommand, usage: SUBMIT_USAGE },
  history: { run: (args) => historyCommand(args), usage: HISTORY_USAGE },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`flint: unknown command '${name}'.\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    const usageError =
      error instanceof CommandError ||
      (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`flint ${name}: ${(error as Error).message}\n`);
    if (usageError && command.usage) process.stderr.write(`\n${command.usage}`);
    return usageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`flint: ${error.message}\n`);
    process.exit(1);
  },
);
