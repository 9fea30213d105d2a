/**
 * The wire protocol between the driver, workers and their peers. Every message is a member of one
 * discriminated union on `type`; {@link decodeMessage} validates a frame at the socket edge and
 * nothing behind it checks again.
 *
 * A connection opens with a handshake (see `auth.ts`): the listener sends `challenge`, the
 * connecting side answers `hello` with its proof, the listener answers `welcome` with its own.
 */
import { decodeValue, encodeValue } from './codec.js';
import { ErrorCode, FlintError, type SerializedError } from './errors.js';
import type { StageSpec, TaskDescription, TaskMetrics, TaskResult } from './taskSpec.js';

/** Bumped whenever a message changes shape; peers of another version are refused. */
export const PROTOCOL_VERSION = 1;

/** The largest frame a Flint endpoint accepts. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** Who is connecting: a worker joining a driver, or a worker fetching blocks from a peer. */
export type PeerRole = 'worker' | 'peer';

// Handshake ---------------------------------------------------------------------------------------

export interface ChallengeMessage {
  readonly type: 'challenge';
  readonly protocolVersion: number;
  readonly nonce: string;
}

export interface HelloMessage {
  readonly type: 'hello';
  readonly protocolVersion: number;
  readonly role: PeerRole;
  readonly nonce: string;
  /** HMAC of both nonces under the shared secret: proves the secret without sending it. */
  readonly proof: string;
  /** For workers: the address of their block server, and how many tasks they run at once. */
  readonly blockServer?: string;
  readonly cores?: number;
  readonly pid?: number;
}

export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly proof: string;
  readonly workerId?: string;
}

export interface RefusedMessage {
  readonly type: 'refused';
  readonly reason: string;
}

// Driver -> worker ----------------------------------------------------------------------------------

export interface DefineStageMessage {
  readonly type: 'defineStage';
  readonly stage: StageSpec;
}

export interface LaunchTaskMessage {
  readonly type: 'launchTask';
  readonly task: TaskDescription;
}

export interface KillTaskMessage {
  readonly type: 'killTask';
  readonly taskId: number;
}

export interface ForgetStageMessage {
  readonly type: 'forgetStage';
  readonly stageKey: string;
}

export interface RemoveShuffleMessage {
  readonly type: 'removeShuffle';
  readonly shuffleId: number;
}

export interface PutBroadcastMessage {
  readonly type: 'putBroadcast';
  readonly id: number;
  readonly value: unknown;
}

export interface RemoveBroadcastMessage {
  readonly type: 'removeBroadcast';
  readonly id: number;
}

export interface UnpersistMessage {
  readonly type: 'unpersist';
  readonly nodeId: number;
}

export interface ShutdownMessage {
  readonly type: 'shutdown';
}

// Worker -> driver ----------------------------------------------------------------------------------

export interface TaskFinishedMessage {
  readonly type: 'taskFinished';
  readonly taskId: number;
  readonly result: TaskResult;
  readonly metrics: TaskMetrics;
}

export interface TaskFailedMessage {
  readonly type: 'taskFailed';
  readonly taskId: number;
  readonly error: SerializedError;
  /** Set when the task could not read a map output: the scheduler must recompute it. */
  readonly fetchFailure?: {
    readonly shuffleId: number;
    readonly mapIndex: number;
    readonly address: string;
  };
  readonly killed?: boolean;
}

export interface HeartbeatMessage {
  readonly type: 'heartbeat';
  readonly runningTasks: number;
  readonly rssBytes: number;
}

// Peer <-> peer (shuffle blocks) --------------------------------------------------------------------

export interface FetchBlocksMessage {
  readonly type: 'fetchBlocks';
  readonly requestId: number;
  readonly shuffleId: number;
  readonly reduceId: number;
  readonly mapIndices: readonly number[];
}

export interface BlockDataMessage {
  readonly type: 'blockData';
  readonly requestId: number;
  readonly mapIndex: number;
  readonly data: Uint8Array;
}

export interface BlocksEndMessage {
  readonly type: 'blocksEnd';
  readonly requestId: number;
}

export interface BlocksMissingMessage {
  readonly type: 'blocksMissing';
  readonly requestId: number;
  readonly mapIndex: number;
  readonly reason: string;
}

export type HandshakeMessage = ChallengeMessage | HelloMessage | WelcomeMessage | RefusedMessage;

