/**
 * The cluster protocol: what a master says with its workers (the `flint worker --master` daemons
 * that start executors) and with the applications (drivers) attached to it. It runs after the
 * same authenticated handshake as every Flint connection (`connection.ts`); a worker daemon joins
 * as role `worker`, a driver as role `application`.
 *
 * The master never carries tasks or data: it hands out cores. A driver registers with the URL of
 * its own endpoint; the master asks workers with free cores to start executors for it, and those
 * executors join the driver directly, exactly as local workers do.
 */
import { type RawData, WebSocket } from 'ws';
import { encodeValue } from '../codec.js';
import { closeForViolation, frameBytes } from '../connection.js';
import { decodeValidated } from '../protocol.js';

// Worker daemon -> master ----------------------------------------------------------------------------

/** An executor a worker runs, as it tells the master when it (re)registers. */
export interface ExecutorRecord {
  readonly appId: string;
  readonly executorId: string;
  readonly cores: number;
}

export interface RegisterWorkerMessage {
  readonly type: 'registerWorker';
  /** The id the master gave this worker before, when it reconnects after a master restart. */
  readonly workerId?: string;
  /** The host other machines reach this worker's executors at. */
  readonly host: string;
  readonly cores: number;
  readonly memoryBytes: number;
  /** Executors still running from before (a master restart does not stop them). */
  readonly executors: readonly ExecutorRecord[];
}

export interface ExecutorExitedMessage {
  readonly type: 'executorExited';
  readonly appId: string;
  readonly executorId: string;
  /** How it ended, for the master's log, e.g. `exit code 1` or `signal SIGKILL`. */
  readonly reason: string;
}

export interface WorkerAliveMessage {
  readonly type: 'workerAlive';
}

// Master -> worker daemon ----------------------------------------------------------------------------

export interface WorkerRegisteredMessage {
  readonly type: 'workerRegistered';
  readonly workerId: string;
}

export interface LaunchExecutorMessage {
  readonly type: 'launchExecutor';
  readonly appId: string;
  readonly executorId: string;
  /** The application's driver endpoint the executor joins. */
  readonly driverUrl: string;
  readonly cores: number;
  /** The executor's memory limit in bytes. */
  readonly memoryBytes: number;
}

export interface KillExecutorsMessage {
  readonly type: 'killExecutors';
  readonly appId: string;
}

// Application (driver) <-> master --------------------------------------------------------------------

export interface RegisterApplicationMessage {
  readonly type: 'registerApplication';
  /** The id the master gave this application before, when it reconnects after a restart. */
  readonly appId?: string;
  readonly name: string;
  /** The driver's endpoint, reachable from the workers. */
  readonly driverUrl: string;
  /** At most this many cores (executors); unlimited when absent, as Spark's `spark.cores.max`. */
  readonly maxCores?: number;
  /** Memory per executor in bytes; the worker's share when absent. */
  readonly memoryPerExecutor?: number;
}

export interface ApplicationRegisteredMessage {
  readonly type: 'applicationRegistered';
  readonly appId: string;
}

/** How many cores the application holds now (executors granted; they join the driver). */
export interface ExecutorsGrantedMessage {
  readonly type: 'executorsGranted';
  readonly cores: number;
}

export type WorkerToMasterMessage =
  | RegisterWorkerMessage
  | ExecutorExitedMessage
  | WorkerAliveMessage;
export type MasterToWorkerMessage =
  | WorkerRegisteredMessage
  | LaunchExecutorMessage
  | KillExecutorsMessage;
export type ApplicationToMasterMessage = RegisterApplicationMessage;
export type MasterToApplicationMessage = ApplicationRegisteredMessage | ExecutorsGrantedMessage;

export type ClusterMessage =
  | WorkerToMasterMessage
  | MasterToWorkerMessage
  | ApplicationToMasterMessage
  | MasterToApplicationMessage;

/** Encodes one cluster message as a binary frame. */
export function encodeClusterMessage(message: ClusterMessage): Uint8Array {
  return encodeValue(message);
}

/**
 * Decodes and validates one cluster frame.
 * @throws FlintError `FLINT_PROTOCOL` for anything that is not a well-formed cluster message.
 */
export function decodeClusterMessage(frame: Uint8Array): ClusterMessage {
  return decodeValidated(frame, validateClusterMessage) as ClusterMessage;
}

/**
 * Calls `handler` with every cluster message `socket` receives; a frame that is not one closes
 * the connection as a protocol violation. Returns a function that stops listening.
 */
export function onClusterMessages(
  socket: WebSocket,
  handler: (message: ClusterMessage) => void,
): () => void {
  const listener = (data: RawData) => {
    let message: ClusterMessage;
    try {
      message = decodeClusterMessage(frameBytes(data));
    } catch (error) {
      closeForViolation(socket, (error as Error).message);
      return;
    }
    handler(message);
  };
  socket.on('message', listener);
  return () => socket.off('message', listener);
}

