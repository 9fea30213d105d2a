/**
 * The demo page's HTTP server: the page at `/`, its live updates as Server-Sent Events at
 * `/events`, and the snapshot as JSON at `/state.json`.
 *
 * Invariants: bound to 127.0.0.1 unless told otherwise, and answering only requests addressed to
 * loopback there (no DNS rebinding); nothing is rendered while no browser is connected; a
 * connected browser gets at most one update per {@link UPDATE_INTERVAL_MS}, whatever the rate
 * of changes.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { EVENTS_PATH, renderDocument, renderRegions } from './demoPage.js';
import type { DemoState } from './demoState.js';

/** The shortest time between two updates sent to a browser, in milliseconds. */
export const UPDATE_INTERVAL_MS = 150;
/** When the port asked for is taken, this many after it are tried, as Flint's web UI does. */
const PORT_RETRIES = 16;
/** Browsers served at once; more are refused, so a runaway client cannot exhaust the demo. */
const MAX_CLIENTS = 16;

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  readonly state: DemoState;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The port; when taken, the next free one of the 16 after it; 0 picks any. @default 0 */
  readonly port?: number;
}

/** The running page server. */
export interface DemoServer {
  /** Where the page is, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** Sends the current state to every browser now, then lets the event loop write it out. */
  flush(): Promise<void>;
  /** Ends the event streams and stops listening. */
  close(): Promise<void>;
}

/** Serves the page of `options.state` and resolves once listening. */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { state } = options;
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let sentVersion = -1;

  const send = (): void => {
    timer = undefined;
    lastSentAt = Date.now();
    if (clients.size === 0 || state.version === sentVersion) return;
    sentVersion = state.version;
    const message = stateMessage(state);
    for (const client of clients) {
      // A browser too slow to read its stream is dropped rather than buffered without bound.
      if (client.writableLength > 1024 * 1024) {
        client.destroy();
        clients.delete(client);
      } else {
        client.write(message);
      }
    }
  };
  const stopListening = state.onChange(() => {
    if (clients.size === 0 || timer !== undefined) return;
    timer = setTimeout(send, Math.max(0, lastSentAt + UPDATE_INTERVAL_MS - Date.now()));
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (loopback && !isLoopbackHostHeader(req.headers.host)) {
      sendText(res, 403, 'This page answers only requests addressed to 127.0.0.1.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Use GET.', { allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
    if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      res.writeHead(200, {
        ...BASE_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; ` +
          "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      });
      res.end(req.method === 'HEAD' ? undefined : renderDocument(state.snapshot(), nonce));
      return;
    }
    if (path === '/state.json') {
      res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(state.snapshot()));
      return;
    }
    if (path === EVENTS_PATH) {
      if (clients.size >= MAX_CLIENTS) {
        sendText(res, 503, 'Too many pages open; close one and reload.', { 'retry-after': '5' });
        return;
      }
      res.writeHead(200, {
        ...BASE_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        connection: 'keep-alive',
      });
      // The first message is the whole state, so a page that reconnects catches up at once.
      res.write(`retry: 2000\n${stateMessage(state)}`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    sendText(res, 404, 'Not found: the demo page is at /.');
  };

  const server = createServer(handle);
  server.requestTimeout = 30_000;
  let port: number;
  try {
    port = await listenWithFallback(server, host, options.port ?? 0);
  } catch (error) {
    stopListening();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`,
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      send();
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        stopListening();
        if (timer !== undefined) clearTimeout(timer);
        for (const client of clients) client.end();
        clients.clear();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** One event-stream message carrying every region's markup. */
function stateMessage(state: DemoState): string {
  const snapshot = state.snapshot();
  const data = JSON.stringify({
    version: snapshot.version,
    phase: snapshot.phase,
    regions: renderRegions(snapshot),
  });
  return `event: state\ndata: ${data}\n\n`;
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    ...headers,
  });
  res.end(`${text}\n`);
}

/** Listens on `port` or the next free of the {@link PORT_RETRIES} after it; 0 picks any. */
async function listenWithFallback(server: Server, host: string, port: number): Promise<number> {
  const last = port === 0 ? 0 : Math.min(port + PORT_RETRIES, 65_535);
  for (let candidate = port; ; candidate++) {
    try {
      return await listenOnce(server, host, candidate);
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || candidate >= last) {
        throw new Error(
          inUse
            ? `Ports ${port} to ${last} on ${host} are all in use: choose another with --ui-port, or --ui-port 0 for any free port.`
            : `Could not serve the demo page on ${host}:${candidate}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }
}

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** A page on another site could reach a loopback server under its own name; refuse that. */
function isLoopbackHostHeader(header: string | undefined): boolean {
  if (header === undefined) return true;
  const name = header.startsWith('[')
    ? header.slice(0, header.indexOf(']') + 1)
    : (header.split(':')[0] ?? '');
  return isLoopback(name);
}
