/**
 * The wire protocol between the driver, workers and their peers. Every message is a member of one
 * discriminated union on `type`; {@link decodeMessage} validates a frame at the socket edge and
 * nothing behind it checks again.
 *
 * A connection opens with a handshake (see `connection.ts`): the listener sends `challenge`, the
 * connecting side answers `hello` with its proof, the listener answers `welcome` with its own.
 *
 * Invariants:
 * - A message that {@link decodeMessage} returns has every field its type declares, of the declared
 *   type, and no other top-level field; nested task and stage specs have every field the worker
 *   reads, of the right type, so a malformed spec fails one task instead of the worker.
 * - Validation is hand-written predicates in a table keyed by `type`, not a schema interpreter: on
 *   the task path (`launchTask`, `taskFinished`) it costs well under a microsecond per message and
 *   allocates nothing unless the message is refused. A refusal says which field is wrong, never
 *   what it held (a frame may carry anything, secrets included).
 * - Validation depends on no codec: it sees only the decoded value.
 */
import { decodeValue, encodeValue } from './codec.js';
import { ErrorCode, FlintError, type SerializedError } from './errors.js';
import type { StageSpec, TaskDescription, TaskMetrics, TaskResult } from './taskSpec.js';

/**
 * Bumped whenever a message changes shape; peers of another version are refused. 2: the handshake
 * proofs bind the role and both nonces, and messages are validated strictly. 3: batch frames.
 * 4: workers report cached blocks (blockUpdated); blocks of number pairs (codec tag 0x50).
 */
export const PROTOCOL_VERSION = 4;

/** The largest frame a Flint endpoint accepts once its peer is authenticated (results, blocks). */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** The largest frame accepted before the peer is authenticated: handshake messages are small. */
export const MAX_HANDSHAKE_FRAME_BYTES = 4 * 1024;

/**
 * The largest frame a block server accepts: peers only send block requests, whose size grows with
 * the number of map outputs they name (a million map outputs fit).
 */
export const MAX_PEER_REQUEST_BYTES = 8 * 1024 * 1024;

/**
 * Who is connecting: a worker joining a driver, a worker fetching blocks from a peer, or (with
 * cluster mode) an application attaching to a master.
 */
export type PeerRole = 'worker' | 'peer' | 'application';

// Handshake ---------------------------------------------------------------------------------------

export interface ChallengeMessage {
  readonly type: 'challenge';
  readonly protocolVersion: number;
  /** 32 random bytes as 64 lowercase hex digits, fresh per connection. */
  readonly nonce: string;
}

export interface HelloMessage {
  readonly type: 'hello';
  readonly protocolVersion: number;
  readonly role: PeerRole;
  /** 32 random bytes as 64 lowercase hex digits, fresh per connection. */
  readonly nonce: string;
  /** HMAC-SHA256 over the role and both nonces under the shared secret (see `auth.ts`). */
  readonly proof: string;
  /** For workers: the address of their block server, and how many tasks they run at once. */
  readonly blockServer?: string;
  readonly cores?: number;
  readonly pid?: number;
}

