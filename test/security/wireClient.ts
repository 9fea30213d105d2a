/**
 * A WebSocket client written for the security tests, over a raw TCP (or TLS) socket: it speaks
 * Flint's protocol by hand with `encodeMessage`/`decodeMessage`, and it can also send what no
 * well-behaved client would (frames that announce huge lengths, frames cut short, unknown opcodes,
 * text where binary is expected). Frames from the server are parsed just enough for the tests.
 */
import { randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { decodeMessages, encodeMessage, type Message, PROTOCOL_VERSION } from '@flint/worker';
import { helloProof } from './support.js';

/** WebSocket opcodes. */
export const Opcode = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface FrameOptions {
  readonly opcode?: number;
  readonly fin?: boolean;
  /** Announce this payload length instead of the real one (the payload is sent as it is). */
  readonly announcedLength?: bigint;
  /** Set reserved bits (RSV1-3), which a server without extensions must refuse. */
  readonly rsv?: number;
  readonly masked?: boolean;
}

/** Encodes one client frame. */
export function clientFrame(payload: Uint8Array, options: FrameOptions = {}): Buffer {
  const { opcode = Opcode.binary, fin = true, rsv = 0, masked = true } = options;
  const length = options.announcedLength ?? BigInt(payload.length);
  const header: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126n) header.push(maskBit | Number(length));
  else if (length < 65_536n)
    header.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    header.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((length >> shift) & 0xffn));
  }
  const body = Buffer.from(payload);
  if (!masked) return Buffer.concat([Buffer.from(header), body]);
  const mask = randomBytes(4);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (mask[i & 3] as number);
  return Buffer.concat([Buffer.from(header), mask, body]);
}

export interface WireClientOptions {
  /** The CA for a `wss://` URL. */
  readonly ca?: string | Buffer;
  readonly timeoutMs?: number;
}

export class WireClient {
  readonly inbox: Message[] = [];
  /** Binary frames from the server that did not decode (none are expected). */
  undecodable = 0;
  /** The server's close frame, once it came. */
  closeFrame: { code: number; reason: string } | undefined;
  readonly ended: Promise<void>;
  #buffer: Buffer = Buffer.alloc(0);
  #seen = 0;
  readonly #wakers = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  /** Connects and upgrades to WebSocket; rejects on a refused upgrade or a TLS failure. */
  static connect(url: string, options: WireClientOptions = {}): Promise<WireClient> {
    const { protocol, hostname, port } = new URL(url);
    const secure = protocol === 'wss:';
    const socket = secure
      ? connectTls({
          host: hostname,
          port: Number(port),
          ...(options.ca ? { ca: options.ca } : {}),
        })
      : connectTcp({ host: hostname, port: Number(port) });
    socket.setNoDelay(true);
    const key = randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const timer = setTimeout(
        () => fail(new Error('the upgrade timed out')),
        options.timeoutMs ?? 10_000,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.removeAllListeners('close');
        clearTimeout(timer);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!/^HTTP\/1\.1 101 /.test(status)) return fail(new Error(`upgrade refused: ${status}`));
        const client = new WireClient(socket);
        socket.on('data', (data: Buffer) => client.#onData(data));
        client.#onData(head.subarray(end + 4));
        resolve(client);
      };
      socket.once('error', fail);
      socket.once('close', () =>
        fail(new Error('the server closed the connection before the upgrade')),
      );
      socket.on('data', onData);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.write(
          `GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  /** Whether the TCP connection is gone. */
  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  /** Waits for the next message matching `predicate`; earlier ones stay in `inbox`. */
  async next(predicate: (message: Message) => boolean = () => true, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#seen < this.inbox.length) {
        const message = this.inbox[this.#seen++] as Message;
        if (predicate(message)) return message;
      }
      if (this.isClosed) throw new Error('the connection closed');
      if (Date.now() > deadline) throw new Error(`no such message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wakers.delete(wake);
          resolve();
        };
        this.#wakers.add(wake);
        setTimeout(wake, 50);
      });
    }
  }

  /** Sends a protocol message (or anything, encoded the same way). */
  send(message: unknown): void {
    this.sendFrame(encodeMessage(message as Message));
  }

  sendFrame(payload: Uint8Array, options?: FrameOptions): void {
    this.write(clientFrame(payload, options));
  }

  write(bytes: Uint8Array): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** A hello for the last challenge, proving `secret` (a random proof when it is undefined). */
  hello(secret: string | undefined, role = 'worker', details: Record<string, unknown> = {}) {
    const challenge = [...this.inbox].reverse().find((m) => m.type === 'challenge');
    if (challenge?.type !== 'challenge') throw new Error('no challenge yet');
    const nonce = randomBytes(32).toString('hex');
    const proof =
      secret === undefined
        ? randomBytes(32).toString('hex')
        : helloProof(secret, role, challenge.nonce, nonce);
    return { type: 'hello', protocolVersion: PROTOCOL_VERSION, role, nonce, proof, ...details };
  }

  /** Waits until the server closes the connection (or `timeoutMs` passes), then cuts it. */
  async closedByServer(timeoutMs = 10_000): Promise<{ code: number; reason: string } | undefined> {
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    this.destroy();
    return this.closeFrame;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const frame = parseServerFrame(this.#buffer);
      if (!frame) break;
      this.#buffer = this.#buffer.subarray(frame.size);
      if (frame.opcode === Opcode.binary) {
        try {
          this.inbox.push(...decodeMessages(frame.payload));
        } catch {
          this.undecodable++;
        }
      } else if (frame.opcode === Opcode.close) {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        this.closeFrame = { code, reason: frame.payload.subarray(2).toString() };
        // Answer the close, as a client must, so the server finishes at once.
        this.write(clientFrame(frame.payload.subarray(0, 2), { opcode: Opcode.close }));
        this.socket.end();
      }
    }
    for (const wake of this.#wakers) wake();
  }
}

function parseServerFrame(
  buffer: Buffer,
): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = (buffer[0] as number) & 0x0f;
  let length = (buffer[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  return { opcode, payload: buffer.subarray(offset, offset + length), size: offset + length };
}
