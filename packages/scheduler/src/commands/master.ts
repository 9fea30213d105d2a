/**
 * `flint master`: starts a master and its status page, logs what happens to stderr, and runs until
 * SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_HOST, readSecurityFlags, SECURITY_FLAGS } from '@flint/worker';
import { DEFAULT_MASTER_PORT, Master, type SchedulingMode } from '../master/master.js';
import { DEFAULT_MASTER_UI_PORT, startMasterStatusPage } from '../master/statusPage.js';
import { CommandError, parsePort, untilSignal } from './commandLine.js';

export const MASTER_USAGE = `Usage: flint master [options]

Starts a master that workers join and applications attach to.

Options:
  --host H             interface to listen on (default 127.0.0.1; others need a secret)
  --port P             port (default ${DEFAULT_MASTER_PORT}; 0 picks a free one)
  --advertise-host H   host name workers and drivers use to reach the master (default --host)
  --ui-host H          interface of the status page (default 127.0.0.1)
  --ui-port P          status page port (default ${DEFAULT_MASTER_UI_PORT}, next free when taken; 0 any)
  --no-ui              no status page
  --scheduling MODE    fifo (default: oldest application first) or fair (cores dealt in turn)
  --worker-timeout MS  a worker silent this long is dropped (default 60000)
  --secret-file FILE   the shared secret (or FLINT_SECRET_FILE, FLINT_SECRET)
  --tls-cert FILE --tls-key FILE [--tls-ca FILE]   serve wss://
  -h, --help           this help
`;

/** Runs `flint master`; resolves with the exit code once stopped by a signal (or `signal`). */
export async function masterCommand(
  args: readonly string[],
  signal?: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'advertise-host': { type: 'string' },
      'ui-host': { type: 'string' },
      'ui-port': { type: 'string' },
      'no-ui': { type: 'boolean' },
      scheduling: { type: 'string' },
      'worker-timeout': { type: 'string' },
      ...SECURITY_FLAGS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(MASTER_USAGE);
    return 0;
  }
  const host = values.host ?? DEFAULT_HOST;
  const { secret, tls } = readSecurityFlags(values, host, 'flint master');
  const scheduling = values.scheduling ?? 'fifo';
  if (scheduling !== 'fifo' && scheduling !== 'fair')
    throw new CommandError(`--scheduling must be fifo or fair, but got '${scheduling}'.`);
  const workerTimeout = values['worker-timeout'];
  const workerTimeoutMs = workerTimeout === undefined ? undefined : Number(workerTimeout);
  if (workerTimeoutMs !== undefined && !(Number.isInteger(workerTimeoutMs) && workerTimeoutMs > 0))
    throw new CommandError(
      `--worker-timeout must be a positive integer (ms), but got '${workerTimeout}'.`,
    );
  const master = await Master.start({
    secret,
    host,
    port: parsePort(values.port, '--port', DEFAULT_MASTER_PORT),
    scheduling: scheduling as SchedulingMode,
    ...(values['advertise-host'] ? { advertiseHost: values['advertise-host'] } : {}),
    ...(tls === undefined ? {} : { tls }),
    ...(workerTimeoutMs === undefined ? {} : { workerTimeoutMs }),
  });
  const page = values['no-ui']
    ? undefined
    : await startMasterStatusPage(
        master,
        values['ui-host'] ?? DEFAULT_HOST,
        parsePort(values['ui-port'], '--ui-port', DEFAULT_MASTER_UI_PORT),
      );
  // Scripts read these two lines to find the master.
  process.stdout.write(`Master: ${master.url}\n`);
  if (page) process.stdout.write(`Status page: ${page.url}\n`);
  await untilSignal(signal);
  await page?.close();
  await master.close();
  return 0;
}
