import { describe, expect, it } from 'vitest';
import {
  type ClusterMessage,
  decodeClusterMessage,
  encodeClusterMessage,
  validateClusterMessage,
} from '../src/cluster/clusterProtocol.js';

const valid: ClusterMessage[] = [
  {
    type: 'registerWorker',
    host: '10.0.0.6',
    cores: 8,
    memoryBytes: 2 ** 34,
    executors: [{ appId: 'app-1', executorId: '0', cores: 1 }],
  },
  {
    type: 'registerWorker',
    workerId: 'worker-1',
    host: 'h',
    cores: 1,
    memoryBytes: 0,
    executors: [],
  },
  { type: 'executorExited', appId: 'app-1', executorId: '3', reason: 'signal SIGKILL' },
  { type: 'workerAlive' },
  { type: 'workerRegistered', workerId: 'worker-1' },
  {
    type: 'launchExecutor',
    appId: 'app-1',
    executorId: '0',
    driverUrl: 'ws://10.0.0.9:40000',
    cores: 1,
    memoryBytes: 2 ** 30,
  },
  { type: 'killExecutors', appId: 'app-1' },
  { type: 'registerApplication', name: 'wordcount', driverUrl: 'wss://d:1', maxCores: 4 },
  { type: 'registerApplication', appId: 'app-1', name: 'x', driverUrl: 'ws://d:1' },
  { type: 'applicationRegistered', appId: 'app-1' },
  { type: 'executorsGranted', cores: 0 },
];

describe('cluster protocol', () => {
  it.each(valid)('round-trips a valid $type', (message) => {
    expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual(message);
  });

  it.each([
    [{ type: 'launchTask' }, /unknown type/],
    [[], /not an object/],
    [{ type: 'workerAlive', extra: 1 }, /unknown field/],
    [{ type: 'registerWorker', host: 'h', cores: 0, memoryBytes: 1, executors: [] }, /cores/],
    [{ type: 'registerWorker', host: '', cores: 1, memoryBytes: 1, executors: [] }, /host/],
    [
      { type: 'registerWorker', host: 'h', cores: 1, memoryBytes: -1, executors: [] },
      /memoryBytes/,
    ],
    [{ type: 'registerWorker', host: 'h', cores: 1, memoryBytes: 1, executors: [{}] }, /executors/],
    [
      {
        type: 'launchExecutor',
        appId: 'a',
        executorId: '0',
        driverUrl: 'http://x',
        cores: 1,
        memoryBytes: 1,
      },
      /driverUrl/,
    ],
    [{ type: 'registerApplication', name: 'x', driverUrl: 'ws://d:1', maxCores: 0 }, /maxCores/],
    [{ type: 'registerApplication', name: 'x'.repeat(300), driverUrl: 'ws://d:1' }, /name/],
    [{ type: 'executorsGranted', cores: 1.5 }, /cores/],
  ])('refuses %j', (value, problem) => {
    expect(validateClusterMessage(value)).toMatch(problem);
  });

  it('names the type but none of the content of a malformed message', () => {
    const problem = validateClusterMessage({
      type: 'registerApplication',
      name: 'secret-looking-name',
      driverUrl: 'not a url',
    });
    expect(problem).toContain("'registerApplication'");
    expect(problem).not.toContain('secret-looking-name');
    expect(() => decodeClusterMessage(new Uint8Array([1, 2, 3]))).toThrow(/not a Flint message/);
  });
});
