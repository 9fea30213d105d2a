import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawData, WebSocket, type WebSocketServer } from 'ws';
import { clientProof, createNonce, createSecret, listenerProof, proofsEqual } from '../src/auth.js';
import { acceptPeer, connectToListener, frameBytes } from '../src/connection.js';
import { ErrorCode, FlintError } from '../src/errors.js';
import {
  decodeMessage,
  encodeMessage,
  type HelloMessage,
  MAX_HANDSHAKE_FRAME_BYTES,
  type Message,
  type PeerRole,
  PROTOCOL_VERSION,
} from '../src/protocol.js';
import { AuthThrottle } from '../src/security/authThrottle.js';
import { checkBind, isLoopbackHost, readSecret } from '../src/security/bindPolicy.js';
import { type ListenOptions, listen } from '../src/security/listen.js';

const SECRET = 'unit-test-secret-0123456789';

describe('challenge-response proofs', () => {
  const t = { role: 'worker' as const, listenerNonce: createNonce(), clientNonce: createNonce() };

  it('accept a proof made with the secret, and nothing else', () => {
    const proof = clientProof(SECRET, t);
    expect(proof).toMatch(/^[0-9a-f]{64}$/);
    expect(proofsEqual(clientProof(SECRET, t), proof)).toBe(true);
    expect(proofsEqual(clientProof(`${SECRET}x`, t), proof)).toBe(false);
    expect(proofsEqual('', proof)).toBe(false);
    expect(proofsEqual(proof.slice(0, 63), proof)).toBe(false);
  });

  it('bind the role, both nonces and the direction', () => {
    const proof = clientProof(SECRET, t);
    expect(clientProof(SECRET, { ...t, role: 'peer' })).not.toBe(proof);
    expect(clientProof(SECRET, { ...t, listenerNonce: createNonce() })).not.toBe(proof);
    expect(clientProof(SECRET, { ...t, clientNonce: createNonce() })).not.toBe(proof);
    // Swapping the nonces gives another proof: a listener's nonce cannot stand in for a client's.
    const swapped = { ...t, listenerNonce: t.clientNonce, clientNonce: t.listenerNonce };
    expect(clientProof(SECRET, swapped)).not.toBe(proof);
    const back = listenerProof(SECRET, { ...t, clientProof: proof, workerId: 'worker-1' });
    expect(back).not.toBe(proof);
    expect(listenerProof(SECRET, { ...t, clientProof: proof, workerId: 'worker-2' })).not.toBe(
      back,
    );
  });

  it('make secrets of 43 URL-safe characters, fresh every time', () => {
    const secret = createSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createSecret()).not.toBe(secret);
  });
});

describe('the auth throttle', () => {
  it('doubles the delay per failure up to the cap, and forgets on success', () => {
    const throttle = new AuthThrottle({ baseDelayMs: 100, maxDelayMs: 1_000 });
    expect(throttle.delayFor('a', 0)).toBe(0);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      throttle.recordFailure('a', 0);
      delays.push(throttle.delayFor('a', 0));
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(throttle.delayFor('b', 0)).toBe(0);
    throttle.recordSuccess('a');
    expect(throttle.delayFor('a', 0)).toBe(0);
  });

  it('forgets old failures and bounds how many addresses it remembers', () => {
    const throttle = new AuthThrottle({ forgetAfterMs: 1_000, maxAddresses: 2 });
    throttle.recordFailure('a', 0);
    expect(throttle.delayFor('a', 500)).toBeGreaterThan(0);
    expect(throttle.delayFor('a', 1_500)).toBe(0);
    for (const address of ['x', 'y', 'z']) throttle.recordFailure(address, 2_000);
    expect(throttle.delayFor('x', 2_000)).toBe(0);
    expect(throttle.delayFor('z', 2_000)).toBeGreaterThan(0);
  });
});