export interface WelcomeMessage {
  readonly type: 'welcome';
  /** The listener's HMAC over the same transcript, so the connecting side knows it too. */
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

/**
 * A cached partition was stored on the worker, or left it (evicted for room, unpersisted): the
 * driver's record of where cached partitions are follows, for locality and the Storage page.
 */
export interface BlockUpdatedMessage {
  readonly type: 'blockUpdated';
  readonly nodeId: number;
  readonly partition: number;
  /** The block's estimated size in memory; 0 when removed. */
  readonly bytes: number;
  readonly removed: boolean;
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

/**
 * A piece of a shuffle block: whole frames of records (see recordFrames.ts). A large block comes
 * as several pieces for the same map index, in order; the block is their concatenation.
 */
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

export type WorkerToDriverMessage =
  | TaskFinishedMessage
  | TaskFailedMessage
  | BlockUpdatedMessage
  | HeartbeatMessage;

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

/**
 * Byte 0 of a batch frame: several encoded messages in one frame, each as a 4-byte little-endian
 * length and its bytes. No codec tag starts with it (see codec.ts), so a batch is never mistaken
 * for a message.
 */
const TAG_BATCH = 0x42;
const LENGTH_BYTES = 4;

/**
 * Joins encoded messages into one frame, to be handled in order as if sent one by one. The task
 * path sends what one turn of the event loop produced (launches, results) this way, so that one
 * frame and one system call carry many tasks. Batches do not nest.
 */
export function encodeBatch(messages: readonly Uint8Array[]): Uint8Array {
  let size = 1;
  for (const message of messages) size += LENGTH_BYTES + message.byteLength;
  const frame = Buffer.allocUnsafe(size);
  frame[0] = TAG_BATCH;
  let offset = 1;
  for (const message of messages) {
    frame.writeUInt32LE(message.byteLength, offset);
    frame.set(message, offset + LENGTH_BYTES);
    offset += LENGTH_BYTES + message.byteLength;
  }
  return frame;
}

/**
 * Decodes and validates a frame that may be a batch: its messages, in order. Throws a
 * `FLINT_PROTOCOL` FlintError, as {@link decodeMessage} does, when any part is malformed; then none
 * of its messages is returned.
 */
export function decodeMessages(frame: Uint8Array): Message[] {
  if (frame[0] !== TAG_BATCH) return [decodeMessage(frame)];
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const messages: Message[] = [];
  let offset = 1;
  while (offset < frame.byteLength) {
    const length =
      offset + LENGTH_BYTES <= frame.byteLength ? view.getUint32(offset, true) : undefined;
    const start = offset + LENGTH_BYTES;
    if (length === undefined || length === 0 || start + length > frame.byteLength) {
      throw new FlintError(ErrorCode.PROTOCOL, 'Received a batch frame with a broken length.');
    }
    messages.push(decodeMessage(frame.subarray(start, start + length)));
    offset = start + length;
  }
  if (messages.length === 0) {
    throw new FlintError(ErrorCode.PROTOCOL, 'Received an empty batch frame.');
  }
  return messages;
}

/**
 * Decodes and validates one frame. Throws a `FLINT_PROTOCOL` FlintError for anything that is not a
 * well-formed message of this protocol version; callers close the connection on it.
 */
export function decodeMessage(frame: Uint8Array): Message {
  return decodeValidated(frame, validateMessage) as Message;
}

/**
 * Decodes one frame and checks it with `validate` (this protocol's, or the cluster protocol's).
 * @throws FlintError `FLINT_PROTOCOL` naming what is wrong, never the frame's content.
 */
export function decodeValidated(
  frame: Uint8Array,
  validate: (value: unknown) => string | undefined,
): unknown {
  let value: unknown;
  try {
    value = decodeValue(frame);
  } catch (error) {
    throw new FlintError(ErrorCode.PROTOCOL, 'Received a frame that is not a Flint message.', {
      cause: error,
    });
  }
  const problem = validate(value);
  if (problem !== undefined) throw new FlintError(ErrorCode.PROTOCOL, problem);
  return value;
}

/**
 * Checks a decoded value against the protocol. Returns undefined for a valid message, or what is
 * wrong with it, as a sentence that names the type and the field but none of its content.
 */
export function validateMessage(value: unknown): string | undefined {
  if (!isRecord(value)) return 'Received a message that is not an object.';
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    return 'Received a message of an unknown type.';
  }
  const schema = schemas[type as MessageType];
  // A peer of another version is told so, whatever else changed in its handshake.
  if (schema.versioned && value.protocolVersion !== PROTOCOL_VERSION) {
    const theirs = value.protocolVersion;
    return typeof theirs === 'number'
      ? `The peer speaks Flint protocol version ${theirs}, this side speaks ${PROTOCOL_VERSION}: ` +
          'run the same Flint version on the driver and every worker.'
      : `Received a '${type}' without a protocol version.`;
  }
  for (const key in value) {
    if (!schema.fields.has(key)) return `Received a '${type}' message with an unknown field.`;
  }
  const problem = schema.check(value);
  return problem === undefined ? undefined : `Received a malformed '${type}' message: ${problem}.`;
}

// Validators --------------------------------------------------------------------------------------
//
// Each returns undefined when its value is well-formed, or a short phrase naming what is not. They
// accept only plain objects (no getters to run, no prototype to read fields from). Fields typed
// `unknown` (a zero value, a result, a broadcast value) may be anything, even absent: a codec may
// leave out an undefined field.

type Problem = string | undefined;
type Fields = Record<string, unknown>;

/** Longest string a handshake or a small field may hold. */
const MAX_SHORT_STRING = 1024;
/** Longest URL a worker may advertise for its block server. */
const MAX_ADDRESS = 2048;
/** Deepest operator tree a stage may have, and most nodes: far beyond real lineages. */
const MAX_PIPELINE_DEPTH = 2000;
const MAX_PIPELINE_NODES = 100_000;
/** Deepest a bound function's target chain may be. */
const MAX_REFERENCE_DEPTH = 64;
const HEX_64 = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const isAmount = (value: unknown): value is number =>
  typeof value === 'number' && value >= 0 && value <= Number.MAX_VALUE;

const isShortString = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= MAX_SHORT_STRING;

const isNonce = (value: unknown): value is string =>
  typeof value === 'string' && HEX_64.test(value);

function idField(m: Fields, key: string): Problem {
  return isId(m[key]) ? undefined : `${key} must be a non-negative integer`;
}

function stringField(m: Fields, key: string, maxLength = Number.POSITIVE_INFINITY): Problem {
  const value = m[key];
  return typeof value === 'string' && value.length <= maxLength
    ? undefined
    : `${key} must be a string${maxLength === Number.POSITIVE_INFINITY ? '' : ` of at most ${maxLength} characters`}`;
}

function optional(
  m: Fields,
  key: string,
  check: (value: unknown) => boolean,
  what: string,
): Problem {
  const value = m[key];
  return value === undefined || check(value) ? undefined : `${key} must be ${what} when present`;
}

function idArray(value: unknown, name: string): Problem {
  if (!Array.isArray(value)) return `${name} must be an array of non-negative integers`;
  for (let i = 0; i < value.length; i++) {
    if (!isId(value[i])) return `${name} must be an array of non-negative integers`;
  }
  return undefined;
}

function stringArray(value: unknown, name: string): Problem {
  if (!Array.isArray(value)) return `${name} must be an array of strings`;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return `${name} must be an array of strings`;
  }
  return undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

// Function specs (see closure/functionSpec.ts) ------------------------------------------------------

const REFERENCE_KINDS = [
  'function',
  'global',
  'module',
  'sharedVariable',
  'bound',
  'symbol',
  'loader',
] as const;

function reference(value: unknown, name: string, depth = 0): Problem {
  if (!isRecord(value) || !oneOf(value.kind, REFERENCE_KINDS)) {
    return `${name} must be a reference of a known kind`;
  }
  switch (value.kind) {
    case 'function':
      if (typeof value.source !== 'string') return `${name}.source must be a string`;
      if (value.form !== 'expression' && value.form !== 'method') {
        return `${name}.form must be 'expression' or 'method'`;
      }
      if (typeof value.strict !== 'boolean') return `${name}.strict must be a boolean`;
      if (!Array.isArray(value.values)) return `${name}.values must be an array`;
      return (
        stringArray(value.names, `${name}.names`) ?? stringArray(value.imports, `${name}.imports`)
      );
    case 'global':
      return stringArray(value.path, `${name}.path`);
    case 'module':
      if (typeof value.specifier !== 'string') return `${name}.specifier must be a string`;
      if (!oneOf(value.interop, ['namespace', 'require', 'toESM', 'importDefault'] as const)) {
        return `${name}.interop must be a known interop`;
      }
      return stringArray(value.path, `${name}.path`);
    case 'sharedVariable': {
      const variable = value.variable;
      return isRecord(variable) &&
        (variable.kind === 'broadcast' || variable.kind === 'accumulator') &&
        isId(variable.id)
        ? undefined
        : `${name}.variable must name a broadcast or an accumulator by id`;
    }
    case 'bound':
      if (!Array.isArray(value.args)) return `${name}.args must be an array`;
      if (depth >= MAX_REFERENCE_DEPTH) return `${name} binds too deep a chain of functions`;
      return reference(value.target, `${name}.target`, depth + 1);
    case 'symbol':
      if (value.registry !== 'for' && value.registry !== 'wellKnown') {
        return `${name}.registry must be 'for' or 'wellKnown'`;
      }
      return typeof value.key === 'string' ? undefined : `${name}.key must be a string`;
    case 'loader': {
      if (value.loader !== 'import' && value.loader !== 'require') {
        return `${name}.loader must be 'import' or 'require'`;
      }
      const aliases = value.aliases;
      if (!isRecord(aliases)) return `${name}.aliases must be an object`;
      for (const key in aliases) {
        if (typeof aliases[key] !== 'string') return `${name}.aliases must map names to strings`;
      }
      return undefined;
    }
  }
}

function functionSpec(value: unknown, name: string): Problem {
  if (!isRecord(value)) return `${name} must be a function spec`;
  if (!isId(value.version)) return `${name}.version must be a non-negative integer`;
  const references = value.references;
  if (!Array.isArray(references) || references.length === 0) {
    return `${name}.references must be a non-empty array`;
  }
  for (let i = 0; i < references.length; i++) {
    const problem = reference(references[i], `${name}.references[${i}]`);
    if (problem !== undefined) return problem;
  }
  const problem = reference(value.root, `${name}.root`);
  if (problem !== undefined) return problem;
  const patches = value.patches;
  if (!Array.isArray(patches)) return `${name}.patches must be an array`;
  for (let i = 0; i < patches.length; i++) {
    const patch: unknown = patches[i];
    if (typeof patch !== 'object' || patch === null) return `${name}.patches must hold objects`;
  }
  return undefined;
}

function optionalFunction(m: Fields, key: string, name: string): Problem {
  return m[key] === undefined ? undefined : functionSpec(m[key], `${name}.${key}`);
}

// Stage specs (see taskSpec.ts) ---------------------------------------------------------------------

function aggregator(value: unknown, name: string): Problem {
  if (!isRecord(value)) return `${name} must be an aggregator`;
  // Either a function, or `{ zero }` (whose zero may be anything, even undefined).
  const create = value.createCombiner;
  const createProblem =
    isRecord(create) && !Object.hasOwn(create, 'references')
      ? undefined
      : functionSpec(create, `${name}.createCombiner`);
  return (
    createProblem ??
    functionSpec(value.mergeValue, `${name}.mergeValue`) ??
    functionSpec(value.mergeCombiners, `${name}.mergeCombiners`)
  );
}

function keyOrdering(value: unknown, name: string): Problem {
  if (!isRecord(value) || typeof value.ascending !== 'boolean') {
    return `${name} must say whether it is ascending`;
  }
  return optionalFunction(value, 'keyFn', name);
}

function shuffleLocations(value: unknown, name: string): Problem {
  if (!isRecord(value)) return `${name} must be an object`;
  const { addresses, sizes } = value;
  const problem = stringArray(addresses, `${name}.addresses`);
  if (problem !== undefined) return problem;
  if (!Array.isArray(sizes) || sizes.length !== (addresses as unknown[]).length) {
    return `${name}.sizes must have one entry per address`;
  }
  for (let i = 0; i < sizes.length; i++) {
    const problem = idArray(sizes[i], `${name}.sizes[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

const FUNCTION_OPERATORS = new Set([
  'map',
  'filter',
  'flatMap',
  'mapPartitions',
  'mapPartitionsWithIndex',
  'keyBy',
  'mapValues',
  'flatMapValues',
]);

function operator(value: unknown, name: string): Problem {
  if (!isRecord(value) || typeof value.kind !== 'string') return `${name} must be an operator`;
  const { kind } = value;
  if (FUNCTION_OPERATORS.has(kind)) return functionSpec(value.fn, `${name}.fn`);
  switch (kind) {
    case 'parallelize':
    case 'empty':
    case 'glom':
    case 'zip':
    case 'cogroup':
      return undefined;
    case 'range':
      for (const key of ['start', 'step', 'count', 'numPartitions'] as const) {
        const field = value[key];
        if (typeof field !== 'number' || !Number.isFinite(field)) {
          return `${name}.${key} must be a finite number`;
        }
      }
      return isId(value.count) && isId(value.numPartitions) && value.numPartitions > 0
        ? undefined
        : `${name} must have a whole count and a positive number of partitions`;
    case 'textFile': {
      const splits = value.splits;
      if (!Array.isArray(splits)) return `${name}.splits must be an array`;
      for (let i = 0; i < splits.length; i++) {
        const split: unknown = splits[i];
        if (
          !isRecord(split) ||
          typeof split.path !== 'string' ||
          !isId(split.start) ||
          !isId(split.end) ||
          (split.compressed !== undefined && typeof split.compressed !== 'boolean')
        ) {
          return `${name}.splits[${i}] must be a path with a start and an end`;
        }
      }
      return undefined;
    }
    case 'shuffleRead':
      if (!isId(value.shuffleId)) return `${name}.shuffleId must be a non-negative integer`;
      return (
        shuffleLocations(value.locations, `${name}.locations`) ??
        (value.aggregator === undefined
          ? undefined
          : aggregator(value.aggregator, `${name}.aggregator`)) ??
        optional(value, 'mapSideCombined', (v) => typeof v === 'boolean', 'a boolean') ??
        (value.keyOrdering === undefined
          ? undefined
          : keyOrdering(value.keyOrdering, `${name}.keyOrdering`))
      );
    case 'union':
      return idArray(value.parentPartitionCounts, `${name}.parentPartitionCounts`);
    case 'coalesce': {
      const groups = value.groups;
      if (!Array.isArray(groups)) return `${name}.groups must be an array`;
      for (let i = 0; i < groups.length; i++) {
        const problem = idArray(groups[i], `${name}.groups[${i}]`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    case 'foldPartition':
      return functionSpec(value.fn, `${name}.fn`);
    case 'combineByKey':
      return aggregator(value.aggregator, `${name}.aggregator`);
    case 'cartesian':
      return isId(value.rightPartitions) && value.rightPartitions > 0
        ? undefined
        : `${name}.rightPartitions must be a positive integer`;
    default:
      return `${name}.kind is not a known operator`;
  }
}

/** Checks a stage's operator tree without recursion, so no tree can overflow the stack. */
function pipeline(root: unknown): Problem {
  const stack: Array<[node: unknown, depth: number]> = [[root, 0]];
  let visited = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (++visited > MAX_PIPELINE_NODES) return 'stage.root has too many operators';
    if (depth > MAX_PIPELINE_DEPTH) return 'stage.root nests too deep';
    if (!isRecord(node)) return 'stage.root must be a tree of pipeline nodes';
    if (!isId(node.id)) return 'every pipeline node needs a non-negative integer id';
    if (node.cache !== undefined && typeof node.cache !== 'boolean') {
      return `node ${node.id}: cache must be a boolean when present`;
    }
    const problem = operator(node.op, `node ${node.id}: op`);
    if (problem !== undefined) return problem;
    const parents = node.parents;
    if (!Array.isArray(parents)) return `node ${node.id}: parents must be an array`;
    for (let i = 0; i < parents.length; i++) stack.push([parents[i], depth + 1]);
  }
  return undefined;
}

const RESULT_KINDS_WITHOUT_FIELDS = new Set(['collect', 'count', 'stats']);

function resultSpec(value: unknown): Problem {
  const name = 'stage.output.result';
  if (!isRecord(value) || typeof value.kind !== 'string') return `${name} must be a result spec`;
  const { kind } = value;
  if (RESULT_KINDS_WITHOUT_FIELDS.has(kind)) return undefined;
  switch (kind) {
    case 'take':
      return isId(value.n) ? undefined : `${name}.n must be a non-negative integer`;
    case 'aggregate':
      return functionSpec(value.seqOp, `${name}.seqOp`);
    case 'fold':
    case 'reduce':
    case 'foreach':
    case 'partitionFunction':
      return functionSpec(value.fn, `${name}.fn`);
    case 'min':
    case 'max':
      return optionalFunction(value, 'keyFn', name);
    case 'takeOrdered':
      if (!isId(value.n)) return `${name}.n must be a non-negative integer`;
      if (typeof value.ascending !== 'boolean') return `${name}.ascending must be a boolean`;
      return optionalFunction(value, 'keyFn', name);
    case 'histogram':
      return Array.isArray(value.buckets) ? undefined : `${name}.buckets must be an array`;
    case 'saveAsTextFile':
      return typeof value.dir === 'string' ? undefined : `${name}.dir must be a string`;
    case 'sampleKeys':
      if (!isId(value.size)) return `${name}.size must be a non-negative integer`;
      if (typeof value.seed !== 'number' || !Number.isFinite(value.seed)) {
        return `${name}.seed must be a finite number`;
      }
      return optionalFunction(value, 'keyFn', name);
    default:
      return `${name}.kind is not a known result`;
  }
}

function partitioner(value: unknown): Problem {
  const name = 'stage.output.partitioner';
  if (!isRecord(value) || !isId(value.numPartitions) || value.numPartitions < 1) {
    return `${name} must have a positive number of partitions`;
  }
  if (value.kind === 'hash') return undefined;
  if (value.kind !== 'range') return `${name}.kind must be 'hash' or 'range'`;
  if (!Array.isArray(value.bounds)) return `${name}.bounds must be an array`;
  if (typeof value.ascending !== 'boolean') return `${name}.ascending must be a boolean`;
  return optionalFunction(value, 'keyFn', name);
}

function stageSpec(value: unknown): Problem {
  if (!isRecord(value)) return 'stage must be an object';
  const problem = stringField(value, 'stageKey', MAX_SHORT_STRING) ?? idField(value, 'stageId');
  if (problem !== undefined) return `stage.${problem}`;
  const output = value.output;
  if (!isRecord(output)) return 'stage.output must be an object';
  if (output.kind === 'shuffleWrite') {
    if (!isId(output.shuffleId)) return 'stage.output.shuffleId must be a non-negative integer';
    const problem = partitioner(output.partitioner);
    if (problem !== undefined) return problem;
    if (output.mapSideCombine !== undefined) {
      const problem = aggregator(output.mapSideCombine, 'stage.output.mapSideCombine');
      if (problem !== undefined) return problem;
    }
  } else if (output.kind === 'result') {
    const problem = resultSpec(output.result);
    if (problem !== undefined) return problem;
  } else {
    return "stage.output.kind must be 'shuffleWrite' or 'result'";
  }
  return pipeline(value.root);
}

// Task path (kept to a few comparisons: it runs once per task in each direction) --------------------

function taskDescription(task: unknown): Problem {
  if (!isRecord(task)) return 'task must be an object';
  if (!isId(task.taskId)) return 'task.taskId must be a non-negative integer';
  if (typeof task.stageKey !== 'string') return 'task.stageKey must be a string';
  if (!isId(task.partition)) return 'task.partition must be a non-negative integer';
  if (!isId(task.attempt)) return 'task.attempt must be a non-negative integer';
  const inputs = task.inputs;
  if (inputs === undefined) return undefined;
  if (!isRecord(inputs)) return 'task.inputs must be an object when present';
  for (const key in inputs) {
    if (!Array.isArray(inputs[key])) return 'task.inputs must map partitions to arrays';
  }
  return undefined;
}

function taskResult(result: unknown): Problem {
  if (!isRecord(result)) return 'result must be an object';
  // A value may be anything, undefined included (a codec may then leave the field out).
  if (result.kind === 'mapStatus') {
    const problem = idArray(result.sizes, 'result.sizes');
    if (problem !== undefined) return problem;
  } else if (result.kind !== 'value') {
    return "result.kind must be 'value' or 'mapStatus'";
  }
  const updates = result.accumulatorUpdates;
  if (updates === undefined) return undefined;
  if (!Array.isArray(updates)) return 'result.accumulatorUpdates must be an array';
  for (let i = 0; i < updates.length; i++) {
    const update: unknown = updates[i];
    if (
      !Array.isArray(update) ||
      update.length !== 2 ||
      !isId(update[0]) ||
      typeof update[1] !== 'number'
    ) {
      return 'result.accumulatorUpdates must hold [id, amount] pairs';
    }
  }
  return undefined;
}

function taskMetrics(metrics: unknown): Problem {
  if (
    isRecord(metrics) &&
    isAmount(metrics.durationMs) &&
    isAmount(metrics.recordsRead) &&
    isAmount(metrics.recordsWritten) &&
    isAmount(metrics.shuffleBytesWritten) &&
    isAmount(metrics.shuffleBytesRead) &&
    (metrics.spilledBytes === undefined || isAmount(metrics.spilledBytes))
  ) {
    return undefined;
  }
  return 'metrics must hold five non-negative numbers (and spilledBytes, if any, one too)';
}

function serializedError(error: unknown): Problem {
  if (
    isRecord(error) &&
    typeof error.name === 'string' &&
    typeof error.message === 'string' &&
    (error.stack === undefined || typeof error.stack === 'string') &&
    (error.code === undefined || typeof error.code === 'string')
  ) {
    return undefined;
  }
  return 'error must have a string name and message (and string stack and code if any)';
}

// The table -------------------------------------------------------------------------------------------

interface Schema {
  /** Every top-level field the type may have, `type` included. */
  readonly fields: ReadonlySet<string>;
  /** Whether the message carries `protocolVersion` (the handshake's opening messages). */
  readonly versioned: boolean;
  readonly check: (m: Fields) => Problem;
}

function schema(fields: readonly string[], check: (m: Fields) => Problem, versioned = false) {
  return { fields: new Set(['type', ...fields]), versioned, check };
}

const ROLES = ['worker', 'peer', 'application'] as const;

const schemas: { readonly [T in MessageType]: Schema } = {
  challenge: schema(
    ['protocolVersion', 'nonce'],
    (m) => (isNonce(m.nonce) ? undefined : 'nonce must be 64 hex digits'),
    true,
  ),
  hello: schema(
    ['protocolVersion', 'role', 'nonce', 'proof', 'blockServer', 'cores', 'pid'],
    (m) => {
      if (!oneOf(m.role, ROLES)) return "role must be 'worker', 'peer' or 'application'";
      if (!isNonce(m.nonce)) return 'nonce must be 64 hex digits';
      if (!isNonce(m.proof)) return 'proof must be 64 hex digits';
      return (
        optional(
          m,
          'blockServer',
          (v) => typeof v === 'string' && v.length <= MAX_ADDRESS && /^wss?:\/\/[^\s]+$/.test(v),
          'a ws:// or wss:// URL',
        ) ??
        optional(m, 'cores', (v) => isId(v) && v >= 1 && v <= 4096, 'an integer from 1 to 4096') ??
        optional(m, 'pid', (v) => isId(v) && v >= 1, 'a positive integer')
      );
    },
    true,
  ),
  welcome: schema(['proof', 'workerId'], (m) =>
    isNonce(m.proof)
      ? optional(m, 'workerId', isShortString, 'a string of at most 1024 characters')
      : 'proof must be 64 hex digits',
  ),
  refused: schema(['reason'], (m) => stringField(m, 'reason', MAX_SHORT_STRING)),
  defineStage: schema(['stage'], (m) => stageSpec(m.stage)),
  launchTask: schema(['task'], (m) => taskDescription(m.task)),
  killTask: schema(['taskId'], (m) => idField(m, 'taskId')),
  forgetStage: schema(['stageKey'], (m) => stringField(m, 'stageKey', MAX_SHORT_STRING)),
  removeShuffle: schema(['shuffleId'], (m) => idField(m, 'shuffleId')),
  unpersist: schema(['nodeId'], (m) => idField(m, 'nodeId')),
  putBroadcast: schema(['id', 'value'], (m) => idField(m, 'id')),
  removeBroadcast: schema(['id'], (m) => idField(m, 'id')),
  shutdown: schema([], () => undefined),
  taskFinished: schema(
    ['taskId', 'result', 'metrics'],
    (m) => idField(m, 'taskId') ?? taskResult(m.result) ?? taskMetrics(m.metrics),
  ),
  taskFailed: schema(['taskId', 'error', 'fetchFailure', 'killed'], (m) => {
    const problem =
      idField(m, 'taskId') ??
      serializedError(m.error) ??
      optional(m, 'killed', (v) => typeof v === 'boolean', 'a boolean');
    if (problem !== undefined || m.fetchFailure === undefined) return problem;
    const failure = m.fetchFailure;
    return isRecord(failure) &&
      isId(failure.shuffleId) &&
      isId(failure.mapIndex) &&
      typeof failure.address === 'string'
      ? undefined
      : 'fetchFailure must name a shuffle, a map index and an address';
  }),
  blockUpdated: schema(
    ['nodeId', 'partition', 'bytes', 'removed'],
    (m) =>
      idField(m, 'nodeId') ??
      idField(m, 'partition') ??
      idField(m, 'bytes') ??
      (typeof m.removed === 'boolean' ? undefined : 'removed must be a boolean'),
  ),
  heartbeat: schema(['runningTasks', 'rssBytes'], (m) =>
    isId(m.runningTasks) && isAmount(m.rssBytes)
      ? undefined
      : 'runningTasks and rssBytes must be non-negative numbers',
  ),
  fetchBlocks: schema(
    ['requestId', 'shuffleId', 'reduceId', 'mapIndices'],
    (m) =>
      idField(m, 'requestId') ??
      idField(m, 'shuffleId') ??
      idField(m, 'reduceId') ??
      idArray(m.mapIndices, 'mapIndices'),
  ),
  blockData: schema(
    ['requestId', 'mapIndex', 'data'],
    (m) =>
      idField(m, 'requestId') ??
      idField(m, 'mapIndex') ??
      (m.data instanceof Uint8Array ? undefined : 'data must be bytes'),
  ),
  blocksEnd: schema(['requestId'], (m) => idField(m, 'requestId')),
  blocksMissing: schema(
    ['requestId', 'mapIndex', 'reason'],
    (m) =>
      idField(m, 'requestId') ??
      idField(m, 'mapIndex') ??
      stringField(m, 'reason', MAX_SHORT_STRING),
  ),
};
