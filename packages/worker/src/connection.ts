/**
 * Authenticated WebSocket connections. Both ends of every Flint connection go through here: the
 * listener side ({@link acceptPeer}) and the connecting side ({@link connectToListener}). After the
 * handshake, messages are binary frames decoded and validated by `decodeMessage`.
 */
import { type RawData, WebSocket } from 'ws';
import { clientProof, createNonce, listenerProof, proofsEqual } from './auth.js';
import { ErrorCode, FlintError } from './errors.js';
import {
  decodeMessage,
  encodeMessage,
  type HelloMessage,
  MAX_FRAME_BYTES,
  type Message,
  type PeerRole,
  PROTOCOL_VERSION,
  type WelcomeMessage,
} from './protocol.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Sends one message; a closed socket drops it (the close handler deals with the loss). */
export function send(socket: WebSocket, message: Message): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(encodeMessage(message));
}

/** Turns a ws payload into one Uint8Array without copying when it already is one. */
export function frameBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * Runs the listener's side of the handshake on a fresh socket. Resolves with the peer's hello once
 * it proved the secret; rejects (and closes the socket with a reason) otherwise.
 */
export function acceptPeer(
  socket: WebSocket,
  secret: string,
  welcome: (hello: HelloMessage) => Omit<WelcomeMessage, 'type' | 'proof'>,
): Promise<HelloMessage> {
  const nonce = createNonce();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => refuse('no handshake within 10 s'), HANDSHAKE_TIMEOUT_MS);
    const refuse = (reason: string) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      send(socket, { type: 'refused', reason });
      socket.close(1008, reason.slice(0, 120));
      reject(new FlintError(ErrorCode.AUTH, `Refused a connection: ${reason}`));
    };
    const onMessage = (data: RawData) => {
      let message: Message;
      try {
        message = decodeMessage(frameBytes(data));
      } catch {
        return refuse('the handshake was not a valid Flint message');
      }
      if (message.type !== 'hello') return refuse(`expected 'hello', got '${message.type}'`);
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        return refuse(
          `protocol version ${message.protocolVersion} is not supported (this side speaks ${PROTOCOL_VERSION}); run the same Flint version everywhere`,
        );
      }
      if (!proofsEqual(clientProof(secret, nonce, message.nonce), message.proof)) {
        return refuse('authentication failed: the shared secret does not match');
      }
      clearTimeout(timer);
      socket.off('message', onMessage);
      send(socket, {
        type: 'welcome',
        proof: listenerProof(secret, nonce, message.nonce),
        ...welcome(message),
      });
      resolve(message);
    };
    socket.on('message', onMessage);
    socket.once('close', () => {
      clearTimeout(timer);
      reject(
        new FlintError(ErrorCode.AUTH, 'The peer closed the connection during the handshake.'),
      );
    });
    send(socket, { type: 'challenge', protocolVersion: PROTOCOL_VERSION, nonce });
  });
}

/** What a connecting side says about itself in its hello. */
export type HelloDetails = Omit<
  HelloMessage,
  'type' | 'protocolVersion' | 'nonce' | 'proof' | 'role'
>;

/**
 * Connects to a Flint listener and runs the connecting side of the handshake: proves the secret,
 * then checks the listener's proof, so a worker never takes tasks from a driver without it.
 */
export function connectToListener(
  url: string,
  secret: string,
  role: PeerRole,
  details: HelloDetails = {},
): Promise<{ socket: WebSocket; welcome: WelcomeMessage }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    const nonce = createNonce();
    let listenerNonce: string | undefined;
    const fail = (
      reason: string,
      code: typeof ErrorCode.AUTH | typeof ErrorCode.PROTOCOL = ErrorCode.AUTH,
    ) => {
      socket.off('message', onMessage);
      socket.close();
      reject(new FlintError(code, `Could not join ${url}: ${reason}`));
    };
    const onMessage = (data: RawData) => {
      let message: Message;
      try {
        message = decodeMessage(frameBytes(data));
      } catch (error) {
        return fail((error as Error).message, ErrorCode.PROTOCOL);
      }
      if (message.type === 'refused') return fail(message.reason);
      if (message.type === 'challenge' && listenerNonce === undefined) {
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          return fail(
            `it speaks protocol ${message.protocolVersion}, this side ${PROTOCOL_VERSION}`,
            ErrorCode.PROTOCOL,
          );
        }
        listenerNonce = message.nonce;
        const proof = clientProof(secret, message.nonce, nonce);
        send(socket, {
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          role,
          nonce,
          proof,
          ...details,
        });
        return;
      }
      if (message.type === 'welcome' && listenerNonce !== undefined) {
        if (!proofsEqual(listenerProof(secret, listenerNonce, nonce), message.proof)) {
          return fail('the listener could not prove the shared secret');
        }
        socket.off('message', onMessage);
        resolve({ socket, welcome: message });
        return;
      }
      fail(`unexpected '${message.type}' during the handshake`, ErrorCode.PROTOCOL);
    };
    socket.on('message', onMessage);
    socket.once('error', (error) =>
      reject(
        new FlintError(ErrorCode.WORKER_LOST, `Could not connect to ${url}: ${error.message}`),
      ),
    );
    socket.once('close', () =>
      reject(new FlintError(ErrorCode.AUTH, `${url} closed the connection during the handshake.`)),
    );
  });
}
