/**
 * One well-formed sample of every protocol message, with stage specs that use every operator,
 * result and partitioner kind: what the protocol tests check the validators against, and what the
 * fuzz tests mutate.
 */
import type { FunctionSpec } from '../src/closure/index.js';
import { type Message, type MessageType, PROTOCOL_VERSION } from '../src/protocol.js';
import type { OperatorSpec, PipelineNode, ResultSpec, StageSpec } from '../src/taskSpec.js';

const HEX = 'a'.repeat(64);

/** A function spec whose source would leave a mark if it ever ran. */
export function sampleFunction(source = '(x) => x'): FunctionSpec {
  const root = {
    kind: 'function' as const,
    source,
    form: 'expression' as const,
    strict: true,
    names: ['k', 'Math'],
    values: [3, { kind: 'global', path: ['Math'] }],
    imports: [],
  };
  const global = { kind: 'global' as const, path: ['Math'] };
  return {
    version: 1,
    root,
    references: [
      root,
      global,
      { kind: 'module', specifier: 'node:path', interop: 'namespace', path: ['join'] },
      { kind: 'sharedVariable', variable: { kind: 'broadcast', id: 0 } },
      { kind: 'bound', target: root, thisArg: null, args: [1] },
      { kind: 'symbol', registry: 'wellKnown', key: 'iterator' },
      { kind: 'loader', loader: 'import', aliases: { lodash: 'lodash' } },
    ],
    patches: [{}],
  };
}

const fn = sampleFunction();
const aggregator = { createCombiner: fn, mergeValue: fn, mergeCombiners: fn };

/** Every operator kind, each once. */
export const sampleOperators: readonly OperatorSpec[] = [
  { kind: 'parallelize' },
  { kind: 'range', start: 0, step: 1, count: 10, numPartitions: 2 },
  { kind: 'textFile', splits: [{ path: '/tmp/x.txt', start: 0, end: 10, compressed: false }] },
  { kind: 'empty' },
  { kind: 'map', fn },
  { kind: 'filter', fn },
  { kind: 'flatMap', fn },
  { kind: 'mapPartitions', fn },
  { kind: 'mapPartitionsWithIndex', fn },
  { kind: 'keyBy', fn },
  { kind: 'mapValues', fn },
  { kind: 'flatMapValues', fn },
  { kind: 'glom' },
  {
    kind: 'shuffleRead',
    shuffleId: 0,
    locations: { addresses: ['ws://127.0.0.1:1', ''], sizes: [[1, 0], []] },
    aggregator: { ...aggregator, createCombiner: { zero: 0 } },
    mapSideCombined: true,
    keyOrdering: { ascending: false, keyFn: fn },
  },
  { kind: 'union', parentPartitionCounts: [2, 3] },
  { kind: 'coalesce', groups: [[0, 1], [2]] },
  { kind: 'zip' },
  { kind: 'cogroup' },
  { kind: 'foldPartition', zero: { sum: 0 }, fn },
  { kind: 'combineByKey', aggregator },
  { kind: 'cartesian', rightPartitions: 2 },
];

/** Every result kind, each once. */
export const sampleResults: readonly ResultSpec[] = [
  { kind: 'collect' },
  { kind: 'count' },
  { kind: 'take', n: 3 },
  { kind: 'fold', zero: 0, fn },
  { kind: 'reduce', fn },
  { kind: 'aggregate', zero: [], seqOp: fn },
  { kind: 'min' },
  { kind: 'max', keyFn: fn },
  { kind: 'takeOrdered', n: 2, ascending: true, keyFn: fn },
  { kind: 'stats' },
  { kind: 'histogram', buckets: [0, 5, 10] },
  { kind: 'foreach', fn },
  { kind: 'saveAsTextFile', dir: '/tmp/out' },
  { kind: 'sampleKeys', size: 20, seed: 7, keyFn: fn },
  { kind: 'partitionFunction', fn },
];

/** A stage whose tree holds every operator kind. */
export function sampleStage(result: ResultSpec = { kind: 'collect' }): StageSpec {
  const root: PipelineNode = {
    id: 100,
    op: { kind: 'union', parentPartitionCounts: sampleOperators.map(() => 1) },
    parents: sampleOperators.map((op, id) => ({ id, op, parents: [], cache: id % 2 === 0 })),
  };
  return { stageKey: '3.0', stageId: 3, root, output: { kind: 'result', result } };
}

/** A shuffle map stage, with a range partitioner and map-side combine. */
export function sampleMapStage(): StageSpec {
  return {
    stageKey: '2.1',
    stageId: 2,
    root: {
      id: 1,
      op: { kind: 'map', fn },
      parents: [{ id: 0, op: { kind: 'parallelize' }, parents: [] }],
    },
    output: {
      kind: 'shuffleWrite',
      shuffleId: 4,
      partitioner: { kind: 'range', numPartitions: 3, bounds: [1, 2], ascending: true, keyFn: fn },
      mapSideCombine: aggregator,
    },
  };
}

/** One well-formed message of every type. */
export const sampleMessages: { readonly [T in MessageType]: Extract<Message, { type: T }> } = {
  challenge: { type: 'challenge', protocolVersion: PROTOCOL_VERSION, nonce: HEX },
  hello: {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    role: 'worker',
    nonce: HEX,
    proof: 'b'.repeat(64),
    blockServer: 'ws://127.0.0.1:4000',
    cores: 2,
    pid: 1234,
  },
  welcome: { type: 'welcome', proof: HEX, workerId: 'worker-0' },
  refused: { type: 'refused', reason: 'no' },
  defineStage: { type: 'defineStage', stage: sampleStage() },
  launchTask: {
    type: 'launchTask',
    task: { taskId: 9, stageKey: '3.0', partition: 1, attempt: 0, inputs: { '0:1': [1, 2, 3] } },
  },
  killTask: { type: 'killTask', taskId: 9 },
  forgetStage: { type: 'forgetStage', stageKey: '3.0' },
  removeShuffle: { type: 'removeShuffle', shuffleId: 4 },
  unpersist: { type: 'unpersist', nodeId: 5 },
  putBroadcast: { type: 'putBroadcast', id: 0, value: new Map([['a', 1]]) },
  removeBroadcast: { type: 'removeBroadcast', id: 0 },
  shutdown: { type: 'shutdown' },
  taskFinished: {
    type: 'taskFinished',
    taskId: 9,
    result: { kind: 'mapStatus', sizes: [10, 0, 7], accumulatorUpdates: [[0, 2.5]] },
    metrics: {
      durationMs: 1.5,
      recordsRead: 10,
      recordsWritten: 3,
      shuffleBytesWritten: 17,
      shuffleBytesRead: 0,
    },
  },
  taskFailed: {
    type: 'taskFailed',
    taskId: 9,
    error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x', code: 'E' },
    fetchFailure: { shuffleId: 4, mapIndex: 1, address: 'ws://127.0.0.1:4000' },
    killed: false,
  },
  blockUpdated: { type: 'blockUpdated', nodeId: 3, partition: 1, bytes: 4096, removed: false },
  heartbeat: { type: 'heartbeat', runningTasks: 1, rssBytes: 50_000_000 },
  fetchBlocks: { type: 'fetchBlocks', requestId: 1, shuffleId: 4, reduceId: 0, mapIndices: [0, 1] },
  blockData: { type: 'blockData', requestId: 1, mapIndex: 0, data: new Uint8Array([1, 2, 3]) },
  blocksEnd: { type: 'blocksEnd', requestId: 1 },
  blocksMissing: { type: 'blocksMissing', requestId: 1, mapIndex: 1, reason: 'gone' },
};
