/**
 * Opens a Flint endpoint: an HTTP or HTTPS server with a WebSocket server on it, bound to
 * 127.0.0.1 unless told otherwise, and the policy `acceptPeer` applies to every socket it accepts
 * (which roles may connect, the frame limit once authenticated, the handshake deadline, and the
 * throttle that slows down addresses that keep failing).
 *
 * Invariants: a listener beyond loopback has a secret (checked before anything binds); before a
 * peer is authenticated its frames are limited to `MAX_HANDSHAKE_FRAME_BYTES`; closing the
 * WebSocket server closes the HTTP(S) server under it.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import { MAX_HANDSHAKE_FRAME_BYTES, type PeerRole } from '../protocol.js';
import { AuthThrottle, type AuthThrottleOptions } from './authThrottle.js';
import { checkBind, DEFAULT_HOST } from './bindPolicy.js';
import { hasServerTls, serverTlsOptions, type TlsOptions } from './tls.js';

/** How long a peer has to complete the handshake once challenged, in ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Handshakes in progress at once per listener; more are turned away until some finish. */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 128;
/** How long a closing peer may take to answer the close frame before it is cut off, in ms. */
const CLOSE_TIMEOUT_MS = 2_000;
/** How long a client may take to send its upgrade request, in ms (no slow-loris). */
const REQUEST_TIMEOUT_MS = 10_000;

/** How to open a Flint endpoint. */
export interface ListenOptions {
  /** The shared secret peers must prove. Required beyond loopback, and at least 16 characters. */
  readonly secret: string;
  /** Which roles may connect here, e.g. `['worker']` for a driver. */
  readonly roles: readonly PeerRole[];
  /** The largest frame accepted once a peer is authenticated. */
  readonly maxPayload: number;
  /** Interface to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Host name peers use in the URL. @default host */
  readonly advertiseHost?: string;
  /** A certificate and key make this a `wss://` endpoint. */
  readonly tls?: TlsOptions;
  /** @default 10000 */
  readonly handshakeTimeoutMs?: number;
  /** @default 128 */
  readonly maxPendingHandshakes?: number;
  /** How failed handshakes slow an address down (see AuthThrottle). */
  readonly throttle?: AuthThrottleOptions;
  /** Named in errors, e.g. 'The driver endpoint'. @default 'A Flint endpoint' */
  readonly what?: string;
}

/** What `acceptPeer` enforces on a socket a Flint listener accepted. */
export interface ListenerPolicy {
  readonly roles: ReadonlySet<PeerRole>;
  readonly maxPayload: number;
  readonly handshakeTimeoutMs: number;
  readonly maxPendingHandshakes: number;
  readonly throttle: AuthThrottle;
  /** Handshakes in progress now. */
  pendingHandshakes: number;
}

/** A socket's listener policy and the address it came from. */
export interface AcceptedSocket {
  readonly policy: ListenerPolicy;
  readonly remoteAddress: string;
}

const acceptedSockets = new WeakMap<WebSocket, AcceptedSocket>();

/** The policy of the listener that accepted `socket`, if a Flint listener did. */
export function acceptedSocketOf(socket: WebSocket): AcceptedSocket | undefined {
  return acceptedSockets.get(socket);
}

/** An open endpoint: its WebSocket server (closing it closes everything) and its URL. */
export interface Listener {
  readonly server: WebSocketServer;
  /** e.g. `ws://127.0.0.1:40123`, or `wss://...` with TLS. */
  readonly url: string;
}

/** A WebSocket server that stops its HTTP(S) server from listening as soon as it is closed. */
class FlintWebSocketServer extends WebSocketServer {
  readonly #httpServer: Server;

  constructor(httpServer: Server, options: ServerOptions) {
    super({ ...options, server: httpServer });
    this.#httpServer = httpServer;
  }

  override close(callback?: (error?: Error) => void): void {
    super.close(callback);
    // Upgraded sockets are the WebSocket server's to close; these are plain HTTP requests.
    this.#httpServer.close();
    this.#httpServer.closeAllConnections();
  }
}

/** Opens an endpoint. Rejects before binding when the host and secret are not safe together. */
export async function listen(options: ListenOptions): Promise<Listener> {
  const host = options.host ?? DEFAULT_HOST;
  checkBind(host, options.secret, options.what ?? 'A Flint endpoint');
  const tls = serverTlsOptions(options.tls);
  const refuseHttp: Parameters<typeof createHttpServer>[1] = (_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' });
    response.end('This is a Flint endpoint: it speaks WebSocket only.\n');
  };
  const httpServer: Server = tls
    ? createHttpsServer({ ...tls, handshakeTimeout: REQUEST_TIMEOUT_MS }, refuseHttp)
    : createHttpServer(refuseHttp);
  httpServer.headersTimeout = REQUEST_TIMEOUT_MS;
  httpServer.requestTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  // `closeTimeout` is newer than @types/ws (an older ws ignores it: closeForViolation cuts off too).
  const serverOptions: ServerOptions & { closeTimeout: number } = {
    // Raised per socket by acceptPeer once its peer is authenticated.
    maxPayload: MAX_HANDSHAKE_FRAME_BYTES,
    perMessageDeflate: false,
    closeTimeout: CLOSE_TIMEOUT_MS,
  };
  const server = new FlintWebSocketServer(httpServer, serverOptions);
  const policy: ListenerPolicy = {
    roles: new Set(options.roles),
    maxPayload: options.maxPayload,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    maxPendingHandshakes: options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES,
    throttle: new AuthThrottle(options.throttle),
    pendingHandshakes: 0,
  };
  // Registered before any caller's listener, so acceptPeer always finds the policy.
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    acceptedSockets.set(socket, {
      policy,
      remoteAddress: request.socket.remoteAddress ?? 'unknown',
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const advertised = options.advertiseHost ?? host;
  const urlHost = advertised.includes(':') ? `[${advertised}]` : advertised;
  return { server, url: `${hasServerTls(options.tls) ? 'wss' : 'ws'}://${urlHost}:${port}` };
}
