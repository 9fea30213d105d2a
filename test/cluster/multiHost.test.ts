/**
 * Several hosts on one machine (network namespaces, veth, a bridge): a master, three workers and
 * an application each on a host of its own, talking over real addresses. The application runs a
 * word count and a join, then a word count during which one worker is cut off the network and
 * another host dies, and still gets the exact answers.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers.js';
import { referenceCounts } from './fixtures/wordData.js';
import {
  endAll,
  type FlintProcess,
  SOURCE_NODE_OPTIONS,
  startFlint,
  startNode,
} from './flintProcess.js';
import { netnsUnavailable, VirtualNetwork } from './netns.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`Skipping the multi-host test: ${unavailable}.`);

const WORDS = 120_000;

describe.skipIf(unavailable !== undefined)('a cluster of five hosts in network namespaces', () => {
  let network: VirtualNetwork | undefined;
  const processes: FlintProcess[] = [];

  afterAll(async () => {
    await endAll();
    network?.destroy();
    expect(network?.namespaces() ?? []).toEqual([]);
    for (const proc of processes) expect(isAlive(proc.pid)).toBe(false);
  });

  it('gets exact answers while one worker is cut off and another host dies', {
    timeout: 240_000,
  }, async () => {
    const net = new VirtualNetwork();
    network = net;
    const master = net.addHost('master', 1);
    const hosts = [net.addHost('w1', 11), net.addHost('w2', 12), net.addHost('w3', 13)];
    const app = net.addHost('app', 21);
    const env = { FLINT_SECRET: randomBytes(24).toString('base64url') };

    const masterProcess = startFlint(
      ['master', '--host', master.address, '--port', '7077', '--no-ui', '--worker-timeout', '4000'],
      { env, netns: master.netns },
    );
    processes.push(masterProcess);
    const masterUrl = (await masterProcess.waitFor(/Master: (\S+)/))[1] ?? '';
    expect(masterUrl).toBe(`ws://${master.address}:7077`);

    const workers = hosts.map((host) => {
      const worker = startFlint(
        [
          'worker',
          '--master',
          masterUrl,
          '--cores',
          '2',
          '--memory',
          '1g',
          '--host',
          host.address,
          '--network-timeout',
          '4000',
        ],
        { env, netns: host.netns },
      );
      processes.push(worker);
      return worker;
    });
    await Promise.all(workers.map((worker) => worker.waitFor(/registered with/)));

    const application = startNode(
      [
        fileURLToPath(new URL('./fixtures/multiHostApp.ts', import.meta.url)),
        masterUrl,
        String(WORDS),
      ],
      { env: { ...env, NODE_OPTIONS: SOURCE_NODE_OPTIONS }, netns: app.netns },
    );
    processes.push(application);

    const result = async (name: string) =>
      JSON.parse(
        (await application.waitFor(new RegExp(`RESULT ${name} (.*)`), 120_000))[1] ?? 'null',
      );
    expect(await result('executors')).toBe(6);
    const expectedCounts = referenceCounts(WORDS);
    expect(await result('wordCount')).toEqual(expectedCounts);
    const expectedJoin: Record<string, number> = {};
    for (let i = 0; i < 3_000; i++) {
      const name = `customer-${i % 100}`;
      expectedJoin[name] = (expectedJoin[name] ?? 0) + i + (i % 100);
    }
    expect(await result('join')).toEqual(expectedJoin);
    // Every worker's executors joined the driver from their own host's address.
    await masterProcess.waitFor(
      /application app-\S+ \(multiHostApp\.ts\) registered from ws:\/\/10\.77\.0\.21:/,
    );

    await application.waitFor(/FAULT-NOW/, 60_000);
    net.cut('w1');
    for (const pid of net.pids('w2')) process.kill(pid, 'SIGKILL');

    expect(await result('wordCountUnderFaults')).toEqual(expectedCounts);
    // Two executors on each of the two hosts.
    expect(await result('executorsLostMidJob')).toBe(4);
    expect(await application.exited).toBe(0);
    await masterProcess.waitFor(
      /lost worker worker-\S+ \((its connection closed|silent for \d+ s)\)/,
    );
  });
});