export type DriverToWorkerMessage =
  | DefineStageMessage
  | LaunchTaskMessage
  | KillTaskMessage
  | ForgetStageMessage
  | RemoveShuffleMessage
  | UnpersistMessage
  | PutBroadcastMessage
  | RemoveBroadcastMessage
  | ShutdownMessage;

export type WorkerToDriverMessage = TaskFinishedMessage | TaskFailedMessage | HeartbeatMessage;

export type PeerMessage =
  | FetchBlocksMessage
  | BlockDataMessage
  | BlocksEndMessage
  | BlocksMissingMessage;

/** Every message of the protocol. */
export type Message =
  | HandshakeMessage
  | DriverToWorkerMessage
  | WorkerToDriverMessage
  | PeerMessage;

export type MessageType = Message['type'];

/** Encodes one message as a binary frame. */
export function encodeMessage(message: Message): Uint8Array {
  return encodeValue(message);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field checks per message type: each returns true when the message has the right shape. */
const validators: { readonly [T in MessageType]: (m: Record<string, unknown>) => boolean } = {
  challenge: (m) => isNumber(m.protocolVersion) && isString(m.nonce),
  hello: (m) =>
    isNumber(m.protocolVersion) &&
    (m.role === 'worker' || m.role === 'peer') &&
    isString(m.nonce) &&
    isString(m.proof) &&
    (m.blockServer === undefined || isString(m.blockServer)) &&
    (m.cores === undefined || isNumber(m.cores)) &&
    (m.pid === undefined || isNumber(m.pid)),
  welcome: (m) => isString(m.proof) && (m.workerId === undefined || isString(m.workerId)),
  refused: (m) => isString(m.reason),
  defineStage: (m) =>
    isObject(m.stage) &&
    isString(m.stage.stageKey) &&
    isObject(m.stage.root) &&
    isObject(m.stage.output),
  launchTask: (m) =>
    isObject(m.task) &&
    isNumber(m.task.taskId) &&
    isString(m.task.stageKey) &&
    isNumber(m.task.partition) &&
    isNumber(m.task.attempt),
  killTask: (m) => isNumber(m.taskId),
  forgetStage: (m) => isString(m.stageKey),
  removeShuffle: (m) => isNumber(m.shuffleId),
  unpersist: (m) => isNumber(m.nodeId),
  putBroadcast: (m) => isNumber(m.id) && Object.hasOwn(m, 'value'),
  removeBroadcast: (m) => isNumber(m.id),
  shutdown: () => true,
  taskFinished: (m) => isNumber(m.taskId) && isObject(m.result) && isObject(m.metrics),
  taskFailed: (m) => isNumber(m.taskId) && isObject(m.error) && isString(m.error.message),
  heartbeat: (m) => isNumber(m.runningTasks) && isNumber(m.rssBytes),
  fetchBlocks: (m) =>
    isNumber(m.requestId) &&
    isNumber(m.shuffleId) &&
    isNumber(m.reduceId) &&
    Array.isArray(m.mapIndices) &&
    m.mapIndices.every(isNumber),
  blockData: (m) => isNumber(m.requestId) && isNumber(m.mapIndex) && m.data instanceof Uint8Array,
  blocksEnd: (m) => isNumber(m.requestId),
  blocksMissing: (m) => isNumber(m.requestId) && isNumber(m.mapIndex) && isString(m.reason),
};

/**
 * Decodes and validates one frame. Throws a `FLINT_PROTOCOL` FlintError for anything that is not a
 * well-formed message of this protocol version; callers close the connection on it.
 */
export function decodeMessage(frame: Uint8Array): Message {
  let value: unknown;
  try {
    value = decodeValue(frame);
  } catch (error) {
    throw new FlintError(ErrorCode.PROTOCOL, 'Received a frame that is not a Flint message.', {
      cause: error,
    });
  }
  if (!isObject(value) || !isString(value.type) || !Object.hasOwn(validators, value.type)) {
    throw new FlintError(ErrorCode.PROTOCOL, 'Received a message of an unknown type.');
  }
  const validate = validators[value.type as MessageType];
  if (!validate(value)) {
    throw new FlintError(ErrorCode.PROTOCOL, `Received a malformed '${value.type}' message.`);
  }
  return value as unknown as Message;
}
