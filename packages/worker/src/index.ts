/**
 * @flint/worker: the executor side of Flint: the wire protocol, the task interpreter, the block
 * manager and shuffle, and the `flint` command.
 */
export { createSecret, MIN_SECRET_LENGTH } from './auth.js';
export { cacheBlockId, cacheBlockPrefix } from './blockManager.js';
export type { CompileContext, FunctionSpec, ModuleRequest } from './closure/index.js';
export { compileFunction, loadRequiredModules, requiredModules } from './closure/index.js';
export type {
  ClusterMessage,
  ExecutorRecord,
  RegisterApplicationMessage,
  RegisterWorkerMessage,
} from './cluster/clusterProtocol.js';
export {
  decodeClusterMessage,
  encodeClusterMessage,
  onClusterMessages,
  sendClusterMessage,
  validateClusterMessage,
} from './cluster/clusterProtocol.js';
export type { WorkerDaemonOptions } from './cluster/workerDaemon.js';
export { WorkerDaemon } from './cluster/workerDaemon.js';
export { decodeRecords, decodeValue, encodeRecords, encodeValue } from './codec.js';
export type { ConnectOptions, HelloDetails } from './connection.js';
export {
  acceptPeer,
  closeForViolation,
  connectToListener,
  frameBytes,
  send,
} from './connection.js';
export type { ErrorCodeValue, SerializedError } from './errors.js';
export { deserializeError, ErrorCode, FlintError, serializeError } from './errors.js';
export type { ExecutorOptions } from './executor.js';
export { Executor } from './executor.js';
export { canonicalKey, hashKey, KeyMap } from './keys.js';
export { flintCommandArgs, stopChildProcess } from './launch.js';
export {
  DEFAULT_WORKER_MEMORY_BYTES,
  formatMemorySize,
  MIN_MEMORY_BYTES,
  parseMemorySize,
  workerNodeOptions,
} from './memorySize.js';
export { parentPartitions } from './narrowDependencies.js';
export { compareValues } from './ordering.js';
export { DEFER_MS, Outbox } from './outbox.js';
export type {
  DriverToWorkerMessage,
  HelloMessage,
  Message,
  MessageType,
  PeerRole,
  WorkerToDriverMessage,
} from './protocol.js';
export {
  decodeMessage,
  decodeMessages,
  encodeBatch,
  encodeMessage,
  MAX_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  MAX_PEER_REQUEST_BYTES,
  PROTOCOL_VERSION,
  validateMessage,
} from './protocol.js';
export type { KeySample, PartialReduce, PartialStats } from './resultSinks.js';
export { emptyStats, mergeStats, mulberry32 } from './resultSinks.js';
export type { AuthThrottleOptions } from './security/authThrottle.js';
export { AuthThrottle } from './security/authThrottle.js';
export {
  checkBind,
  checkSecret,
  DEFAULT_HOST,
  isLoopbackHost,
  readSecret,
  SECRET_HELP,
} from './security/bindPolicy.js';
export type { SecurityFlagValues } from './security/commandLineFlags.js';
export { readSecurityFlags, SECURITY_FLAGS } from './security/commandLineFlags.js';
export type { Listener, ListenOptions } from './security/listen.js';
export { listen } from './security/listen.js';
export type { Pem, TlsOptions } from './security/tls.js';
export { readTlsOptions, tlsEnvironment } from './security/tls.js';
export { WorkerSharedVariables } from './sharedVariables.js';
export type {
  AggregatorSpec,
  FileSplit,
  KeyOrdering,
  OperatorSpec,
  PartitionerSpec,
  PipelineNode,
  ResultSpec,
  ShuffleLocations,
  StageOutputSpec,
  StageSpec,
  TaskDescription,
  TaskMetrics,
  TaskResult,
} from './taskSpec.js';
