/**
 * Attaching an application to a master: where the driver listens so that workers on other machines
 * can reach it, and the registration that makes the master start executors for it.
 */
import { createSocket } from 'node:dgram';
import { basename } from 'node:path';
import { MasterClient } from '@flint/scheduler';
import {
  ErrorCode,
  FlintError,
  isLoopbackHost,
  parseMemorySize,
  type TlsOptions,
} from '@flint/worker';
import { type ContextOptions, checkInteger } from './options.js';

/** What the context holds of its workers: local processes, or a registration with a master. */
export interface WorkerBackend {
  /** PIDs of worker processes this context started (none on a cluster). */
  readonly pids: number[];
  stop(): Promise<void>;
}

/** The master's URL, from the options or `FLINT_MASTER`; undefined for a local context. */
export function masterUrlOf(options: ContextOptions): string | undefined {
  const master = options.master ?? (process.env.FLINT_MASTER || undefined);
  if (master === undefined) return undefined;
  if (typeof master !== 'string' || !/^wss?:\/\/[^\s/]+/.test(master)) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `createContext({ master }) must be a ws:// or wss:// URL like 'ws://10.0.0.5:7077', but got ${JSON.stringify(master)}.`,
    );
  }
  return master;
}

/**
 * The interface the driver listens on: the given one, loopback for a master on this machine, or
 * the local address of the route to the master (found by connecting a UDP socket, which sends
 * nothing), as Spark's driver picks its host.
 */
export async function driverHostFor(masterUrl: string, driverHost?: string): Promise<string> {
  if (driverHost !== undefined) return driverHost;
  const { hostname, port } = new URL(masterUrl);
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(host)) return '127.0.0.1';
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(Number(port || 7077), host, () => resolve());
    });
    return socket.address().address;
  } catch (error) {
    throw new FlintError(
      ErrorCode.CONTEXT,
      `Could not find a route to the master at ${masterUrl} (${(error as Error).message}). ` +
        'Check the address, or say where workers reach this driver with createContext({ driverHost }).',
      { cause: error },
    );
  } finally {
    socket.close();
  }
}

/** Registers the application with the master; the master then starts its executors. */
export async function attachToMaster(
  masterUrl: string,
  options: ContextOptions,
  parts: {
    secret: string;
    driverUrl: string;
    tls: TlsOptions | undefined;
    /** How many executors have joined the driver so far. */
    joined: () => number;
  },
): Promise<WorkerBackend> {
  const maxCores =
    options.maxCores === undefined
      ? undefined
      : checkInteger(options.maxCores, 'createContext({ maxCores })', 1);
  const name =
    options.appName ??
    (process.env.FLINT_APP_NAME || basename(process.argv[1] ?? '') || 'Flint application');
  // On a cluster, memoryPerWorker is each executor's limit; without it, the worker's share.
  const memoryPerExecutor =
    options.memoryPerWorker === undefined
      ? undefined
      : parseMemorySize(options.memoryPerWorker, 'createContext({ memoryPerWorker })');
  const client = await MasterClient.connect({
    masterUrl,
    secret: parts.secret,
    name,
    driverUrl: parts.driverUrl,
    ...(maxCores === undefined ? {} : { maxCores }),
    ...(memoryPerExecutor === undefined ? {} : { memoryPerExecutor }),
    ...(parts.tls === undefined ? {} : { tls: parts.tls }),
  });
  try {
    await waitForExecutors(client, parts.joined);
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    pids: [],
    stop: async () => client.close(),
  };
}

/** How long the master has to grant the first cores before the context starts without them. */
const FIRST_GRANT_WAIT_MS = 2_000;
/** How long granted executors have to join the driver. */
const EXECUTORS_JOIN_TIMEOUT_MS = 60_000;

/**
 * Waits until the executors the master granted have joined, so the first job sees its cluster. With
 * no cores free (other applications hold them), the context starts anyway and jobs wait.
 */
async function waitForExecutors(client: MasterClient, joined: () => number): Promise<void> {
  const grantDeadline = Date.now() + FIRST_GRANT_WAIT_MS;
  while (client.grantedCores === 0 && Date.now() < grantDeadline) await sleep(20);
  if (client.grantedCores === 0) {
    process.emitWarning(
      `Flint: the master granted application ${client.appId} no cores yet (no worker has free ` +
        'cores, see the master status page); its jobs wait until it does.',
    );
    return;
  }
  const deadline = Date.now() + EXECUTORS_JOIN_TIMEOUT_MS;
  while (joined() < client.grantedCores) {
    if (Date.now() > deadline) {
      throw new FlintError(
        ErrorCode.CONTEXT,
        `Only ${joined()} of the ${client.grantedCores} executors the master granted joined this ` +
          `driver within ${EXECUTORS_JOIN_TIMEOUT_MS / 1000} s. Check that the workers can reach it ` +
          '(createContext({ driverHost }), firewalls) and their logs.',
      );
    }
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