describe('where Flint may listen', () => {
  it('knows loopback hosts', () => {
    for (const host of [
      '127.0.0.1',
      '127.8.9.1',
      'localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      'example.com',
      '128.0.0.1',
      '127.0.0.1.nip.io',
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it('refuses to listen beyond loopback without a secret, saying how to set one', () => {
    const error = catchError(() => checkBind('0.0.0.0', undefined, 'flint worker'));
    expect(error).toMatchObject({ code: ErrorCode.AUTH });
    expect(error.message).toMatch(/refusing to listen on 0\.0\.0\.0 without a shared secret/);
    expect(error.message).toMatch(/FLINT_SECRET/);
    expect(error.message).toMatch(/--secret-file/);
    expect(checkBind('0.0.0.0', SECRET, 'flint worker')).toBe(SECRET);
    const short = 'tooshort';
    const weak = catchError(() => checkBind('127.0.0.1', short, 'flint worker'));
    expect(weak.message).toMatch(/too short/);
    expect(weak.message).not.toContain(short);
  });

  it('reads the secret from a file before the environment, without its newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-secret-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
      expect(readSecret({ FLINT_SECRET: 'from-env' }, file)).toBe(SECRET);
      expect(readSecret({ FLINT_SECRET_FILE: file })).toBe(SECRET);
      expect(readSecret({ FLINT_SECRET: 'from-env' })).toBe('from-env');
      expect(readSecret({})).toBeUndefined();
      const missing = catchError(() => readSecret({}, join(dir, 'nope')));
      expect(missing.message).toMatch(/Could not read the secret file .*ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A listener that records who it accepted, what they sent afterwards, and who it refused. */
async function startListener(options: Partial<ListenOptions> = {}) {
  const { server, url } = await listen({
    secret: SECRET,
    roles: ['worker'],
    maxPayload: 64 * 1024,
    ...options,
  });
  const accepted: HelloMessage[] = [];
  const refused: FlintError[] = [];
  const received: Message[] = [];
  server.on('connection', (socket: WebSocket) => {
    acceptPeer(socket, options.secret ?? SECRET, () => ({ workerId: 'worker-7' })).then(
      (hello) => {
        accepted.push(hello);
        socket.on('message', (data: RawData) => received.push(decodeMessage(frameBytes(data))));
      },
      (error: FlintError) => refused.push(error),
    );
  });
  servers.push(server);
  return { server, url, accepted, refused, received };
}

/** A client that speaks the protocol by hand. */
async function rawClient(url: string) {
  const socket = new WebSocket(url);
  sockets.push(socket);
  const inbox: Message[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data: RawData) => {
    inbox.push(decodeMessage(frameBytes(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = async (timeoutMs = 5_000): Promise<Message> => {
    const deadline = Date.now() + timeoutMs;
    while (inbox.length === 0) {
      if (Date.now() > deadline) throw new Error('no message came');
      await Promise.race([
        new Promise<void>((resolve) => waiters.push(resolve)),
        closed,
        new Promise((resolve) => setTimeout(resolve, 50)),
      ]);
    }
    return inbox.shift() as Message;
  };
  const send = (message: unknown) => socket.send(encodeMessage(message as Message));
  const hello = (
    challenge: Message,
    role: PeerRole = 'worker',
    secret = SECRET,
    nonce = createNonce(),
  ) => {
    if (challenge.type !== 'challenge')
      throw new Error(`expected a challenge, got ${challenge.type}`);
    const proof = clientProof(secret, { role, listenerNonce: challenge.nonce, clientNonce: nonce });
    return { type: 'hello', protocolVersion: PROTOCOL_VERSION, role, nonce, proof } as const;
  };
  return { socket, next, send, hello, closed };
}

const servers: WebSocketServer[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close(() => resolve());
        }),
    ),
  );
});

describe('the handshake over real sockets', () => {
  it('welcomes a peer that proves the secret, and delivers what it sends right behind', async () => {
    const listener = await startListener();
    const client = await rawClient(listener.url);
    const challenge = await client.next();
    expect(challenge).toMatchObject({ type: 'challenge', protocolVersion: PROTOCOL_VERSION });
    const hello = client.hello(challenge);
    // The hello and two messages in one write: none of them is lost to the hand-over.
    client.send(hello);
    client.send({ type: 'heartbeat', runningTasks: 0, rssBytes: 1 });
    client.send({ type: 'heartbeat', runningTasks: 1, rssBytes: 2 });
    const welcome = await client.next();
    expect(welcome).toMatchObject({ type: 'welcome', workerId: 'worker-7' });
    const expected = listenerProof(SECRET, {
      role: 'worker',
      listenerNonce: (challenge as { nonce: string }).nonce,
      clientNonce: hello.nonce,
      clientProof: hello.proof,
      workerId: 'worker-7',
    });
    expect((welcome as { proof: string }).proof).toBe(expected);
    await waitUntil(() => listener.received.length === 2);
    expect(listener.received.map((m) => (m as { runningTasks: number }).runningTasks)).toEqual([
      0, 1,
    ]);
    expect(listener.accepted).toHaveLength(1);
  });

  it('refuses a wrong secret, closes with a reason, and never says the secret', async () => {
    const listener = await startListener();
    const client = await rawClient(listener.url);
    const wrong = 'not-the-right-secret-at-all';
    client.send(client.hello(await client.next(), 'worker', wrong));
    const refused = await client.next();
    expect(refused).toMatchObject({ type: 'refused' });
    expect((refused as { reason: string }).reason).toMatch(/does not hold the shared secret/);
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    await waitUntil(() => listener.refused.length === 1);
    const text = `${listener.refused[0]?.message} ${JSON.stringify(refused)} ${closed.reason}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(wrong);
    expect(listener.accepted).toHaveLength(0);
  });

  it('refuses a replayed hello, a reflected nonce, a wrong role and a peer that speaks first', async () => {
    const listener = await startListener();
    const first = await rawClient(listener.url);
    const recorded = first.hello(await first.next());
    first.send(recorded);
    expect(await first.next()).toMatchObject({ type: 'welcome' });

    const replay = await rawClient(listener.url);
    await replay.next();
    replay.send(recorded);
    expect(await replay.next()).toMatchObject({ type: 'refused' });

    const reflect = await rawClient(listener.url);
    const challenge = await reflect.next();
    reflect.send(
      reflect.hello(challenge, 'worker', SECRET, (challenge as { nonce: string }).nonce),
    );
    expect(await reflect.next()).toMatchObject({
      type: 'refused',
      reason: 'its hello reused the challenge nonce',
    });

    const peer = await rawClient(listener.url);
    peer.send(peer.hello(await peer.next(), 'peer'));
    expect(await peer.next()).toMatchObject({
      type: 'refused',
      reason: 'a peer may not connect to this endpoint',
    });

    // Throttled by now (three failures), so its challenge is still to come when it speaks.
    const early = await rawClient(listener.url);
    early.send({ type: 'welcome', proof: 'a'.repeat(64) });
    expect(await early.next()).toMatchObject({
      type: 'refused',
      reason: 'it spoke before it was challenged',
    });
    expect(listener.accepted).toHaveLength(1);
  });

  it('slows down an address that keeps failing, and forgets once it succeeds', async () => {
    const listener = await startListener({ throttle: { baseDelayMs: 200, maxDelayMs: 400 } });
    const timeToChallenge = async (secret: string) => {
      const started = Date.now();
      const client = await rawClient(listener.url);
      const challenge = await client.next();
      const elapsed = Date.now() - started;
      client.send(client.hello(challenge, 'worker', secret));
      await client.next();
      return elapsed;
    };
    const wrong = 'wrong-secret-but-long-enough';
    expect(await timeToChallenge(wrong)).toBeLessThan(150);
    expect(await timeToChallenge(wrong)).toBeGreaterThanOrEqual(190);
    expect(await timeToChallenge(SECRET)).toBeGreaterThanOrEqual(390);
    expect(await timeToChallenge(SECRET)).toBeLessThan(150);
  });

  it('refuses a peer that does not finish the handshake in time', async () => {
    const listener = await startListener({ handshakeTimeoutMs: 200 });
    const client = await rawClient(listener.url);
    await client.next();
    expect(await client.next()).toMatchObject({
      type: 'refused',
      reason: 'it did not complete the handshake within 0.2 s',
    });
    expect((await client.closed).code).toBe(1008);
  });

  it('accepts only small frames before authentication, and bigger ones after', async () => {
    const listener = await startListener();
    const big = await rawClient(listener.url);
    await big.next();
    big.socket.send(new Uint8Array(MAX_HANDSHAKE_FRAME_BYTES + 1));
    expect((await big.closed).code).toBe(1009); // ws: message too big

    const client = await rawClient(listener.url);
    client.send(client.hello(await client.next()));
    expect(await client.next()).toMatchObject({ type: 'welcome' });
    const value = 'x'.repeat(32 * 1024);
    client.send({ type: 'putBroadcast', id: 1, value });
    await waitUntil(() => listener.received.length === 1);
    expect(listener.received[0]).toEqual({ type: 'putBroadcast', id: 1, value });
    client.socket.send(new Uint8Array(64 * 1024 + 1));
    expect((await client.closed).code).toBe(1009);
  });

  it('turns peers away once too many handshakes are in progress', async () => {
    const listener = await startListener({ maxPendingHandshakes: 2 });
    const a = await rawClient(listener.url);
    const b = await rawClient(listener.url);
    await a.next();
    await b.next();
    const c = await rawClient(listener.url);
    expect(await c.next()).toMatchObject({
      type: 'refused',
      reason: expect.stringMatching(/too many handshakes/),
    });
  });
});

describe('connectToListener', () => {
  it('joins a listener with the same secret and gets its welcome', async () => {
    const listener = await startListener();
    const { socket, welcome } = await connectToListener(listener.url, SECRET, 'worker', {
      cores: 2,
    });
    sockets.push(socket);
    expect(welcome.workerId).toBe('worker-7');
    expect(listener.accepted[0]).toMatchObject({ role: 'worker', cores: 2 });
  });

  it('fails with FLINT_AUTH, without the secret, against a listener with another one', async () => {
    const listener = await startListener({ secret: 'the-listener-has-this-one' });
    const error = await connectToListener(listener.url, SECRET, 'worker').then(
      () => undefined,
      (e: unknown) => e as FlintError,
    );
    expect(error).toMatchObject({ code: ErrorCode.AUTH });
    expect(error?.message).toMatch(/does not hold the shared secret/);
    expect(error?.message).not.toContain(SECRET);
    expect(error?.message).not.toContain('the-listener-has-this-one');
  });

  it('does not trust a listener that cannot prove the secret back', async () => {
    // A fake listener: challenges, then answers any hello with a made-up welcome.
    const { server, url } = await listen({ secret: SECRET, roles: ['worker'], maxPayload: 1024 });
    servers.push(server);
    server.on('connection', (socket: WebSocket) => {
      socket.send(
        encodeMessage({
          type: 'challenge',
          protocolVersion: PROTOCOL_VERSION,
          nonce: createNonce(),
        }),
      );
      socket.on('message', () =>
        socket.send(encodeMessage({ type: 'welcome', proof: createNonce(), workerId: 'x' })),
      );
    });
    await expect(connectToListener(url, SECRET, 'worker')).rejects.toMatchObject({
      code: ErrorCode.AUTH,
      message: expect.stringMatching(/could not prove that it holds the shared secret/),
    });
  });

  it('refuses a short secret before connecting', async () => {
    await expect(connectToListener('ws://127.0.0.1:9', 'short', 'peer')).rejects.toMatchObject({
      code: ErrorCode.AUTH,
      message: expect.stringMatching(/too short/),
    });
  });
});

function catchError(run: () => unknown): FlintError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlintError);
    return error as FlintError;
  }
  throw new Error('expected an error');
}

async function waitUntil(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
