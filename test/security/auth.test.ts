/**
 * Who gets tasks and blocks: raw clients with no secret, a wrong secret, a replayed handshake and
 * the right secret, against a real driver and real workers, over plain WebSocket and over TLS.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createContext, type FlintContext } from '@flint/rdd';
import { flintCommandArgs, type Message } from '@flint/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, waitFor } from '../helpers.js';
import {
  blockServerUrls,
  driverUrlOf,
  hasOpenssl,
  makeCertificates,
  type TestCertificates,
} from './support.js';
import { WireClient } from './wireClient.js';

const openssl = hasOpenssl();
let certificates: TestCertificates | undefined;
beforeAll(() => {
  if (openssl) certificates = makeCertificates();
});
afterAll(() => certificates?.remove());

const clients: WireClient[] = [];
const spawned: number[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  killAll(spawned.splice(0));
});

interface Transport {
  readonly name: string;
  readonly tls: boolean;
}

const transports: Transport[] = [
  { name: 'plain ws://', tls: false },
  { name: 'TLS wss://', tls: true },
];

/** Cases that exist only over TLS: registered in the TLS run, absent (not skipped) in the plain one. */
const onlyWithTls =
  (tls: boolean) =>
  (name: string, fn: () => Promise<void>): void => {
    if (tls) it(name, fn);
  };

