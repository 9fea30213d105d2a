/**
 * Authenticated WebSocket connections. Both ends of every Flint connection go through here: the
 * listener side ({@link acceptPeer}) and the connecting side ({@link connectToListener}).
 *
 * The handshake: the listener sends `challenge` (a fresh nonce), the connecting side answers
 * `hello` (its role, its own fresh nonce and an HMAC proof, see `auth.ts`), the listener answers
 * `welcome` with its own proof, or `refused` with a reason and closes.
 *
 * Invariants:
 * - Nothing but the handshake is heard before the peer proved the secret; a refused peer gets a
 *   reason and a closed socket, never a task or a block. Refusals never mention the secret.
 * - Before authentication a frame may be at most `MAX_HANDSHAKE_FRAME_BYTES`; the handshake has a
 *   deadline; an address that keeps failing waits longer and longer before its next challenge.
 * - Frames that arrive right behind the last handshake message are held and handed, in order, to
 *   the first `message` listener the caller adds: none is lost between the handshake and the caller.
 * - After {@link closeForViolation}, nothing more the peer sends is heard.
 */
import { type RawData, WebSocket } from 'ws';
import { clientProof, createNonce, listenerProof, proofsEqual } from './auth.js';
import { ErrorCode, type ErrorCodeValue, FlintError } from './errors.js';
import {
  decodeMessage,
  encodeMessage,
  type HelloMessage,
  MAX_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  type Message,
  type PeerRole,
  PROTOCOL_VERSION,
  type WelcomeMessage,
} from './protocol.js';
import { checkSecret } from './security/bindPolicy.js';
import { acceptedSocketOf, DEFAULT_HANDSHAKE_TIMEOUT_MS } from './security/listen.js';
import { clientTlsOptions, type TlsOptions } from './security/tls.js';

/** How long the connecting side waits for the whole handshake (throttling included), in ms. */
const CLIENT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** How long a closing peer may take to answer the close frame before it is cut off, in ms. */
const CLOSE_TIMEOUT_MS = 2_000;
/** The WebSocket close code for a policy violation, and for "try again later". */
const CLOSE_POLICY = 1008;
const CLOSE_TRY_AGAIN = 1013;

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
 * Closes a connection whose peer broke the protocol: nothing it sends from now on is heard (frames
 * already on their way included), and it is cut off if it does not answer the close in time.
 */
export function closeForViolation(
  socket: WebSocket,
  reason = 'protocol violation',
  code = CLOSE_POLICY,
): void {
  socket.removeAllListeners('message');
  if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
    socket.close(code, closeReason(reason));
  }
  const cutOff = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
  cutOff.unref();
  socket.once('close', () => clearTimeout(cutOff));
}

/**
 * Runs the listener's side of the handshake on a fresh socket. Resolves with the peer's hello once
 * it proved the secret; rejects with a `FLINT_AUTH` or `FLINT_PROTOCOL` error (after telling the
 * peer why and closing the socket) otherwise. `welcome` says what to tell an accepted peer.
 */
