/**
 * `flint worker`: with `--master URL`, a worker daemon that offers this machine's cores to a master
 * and starts executors for the applications it grants them to; with `--driver URL`, one executor
 * that joins a driver directly (what local contexts start).
 */
import { rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_HOST,
  flintCommandArgs,
  parseMemorySize,
  readSecurityFlags,
  SECURITY_FLAGS,
  WorkerDaemon,
} from '@flint/worker';
import { CommandError, parsePositive, runInForeground, untilSignal } from './commandLine.js';

export const WORKER_USAGE = `Usage: flint worker --master ws://HOST:7077 [options]
       flint worker --driver ws://HOST:PORT [executor options]

With --master, offers this machine's cores to a master, which starts one executor per granted
core for the applications attached to it. Reconnects with backoff when the master restarts.

Options:
  --master URL         the master to join
  --cores N            cores to offer (default: this machine's, ${availableParallelism()})
  --memory SIZE        memory to offer, e.g. 4g or 512m (default: 80% of this machine's)
  --work-dir D         where executors run (default: a new directory under the system's temp dir)
  --host H             interface the executors' block servers listen on (default 127.0.0.1)
  --advertise-host H   host name other machines reach them at (default --host)
  --secret-file FILE   the shared secret (or FLINT_SECRET_FILE, FLINT_SECRET)
  --tls-cert FILE --tls-key FILE [--tls-ca FILE]   TLS for the executors and the master link
  --network-timeout MS  how long a shuffle fetch waits for a silent peer (default 60000)
  -h, --help           this help

With --driver, runs one executor joined to that driver (see flint worker --driver URL --help).
`;

/** Runs `flint worker`; resolves with the exit code. */
export async function workerCommand(
  args: readonly string[],
  signal?: AbortSignal,
): Promise<number> {
  if (args.some((arg) => arg === '--driver' || arg.startsWith('--driver=')))
    return runExecutor(args);
  const { values } = parseArgs({
    args: [...args],
    options: {
      master: { type: 'string' },
      cores: { type: 'string' },
      memory: { type: 'string' },
      'work-dir': { type: 'string' },
      host: { type: 'string' },
      'advertise-host': { type: 'string' },
      ...SECURITY_FLAGS,
      'network-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(WORKER_USAGE);
    return 0;
  }
  if (!values.master)
    throw new CommandError('--master ws://HOST:PORT (or --driver URL) is required.');
  const host = values.host ?? DEFAULT_HOST;
  const { secret, tls } = readSecurityFlags(values, host, 'flint worker');
  // Executors are started by this process and get the secret in their environment, not from here.
  for (const name of ['FLINT_SECRET', 'FLINT_SECRET_FILE']) delete process.env[name];
  const networkTimeout = values['network-timeout'];
  // A directory of our own making is ours to remove at the end; a given one is the user's.
  const workDir = values['work-dir'] ?? join(tmpdir(), `flint-worker-${process.pid}`);
  const daemon = await WorkerDaemon.start({
    masterUrl: values.master,
    secret,
    cores: parsePositive(values.cores, '--cores', availableParallelism()),
    memoryBytes:
      values.memory === undefined
        ? Math.floor(totalmem() * 0.8)
        : parseMemorySize(values.memory, '--memory'),
    host,
    advertiseHost: values['advertise-host'] ?? host,
    workDir,
    ...(tls === undefined ? {} : { tls }),
    ...(networkTimeout === undefined
      ? {}
      : {
          executorArgs: [
            '--network-timeout',
            String(parsePositive(networkTimeout, '--network-timeout', 60_000)),
          ],
        }),
  });
  const stoppedByMaster = daemon.stopped.then(
    () => 0,
    (error: Error) => {
      process.stderr.write(`flint worker: ${error.message}\n`);
      return 1;
    },
  );
  const code = await Promise.race([untilSignal(signal).then(() => 0), stoppedByMaster]);
  await daemon.close();
  if (values['work-dir'] === undefined) rmSync(workDir, { recursive: true, force: true });
  return code;
}

/** `flint worker --driver`: the executor entry point, in a process of its own. */
function runExecutor(args: readonly string[]): Promise<number> {
  return runInForeground(process.execPath, [...flintCommandArgs(), 'worker', ...args]);
}
