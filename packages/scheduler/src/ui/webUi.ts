/**
 * The driver's web UI (Spark's port 4040): jobs, stages, tasks, the DAG, workers and storage,
 * updated live, served with node:http from a store folded from the scheduler's events.
 *
 * Invariants: bound to 127.0.0.1 unless told otherwise, and never to another interface without a
 * secret (DESIGN.md, Security); when bound to loopback it answers only requests addressed to
 * loopback (no DNS rebinding); the kill action needs the secret, compared in constant time; the
 * bus listener is O(1) per task event and does no I/O when no browser is connected.
 */

import { createServer } from 'node:http';
import { ErrorCode, FlintError } from '@flint/worker';
import type { ListenerBus } from '../events.js';
import { AppStatusStore } from './appStatusStore.js';
import { httpUrl, isLoopbackHost, listenWithFallback } from './listen.js';
import { LiveUpdates } from './liveUpdates.js';
import { createSecretCheck } from './secretCheck.js';
import { failRequest, type KillAction, serveUi, type UiRoutes } from './uiHandler.js';

/** A running web UI. */
export interface WebUi {
  /** Where it listens, e.g. `http://127.0.0.1:4040`. */
  readonly url: string;
  /** Stops listening, ends live connections and detaches from the bus. */
  close(): Promise<void>;
}

/** Options of {@link startWebUi}. */
export interface WebUiOptions {
  /** The bus whose events the UI shows; subscribe before the first event is posted. */
  readonly bus: ListenerBus;
  /** The interface to bind; another than loopback needs `secret`. @default '127.0.0.1' */
  readonly host?: string;
  /** The preferred port; when taken the next 16 are tried; 0 picks any. @default 4040 */
  readonly port?: number;
  /** The name shown until the applicationStart event names the application. */
  readonly appName?: string;
  /** The shared secret; it enables the kill action and binding beyond loopback. */
  readonly secret?: string;
  /** Kills a running job; called after `POST /jobs/:id/kill` presented the secret. */
  onKillJob?(jobId: number): void;
}

/** The default port of the driver's UI, as in Spark. */
export const DEFAULT_UI_PORT = 4040;

/** Starts the web UI on `options.bus` and resolves once it listens. */
export async function startWebUi(options: WebUiOptions): Promise<WebUi> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  const hasSecret = options.secret !== undefined && options.secret !== '';
  if (!loopback && !hasSecret) {
    throw new FlintError(
      ErrorCode.AUTH,
      `Refusing to serve the web UI on ${host} without a secret: anyone who can reach it would ` +
        'see your jobs. Pass a secret (createContext({ secret })) or keep the default host 127.0.0.1.',
    );
  }
  const store = new AppStatusStore();
  if (options.appName !== undefined) store.application.appName = options.appName;
  const live = new LiveUpdates(() => store.version);
  const onKillJob = options.onKillJob;
  const kill: KillAction | undefined =
    hasSecret && onKillJob !== undefined
      ? { check: createSecretCheck(options.secret), onKillJob: (jobId) => onKillJob(jobId) }
      : undefined;
  const routes: UiRoutes = { store, base: '', live, ...(kill === undefined ? {} : { kill }) };

  // Listen to the bus at once, not after binding: events posted meanwhile are not lost.
  const removeListener = options.bus.addListener((event) => {
    store.apply(event);
    live.notify();
  });
  const server = createServer((req, res) => {
    serveUi(routes, loopback, req, res).catch((error: unknown) => failRequest(res, error));
  });
  // Bounds how long a client may take to send its request; responses (event streams) are free.
  server.requestTimeout = 30_000;
  let port: number;
  try {
    port = await listenWithFallback(server, host, options.port ?? DEFAULT_UI_PORT);
  } catch (error) {
    removeListener();
    live.close();
    throw new FlintError(ErrorCode.CONTEXT, `Could not start the web UI: ${describe(error)}`, {
      cause: error,
    });
  }

  let closing: Promise<void> | undefined;
  return {
    url: httpUrl(host, port),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        removeListener();
        live.close();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
