#!/usr/bin/env node
/**
 * The `flint` command. `flint worker --driver URL` joins a driver as a worker; the secret comes
 * from the FLINT_SECRET environment variable or a file (never a flag's value, so it does not show
 * in `ps`), and is removed from the environment once read, so tasks cannot read it there.
 *
 * A worker lives exactly as long as its driver connection: when the driver stops, dies or drops
 * it, the worker kills its tasks, frees its blocks and exits. SIGTERM and SIGINT do the same.
 */
import { parseArgs } from 'node:util';
import { Executor } from './executor.js';
import { parseMemorySize } from './memorySize.js';
import { DEFAULT_HOST } from './security/bindPolicy.js';
import { readSecurityFlags, SECURITY_FLAGS } from './security/commandLineFlags.js';
import type { TlsOptions } from './security/tls.js';

const USAGE = `Usage: flint <command> [options]

Commands:
  worker --driver ws://HOST:PORT [--cores N] [--host H] [--advertise-host H]
         [--memory SIZE] [--work-dir DIR]
         [--heartbeat-interval MS] [--network-timeout MS] [--secret-file FILE]
         [--tls-cert FILE --tls-key FILE] [--tls-ca FILE]
        Join a driver as a worker. The shared secret is read from --secret-file FILE,
        FLINT_SECRET_FILE or FLINT_SECRET. The block server listens on 127.0.0.1 unless
        --host says otherwise. With --tls-cert and --tls-key it serves wss://; --tls-ca is
        the CA that the driver's and the other workers' certificates must chain to.
        --memory SIZE (4g, 512m or bytes; default 1g, as Spark's executors) is what the
        worker's blocks and tasks may hold in memory; past it, cached partitions are
        evicted and shuffle data spills to a directory of its own under --work-dir DIR
        (default: the system's temp directory), removed when the worker exits.
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
      memory: { type: 'string' },
      'work-dir': { type: 'string' },
      ...SECURITY_FLAGS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.driver) {
    process.stderr.write('flint worker: --driver ws://HOST:PORT is required.\n');
    return 1;
  }
  const host = values.host ?? DEFAULT_HOST;
  let secret: string;
  let tls: TlsOptions | undefined;
  let memoryBytes: number | undefined;
  try {
    if (values.memory !== undefined)
      memoryBytes = parseMemorySize(values.memory, 'flint worker --memory');
    ({ secret, tls } = readSecurityFlags(values, host, 'flint worker'));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  // Tasks run in this process: they have no business reading the secret or the key.
  for (const name of ['FLINT_SECRET', 'FLINT_SECRET_FILE', 'FLINT_TLS_KEY'])
    delete process.env[name];
  const numbers: Record<string, number> = {};
  for (const flag of ['cores', 'heartbeat-interval', 'network-timeout'] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) {
      process.stderr.write(
        `flint worker: --${flag} must be a positive integer, but got '${value}'.\n`,
      );
      return 1;
    }
    numbers[flag] = parsed;
  }
  const executor = await Executor.start({
    driverUrl: values.driver,
    secret,
    cores: numbers.cores ?? 1,
    host,
    ...(tls === undefined ? {} : { tls }),
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
    ...(values['work-dir'] ? { workDir: values['work-dir'] } : {}),
    ...(values['advertise-host'] ? { advertiseHost: values['advertise-host'] } : {}),
    ...(numbers['heartbeat-interval']
      ? { heartbeatIntervalMs: numbers['heartbeat-interval'] }
      : {}),
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