for (const transport of transports) {
  describe.skipIf(transport.tls && !openssl)(`over ${transport.name}`, () => {
    let sc: FlintContext;
    let secret: string;
    let driverUrl: string;
    let ca: string | undefined;

    beforeAll(async () => {
      secret = randomBytes(24).toString('base64url');
      const tls = transport.tls && certificates ? certificates : undefined;
      ca = tls?.ca;
      sc = await createContext({
        workers: 2,
        secret,
        ui: false,
        progress: false,
        ...(tls ? { tls: { cert: tls.cert, key: tls.key, ca: tls.ca } } : {}),
      });
      driverUrl = driverUrlOf(sc.workerPids[0] as number);
    });
    afterAll(async () => {
      await sc?.stop();
    });

    const connect = async (url: string) => {
      const client = await WireClient.connect(url, ca === undefined ? {} : { ca });
      clients.push(client);
      await client.next((m) => m.type === 'challenge');
      return client;
    };

    /** Runs a job while `clients` are connected; returns its answer. */
    const runJob = () =>
      sc
        .parallelize(
          Array.from({ length: 400 }, (_, i) => i),
          8,
        )
        .map((x) => [x % 4, x] as [number, number])
        .reduceByKey((a, b) => a + b)
        .collect();
    const expected = [0, 1, 2, 3].map((k) => [k, 100 * k + 19_800]);

    it('uses the expected scheme', () => {
      expect(driverUrl.startsWith(transport.tls ? 'wss://' : 'ws://')).toBe(true);
    });

    it('gives tasks only to a worker that proves the secret', async () => {
      const noSecret = await connect(driverUrl);
      noSecret.send(
        noSecret.hello(undefined, 'worker', { blockServer: 'ws://127.0.0.1:1', cores: 4 }),
      );
      const wrong = await connect(driverUrl);
      wrong.send(wrong.hello('a-wrong-secret-of-decent-length', 'worker', { cores: 4 }));
      const good = await connect(driverUrl);
      const hello = good.hello(secret, 'worker', { blockServer: 'ws://127.0.0.1:1', cores: 4 });
      good.send(hello);
      expect(await good.next((m) => m.type !== 'challenge')).toMatchObject({ type: 'welcome' });
      // The recorded hello, answered to a fresh challenge.
      const replay = await connect(driverUrl);
      replay.send(hello);
      // The pool offers tasks to a worker once it has heard from it.
      good.send({ type: 'heartbeat', runningTasks: 0, rssBytes: 1 });

      for (const refused of [noSecret, wrong, replay]) {
        expect(await refused.next((m) => m.type !== 'challenge')).toMatchObject({
          type: 'refused',
          reason: expect.stringMatching(/does not hold the shared secret/),
        });
        expect((await refused.closedByServer())?.code).toBe(1008);
      }

      const answer = runJob();
      const task = await good.next((m) => m.type === 'launchTask', 20_000);
      expect(good.inbox.some((m) => m.type === 'defineStage')).toBe(true);
      expect(task).toMatchObject({ type: 'launchTask' });
      // It leaves without answering: its tasks run elsewhere, and the answer is exact.
      good.destroy();
      expect((await answer).sort((a, b) => a[0] - b[0])).toEqual(expected);
      for (const refused of [noSecret, wrong, replay]) {
        expect(refused.inbox.map((m: Message) => m.type)).toEqual(['challenge', 'refused']);
      }
    });

    it('refuses a second hello and anything else that is not a worker message', async () => {
      const client = await connect(driverUrl);
      const hello = client.hello(secret, 'worker', { blockServer: 'ws://127.0.0.1:1' });
      client.send(hello);
      await client.next((m) => m.type === 'welcome');
      client.send(client.hello(secret, 'worker', { blockServer: 'ws://127.0.0.1:1' }));
      expect((await client.closedByServer())?.code).toBe(1008);
      const peer = await connect(driverUrl);
      peer.send(peer.hello(secret, 'peer'));
      expect(await peer.next((m) => m.type === 'refused')).toMatchObject({
        reason: 'a peer may not connect to this endpoint',
      });
    });

    it('serves blocks only to a peer that proves the secret', async () => {
      const pairs = sc
        .parallelize(
          Array.from({ length: 100 }, (_, i) => i),
          4,
        )
        .map((x) => [x % 3, x] as [number, number])
        .groupByKey(2);
      expect(await pairs.count()).toBe(3);
      const urls = blockServerUrls(sc.workerPids, transport.tls ? 'wss' : 'ws');
      expect(urls).toHaveLength(2);
      const fetch = {
        type: 'fetchBlocks',
        requestId: 1,
        shuffleId: 0,
        reduceId: 0,
        mapIndices: [0, 1, 2, 3],
      };
      let blocks = 0;
      for (const url of urls) {
        const noSecret = await connect(url);
        noSecret.send(fetch); // asking before the handshake
        const wrong = await connect(url);
        wrong.send(wrong.hello('a-wrong-secret-of-decent-length', 'peer'));
        wrong.send(fetch);
        const asWorker = await connect(url);
        asWorker.send(asWorker.hello(secret, 'worker'));
        asWorker.send(fetch);
        const good = await connect(url);
        const hello = good.hello(secret, 'peer');
        good.send(hello);
        good.send(fetch);
        const replay = await connect(url);
        replay.send(hello);
        replay.send(fetch);
        await good.next((m) => m.type === 'blocksEnd');
        blocks += good.inbox.filter((m) => m.type === 'blockData').length;
        for (const refused of [noSecret, wrong, asWorker, replay]) {
          await refused.closedByServer();
          expect(refused.inbox.map((m) => m.type)).toEqual(['challenge', 'refused']);
        }
      }
      // Four map outputs, spread over the two workers: each is served by the worker holding it.
      expect(blocks).toBe(4);
    });

    onlyWithTls(transport.tls)(
      'lets `flint worker --tls-*` join, and not without the CA',
      async () => {
        const files = certificates?.files;
        if (!files) throw new Error('no certificates');
        const env: NodeJS.ProcessEnv = { ...process.env, FLINT_SECRET: secret };
        delete env.FLINT_TLS_CERT;
        delete env.FLINT_TLS_KEY;
        delete env.FLINT_TLS_CA;
        const tlsFlags = ['--tls-cert', files.cert, '--tls-key', files.key];
        const worker = startWorker([...tlsFlags, '--tls-ca', files.ca], env);
        await waitFor(() => sc.defaultParallelism === 3, 20_000, 'the TLS worker to join');
        const doubled = await sc
          .parallelize([1, 2, 3, 4, 5, 6], 6)
          .map((x) => x * 2)
          .collect();
        expect(doubled).toEqual([2, 4, 6, 8, 10, 12]);
        worker.kill('SIGTERM');
        const untrusting = startWorker(tlsFlags, env);
        let output = '';
        untrusting.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const code = await new Promise((resolve) => untrusting.once('exit', resolve));
        expect(code).toBe(1);
        expect(output).toMatch(/TLS certificate could not be verified .*--tls-ca FILE/);
        expect(output).not.toContain(secret);
      },
    );

    const startWorker = (flags: string[], env: NodeJS.ProcessEnv) => {
      const child = spawn(
        process.execPath,
        [...flintCommandArgs(), 'worker', '--driver', driverUrl, ...flags],
        { env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      if (child.pid) spawned.push(child.pid);
      return child;
    };

    onlyWithTls(transport.tls)('refuses a client that cannot verify the certificate', async () => {
      await expect(
        WireClient.connect(driverUrl, { ca: certificates?.otherCa ?? '' }),
      ).rejects.toThrow(/certificate/);
      // Plain HTTP to a TLS port gets no upgrade.
      await expect(
        WireClient.connect(driverUrl.replace('wss:', 'ws:'), { timeoutMs: 2_000 }),
      ).rejects.toThrow();
    });
  });
}

describe('two applications', () => {
  let a: FlintContext;
  let b: FlintContext;
  const secretA = randomBytes(24).toString('base64url');
  const secretB = randomBytes(24).toString('base64url');

  beforeAll(async () => {
    [a, b] = await Promise.all([
      createContext({ workers: 1, secret: secretA, ui: false, progress: false }),
      createContext({ workers: 1, secret: secretB, ui: false, progress: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("do not serve each other's shuffle blocks", async () => {
    const words = b.parallelize(['x y', 'y z', 'z x y'], 3).flatMap((line) => line.split(' '));
    const counts = words.map((w) => [w, 1] as [string, number]).reduceByKey((x, y) => x + y, 1);
    expect(Object.fromEntries(await counts.collect())).toEqual({ x: 2, y: 3, z: 2 });
    const [url] = blockServerUrls(b.workerPids, 'ws');
    const fetch = {
      type: 'fetchBlocks',
      requestId: 1,
      shuffleId: 0,
      reduceId: 0,
      mapIndices: [0, 1, 2],
    };
    // A worker of application A, with A's secret, at B's worker.
    const fromA = await WireClient.connect(url as string);
    clients.push(fromA);
    await fromA.next((m) => m.type === 'challenge');
    fromA.send(fromA.hello(secretA, 'peer'));
    fromA.send(fetch);
    await fromA.closedByServer();
    expect(fromA.inbox.map((m) => m.type)).toEqual(['challenge', 'refused']);
    // B's own secret gets the three blocks, so they were there to take.
    const fromB = await WireClient.connect(url as string);
    clients.push(fromB);
    await fromB.next((m) => m.type === 'challenge');
    fromB.send(fromB.hello(secretB, 'peer'));
    fromB.send(fetch);
    await fromB.next((m) => m.type === 'blocksEnd');
    expect(fromB.inbox.filter((m) => m.type === 'blockData')).toHaveLength(3);
    expect(await a.parallelize([1, 2, 3]).count()).toBe(3);
  });
});
