/**
 * @flint/worker: the executor side of Flint: the wire protocol, the task interpreter, the block
 * manager and shuffle, and the `flint` command.
 */
export { createSecret } from './auth.js';
export type { CompileContext, FunctionSpec } from './closure/index.js';
export { compileFunction, requiredModules } from './closure/index.js';
export { decodeRecords, decodeValue, encodeRecords, encodeValue } from './codec.js';
export type { HelloDetails } from './connection.js';
export { acceptPeer, connectToListener, frameBytes, send } from './connection.js';
export type { ErrorCodeValue, SerializedError } from './errors.js';
export { deserializeError, ErrorCode, FlintError, serializeError } from './errors.js';
export type { ExecutorOptions } from './executor.js';
export { Executor } from './executor.js';
export { canonicalKey, hashKey, KeyMap } from './keys.js';
export { flintCommandArgs } from './launch.js';
export { parentPartitions } from './narrowDependencies.js';
export { compareValues } from './ordering.js';
export type {
  DriverToWorkerMessage,
  HelloMessage,
  Message,
  PeerRole,
  WorkerToDriverMessage,
} from './protocol.js';
export { decodeMessage, encodeMessage, MAX_FRAME_BYTES, PROTOCOL_VERSION } from './protocol.js';
export type { KeySample, PartialReduce, PartialStats } from './resultSinks.js';
export { emptyStats, mergeStats, mulberry32 } from './resultSinks.js';
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
