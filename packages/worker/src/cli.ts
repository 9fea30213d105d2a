#!/usr/bin/env node
/**
 * The `flint` command. `flint worker --driver URL` joins a driver as a worker; the secret comes
 * from the FLINT_SECRET environment variable (never a flag, so it does not show in `ps`).
 *
 * A worker lives exactly as long as its driver connection: when the driver stops, dies or drops
 * it, the worker kills its tasks, frees its blocks and exits. SIGTERM and SIGINT do the same.
 */
import { parseArgs } from 'node:util';
import { Executor } from './executor.js';

const USAGE = `Usage: flint <command> [options]

Commands:
  worker --driver ws://HOST:PORT [--cores N] [--host H] [--advertise-host H]
         [--heartbeat-interval MS] [--network-timeout MS]
        Join a driver as a worker. The shared secret is read from FLINT_SECRET.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command !== 'worker') {
    process.stderr.write(`flint: unknown command '${command}'.\n\n${USAGE}`);
    return 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      driver: { type: 'string' },
      cores: { type: 'string' },
      host: { type: 'string' },
      'advertise-host': { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      'network-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const secret = process.env.FLINT_SECRET;
  if (!values.driver) {
    process.stderr.write('flint worker: --driver ws://HOST:PORT is required.\n');
    return 1;
  }
  if (!secret) {
    process.stderr.write('flint worker: set the shared secret in the FLINT_SECRET environment variable.\n');
    return 1;
  }
  const numbers: Record<string, number> = {};
  for (const flag of ['cores', 'heartbeat-interval', 'network-timeout'] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) {
      process.stderr.write(`flint worker: --${flag} must be a positive integer, but got '${value}'.\n`);
      return 1;
    }
    numbers[flag] = parsed;
  }
  const executor = await Executor.start({
    driverUrl: values.driver,
    secret,
    cores: numbers.cores ?? 1,
    host: values.host ?? '127.0.0.1',
    ...(values['advertise-host'] ? { advertiseHost: values['advertise-host'] } : {}),
    ...(numbers['heartbeat-interval'] ? { heartbeatIntervalMs: numbers['heartbeat-interval'] } : {}),
    ...(numbers['network-timeout'] ? { networkTimeoutMs: numbers['network-timeout'] } : {}),
  });
  // Asked to stop (the driver's local cluster stopping, or Ctrl-C): clean up as for a lost driver.
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await Promise.race([executor.closed, signalled]);
  await executor.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`flint: ${error.message}\n`);
    process.exit(1);
  },
);