export function acceptPeer(
  socket: WebSocket,
  secret: string,
  welcome: (hello: HelloMessage) => Omit<WelcomeMessage, 'type' | 'proof'>,
): Promise<HelloMessage> {
  const accepted = acceptedSocketOf(socket);
  const policy = accepted?.policy;
  const address = accepted?.remoteAddress ?? 'unknown';
  const timeoutMs = policy?.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const afterAuthMaxPayload = policy?.maxPayload ?? maxPayloadOf(socket) ?? MAX_FRAME_BYTES;
  setMaxPayload(socket, MAX_HANDSHAKE_FRAME_BYTES);
  // ws reports a broken frame (too large, bad opcode...) as 'error', then 'close'; an 'error'
  // nobody listens to would crash the process, so one listener stays for the socket's lifetime.
  socket.on('error', ignoreError);
  return new Promise((resolve, reject) => {
    let nonce: string | undefined;
    let settled = false;
    let deadline: NodeJS.Timeout | undefined;
    let delay: NodeJS.Timeout | undefined;
    const finish = () => {
      settled = true;
      clearTimeout(deadline);
      clearTimeout(delay);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      if (policy) policy.pendingHandshakes--;
    };
    /** `busy`: turned away for want of room, not for anything the peer did. */
    const refuse = (reason: string, code: ErrorCodeValue = ErrorCode.AUTH, busy = false) => {
      if (settled) return;
      finish();
      if (!busy) policy?.throttle.recordFailure(address);
      send(socket, { type: 'refused', reason });
      closeForViolation(socket, reason, busy ? CLOSE_TRY_AGAIN : CLOSE_POLICY);
      reject(new FlintError(code, `Refused a connection from ${address}: ${reason}`));
    };
    const onMessage = (data: RawData) => {
      if (nonce === undefined) return refuse('it spoke before it was challenged');
      let message: Message;
      try {
        message = decodeMessage(frameBytes(data));
      } catch (error) {
        return refuse(
          `its handshake was not valid: ${(error as Error).message}`,
          ErrorCode.PROTOCOL,
        );
      }
      if (message.type !== 'hello') return refuse(`it sent '${message.type}' instead of 'hello'`);
      // A hello that echoes the challenge could be the listener's own words played back.
      if (message.nonce === nonce) return refuse('its hello reused the challenge nonce');
      if (policy && !policy.roles.has(message.role)) {
        return refuse(`a ${message.role} may not connect to this endpoint`);
      }
      const transcript = { role: message.role, listenerNonce: nonce, clientNonce: message.nonce };
      if (!proofsEqual(clientProof(secret, transcript), message.proof)) {
        return refuse(
          'authentication failed: it does not hold the shared secret (set the same FLINT_SECRET ' +
            'on the driver and every worker)',
        );
      }
      finish();
      policy?.throttle.recordSuccess(address);
      const answer = welcome(message);
      const proof = listenerProof(secret, {
        ...transcript,
        clientProof: message.proof,
        workerId: answer.workerId,
      });
      send(socket, { type: 'welcome', proof, ...answer });
      setMaxPayload(socket, afterAuthMaxPayload);
      holdMessagesForCaller(socket);
      resolve(message);
    };
    const onClose = () => {
      if (settled) return;
      finish();
      reject(
        new FlintError(ErrorCode.AUTH, `${address} closed the connection during the handshake.`),
      );
    };
    socket.on('message', onMessage);
    socket.on('close', onClose);
    if (policy && policy.pendingHandshakes >= policy.maxPendingHandshakes) {
      policy.pendingHandshakes++; // finish() gives it back
      return refuse('too many handshakes in progress; try again later', ErrorCode.AUTH, true);
    }
    if (policy) policy.pendingHandshakes++;
    const challenge = () => {
      if (settled || socket.readyState !== WebSocket.OPEN) return;
      nonce = createNonce();
      send(socket, { type: 'challenge', protocolVersion: PROTOCOL_VERSION, nonce });
      deadline = setTimeout(() => {
        // Let frames that are already here be read first: a listener stalled by a long task must
        // not refuse a peer whose answer came in time.
        setImmediate(() =>
          refuse(`it did not complete the handshake within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
    };
    const wait = policy?.throttle.delayFor(address) ?? 0;
    if (wait > 0) delay = setTimeout(challenge, wait);
    else challenge();
  });
}

/** What a connecting side says about itself in its hello. */
export type HelloDetails = Omit<
  HelloMessage,
  'type' | 'protocolVersion' | 'nonce' | 'proof' | 'role'
>;

/** How to connect to a Flint listener. */
export interface ConnectOptions {
  /** The CA to verify a `wss://` listener's certificate with. @default the system's CAs */
  readonly tls?: TlsOptions;
  /** The largest frame accepted once the listener is authenticated. @default MAX_FRAME_BYTES */
  readonly maxPayload?: number;
  /** How long the whole handshake may take, in ms. @default 30000 */
  readonly handshakeTimeoutMs?: number;
}

/**
 * Connects to a Flint listener and runs the connecting side of the handshake: proves the secret,
 * then checks the listener's proof, so a worker never takes tasks from a driver without it.
 */
export function connectToListener(
  url: string,
  secret: string,
  role: PeerRole,
  details: HelloDetails = {},
  options: ConnectOptions = {},
): Promise<{ socket: WebSocket; welcome: WelcomeMessage }> {
  const timeoutMs = options.handshakeTimeoutMs ?? CLIENT_HANDSHAKE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    checkSecret(secret, `Joining ${url}`); // a throw here rejects the promise
    const socket = new WebSocket(url, {
      maxPayload: MAX_HANDSHAKE_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      closeTimeout: CLOSE_TIMEOUT_MS,
      ...(url.startsWith('wss:') ? clientTlsOptions(options.tls) : {}),
    } as ConstructorParameters<typeof WebSocket>[2]);
    const nonce = createNonce();
    let sentHello: { readonly listenerNonce: string; readonly proof: string } | undefined;
    let settled = false;
    const deadline = setTimeout(
      () => fail(`the handshake did not complete within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    const finish = () => {
      settled = true;
      clearTimeout(deadline);
      socket.off('message', onMessage);
    };
    const fail = (reason: string, code: ErrorCodeValue = ErrorCode.AUTH) => {
      if (settled) return;
      finish();
      closeForViolation(socket, reason);
      reject(new FlintError(code, `Could not join ${url}: ${reason}`));
    };
    const onMessage = (data: RawData) => {
      let message: Message;
      try {
        message = decodeMessage(frameBytes(data));
      } catch (error) {
        return fail((error as Error).message, ErrorCode.PROTOCOL);
      }
      if (message.type === 'refused') return fail(`it refused this connection: ${message.reason}`);
      if (message.type === 'challenge' && sentHello === undefined) {
        if (message.nonce === nonce) return fail('its challenge echoed the nonce of this side');
        const transcript = { role, listenerNonce: message.nonce, clientNonce: nonce };
        const proof = clientProof(secret, transcript);
        sentHello = { listenerNonce: message.nonce, proof };
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
      if (message.type === 'welcome' && sentHello !== undefined) {
        const expected = listenerProof(secret, {
          role,
          listenerNonce: sentHello.listenerNonce,
          clientNonce: nonce,
          clientProof: sentHello.proof,
          workerId: message.workerId,
        });
        if (!proofsEqual(expected, message.proof)) {
          return fail('it could not prove that it holds the shared secret');
        }
        finish();
        setMaxPayload(socket, options.maxPayload ?? MAX_FRAME_BYTES);
        holdMessagesForCaller(socket);
        resolve({ socket, welcome: message });
        return;
      }
      fail(`it sent an unexpected '${message.type}' during the handshake`, ErrorCode.PROTOCOL);
    };
    socket.on('message', onMessage);
    // Stays for the socket's lifetime: an 'error' nobody listens to would crash the process.
    socket.on('error', (error: Error) => {
      if (settled) return;
      finish();
      reject(connectError(url, error as NodeJS.ErrnoException));
    });
    socket.once('close', (code: number, reason: Buffer) => {
      if (settled) return;
      finish();
      const why = reason.length > 0 ? ` (${code}: ${reason.toString()})` : ` (${code})`;
      reject(
        new FlintError(ErrorCode.AUTH, `${url} closed the connection during the handshake${why}.`),
      );
    });
  });
}

/** Certificate problems name the CA to give; anything else is a connection failure. */
function connectError(url: string, error: NodeJS.ErrnoException): FlintError {
  const code = error.code ?? '';
  const isCertificate =
    code.startsWith('ERR_TLS_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
  if (isCertificate) {
    return new FlintError(
      ErrorCode.AUTH,
      `Could not join ${url}: its TLS certificate could not be verified (${error.message}). ` +
        'Give the CA that signed it (--tls-ca FILE, or createContext({ tls: { ca } })), and check ' +
        'that the certificate names the host in the URL.',
      { cause: error },
    );
  }
  return new FlintError(ErrorCode.WORKER_LOST, `Could not connect to ${url}: ${error.message}`, {
    cause: error,
  });
}

/**
 * Holds the frames that arrive between the end of the handshake and the caller's own `message`
 * listener (ws emits every frame of a chunk at once), then replays them to it, in order.
 */
function holdMessagesForCaller(socket: WebSocket): void {
  const held: Array<[RawData, boolean]> = [];
  const hold = (data: RawData, isBinary: boolean) => {
    held.push([data, isBinary]);
  };
  const onNewListener = (event: string | symbol) => {
    if (event !== 'message') return;
    socket.off('newListener', onNewListener);
    socket.off('message', hold);
    if (held.length === 0) return;
    // The caller's listener is added right after this hook; replay once it is in place. No frame
    // can come in between: frames arrive from I/O, and this runs before the next I/O callback.
    queueMicrotask(() => {
      for (const [data, isBinary] of held) socket.emit('message', data, isBinary);
    });
  };
  socket.on('message', hold);
  socket.on('newListener', onNewListener);
}

/** The frame limit of a socket's receiver (ws keeps it in a field it reads for every frame). */
interface ReceiverLimit {
  _receiver?: { _maxPayload?: unknown };
}

function maxPayloadOf(socket: WebSocket): number | undefined {
  const limit = (socket as unknown as ReceiverLimit)._receiver?._maxPayload;
  return typeof limit === 'number' && limit > 0 ? limit : undefined;
}

/**
 * Changes the largest frame a socket accepts. ws takes the limit only at construction, so this
 * sets the field its receiver checks on every frame header; `test/security` and the auth tests
 * check that the limit holds, so a ws release that moves it is caught there.
 */
function setMaxPayload(socket: WebSocket, bytes: number): void {
  const receiver = (socket as unknown as ReceiverLimit)._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

function ignoreError(): void {
  // 'close' follows every 'error', and the close handlers deal with the loss.
}

function closeReason(reason: string): string {
  // A close frame's reason is at most 123 bytes of UTF-8.
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}...`;
}