/** Sends one cluster message, if the socket is still open. */
export function sendClusterMessage(socket: WebSocket | undefined, message: ClusterMessage): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(encodeClusterMessage(message));
}

// Validation -----------------------------------------------------------------------------------------

type Fields = Record<string, unknown>;
type Check = (m: Fields) => string | undefined;

const MAX_NAME = 256;
const MAX_URL = 2048;
const MAX_EXECUTORS = 4096;

const isPlainObject = (value: unknown): value is Fields =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));
const isName = (value: unknown) =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME;
const isUrl = (value: unknown) =>
  typeof value === 'string' && value.length <= MAX_URL && /^wss?:\/\/\S+$/.test(value);
const isCount = (value: unknown, max: number) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
const isBytes = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function problemUnless(ok: boolean, problem: string): string | undefined {
  return ok ? undefined : problem;
}

function executorRecords(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length > MAX_EXECUTORS) return 'executors must be an array';
  for (const record of value) {
    if (
      !isPlainObject(record) ||
      !isName(record.appId) ||
      !isName(record.executorId) ||
      !isCount(record.cores, 4096)
    )
      return 'executors must name an application, an executor and its cores';
  }
  return undefined;
}

const schemas: Record<ClusterMessage['type'], { fields: string[]; check: Check }> = {
  registerWorker: {
    fields: ['workerId', 'host', 'cores', 'memoryBytes', 'executors'],
    check: (m) =>
      problemUnless(m.workerId === undefined || isName(m.workerId), 'workerId must be a name') ??
      problemUnless(isName(m.host), 'host must be a host name') ??
      problemUnless(
        isCount(m.cores, 4096) && (m.cores as number) >= 1,
        'cores must be 1 to 4096',
      ) ??
      problemUnless(isBytes(m.memoryBytes), 'memoryBytes must be a byte count') ??
      executorRecords(m.executors),
  },
  executorExited: {
    fields: ['appId', 'executorId', 'reason'],
    check: (m) =>
      problemUnless(isName(m.appId) && isName(m.executorId), 'it must name the executor') ??
      problemUnless(isName(m.reason), 'reason must be a short string'),
  },
  workerAlive: { fields: [], check: () => undefined },
  workerRegistered: {
    fields: ['workerId'],
    check: (m) => problemUnless(isName(m.workerId), 'workerId must be a name'),
  },
  launchExecutor: {
    fields: ['appId', 'executorId', 'driverUrl', 'cores', 'memoryBytes'],
    check: (m) =>
      problemUnless(isName(m.appId) && isName(m.executorId), 'it must name the executor') ??
      problemUnless(isUrl(m.driverUrl), 'driverUrl must be a ws:// or wss:// URL') ??
      problemUnless(
        isCount(m.cores, 4096) && (m.cores as number) >= 1,
        'cores must be 1 to 4096',
      ) ??
      problemUnless(isBytes(m.memoryBytes), 'memoryBytes must be a byte count'),
  },
  killExecutors: {
    fields: ['appId'],
    check: (m) => problemUnless(isName(m.appId), 'appId must be a name'),
  },
  registerApplication: {
    fields: ['appId', 'name', 'driverUrl', 'maxCores', 'memoryPerExecutor'],
    check: (m) =>
      problemUnless(m.appId === undefined || isName(m.appId), 'appId must be a name') ??
      problemUnless(isName(m.name), 'name must be a non-empty string of at most 256 characters') ??
      problemUnless(isUrl(m.driverUrl), 'driverUrl must be a ws:// or wss:// URL') ??
      problemUnless(
        m.maxCores === undefined || (isCount(m.maxCores, 1 << 20) && (m.maxCores as number) >= 1),
        'maxCores must be a positive integer',
      ) ??
      problemUnless(
        m.memoryPerExecutor === undefined || isBytes(m.memoryPerExecutor),
        'memoryPerExecutor must be a byte count',
      ),
  },
  applicationRegistered: {
    fields: ['appId'],
    check: (m) => problemUnless(isName(m.appId), 'appId must be a name'),
  },
  executorsGranted: {
    fields: ['cores'],
    check: (m) => problemUnless(isCount(m.cores, 1 << 20), 'cores must be a count'),
  },
};

/** Undefined for a valid cluster message, or what is wrong with it (naming no content). */
export function validateClusterMessage(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'Received a cluster message that is not an object.';
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type))
    return 'Received a cluster message of an unknown type.';
  const schema = schemas[type as ClusterMessage['type']];
  for (const key in value) {
    if (key !== 'type' && !schema.fields.includes(key))
      return `Received a '${type}' message with an unknown field.`;
  }
  const problem = schema.check(value);
  return problem === undefined ? undefined : `Received a malformed '${type}' message: ${problem}.`;
}
