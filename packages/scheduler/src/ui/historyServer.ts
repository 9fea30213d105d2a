/**
 * The history server (`flint history DIR`, Spark's port 18080): the same pages as the live UI for
 * finished applications, rebuilt by replaying their event logs into an {@link AppStatusStore}.
 *
 * Given a file it serves that application at `/`. Given a directory it lists the logs in it at `/`
 * and serves each at `/history/<appId>/`. A log is replayed on first view and again when the file
 * changed (an application still running); a few replayed stores are kept.
 */

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode, FlintError } from '@flint/worker';
import { EVENT_LOG_EXTENSION, readEventLog } from '../eventLog.js';
import { AppStatusStore } from './appStatusStore.js';
import { numCell, tableSection, timeCell } from './components.js';
import { formatBytes, formatTime } from './format.js';
import { html } from './html.js';
import { httpUrl, isAllowedHostHeader, isLoopbackHost, listenWithFallback } from './listen.js';
import { sendJson, sendPage, sendText } from './respond.js';
import { failRequest, handleUiRequest } from './uiHandler.js';
import type { WebUi } from './webUi.js';

/** Options of {@link serveHistory}. */
export interface HistoryServerOptions {
  /** An event log (`<appId>.jsonl`) or a directory of them. */
  readonly path: string;
  /** The interface to bind. The history UI is read-only: it has no kill action. @default '127.0.0.1' */
  readonly host?: string;
  /** The preferred port; when taken the next 16 are tried; 0 picks any. @default 18080 */
  readonly port?: number;
}

/** The default port of the history server, as in Spark. */
export const DEFAULT_HISTORY_PORT = 18_080;

/** Replayed stores kept in memory; older ones are replayed again when viewed. */
const CACHED_STORES = 4;

interface CachedStore {
  readonly mtimeMs: number;
  readonly size: number;
  readonly store: AppStatusStore;
}

/** A summary of one log for the index page, from its first line. */
interface LogSummary {
  readonly name: string;
  readonly appName: string | undefined;
  readonly startTime: number | undefined;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Serves the event log(s) at `options.path` and resolves once listening. */
export async function serveHistory(options: HistoryServerOptions): Promise<WebUi> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(options.path)).isDirectory();
  } catch (error) {
    throw new FlintError(
      ErrorCode.IO,
      `Cannot read event logs at ${options.path}: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
  const stores = new Map<string, CachedStore>();
  const loadStore = async (file: string): Promise<AppStatusStore> => {
    const info = await stat(file);
    const cached = stores.get(file);
    stores.delete(file);
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      stores.set(file, cached); // most recently used last
      return cached.store;
    }
    const store = new AppStatusStore({ live: false });
    for (const event of await readEventLog(file)) store.apply(event);
    store.application.appName ??= basename(file, EVENT_LOG_EXTENSION);
    stores.set(file, { mtimeMs: info.mtimeMs, size: info.size, store });
    for (const key of stores.keys()) {
      if (stores.size <= CACHED_STORES) break;
      stores.delete(key);
    }
    return store;
  };
  // Fail at start, not at the first page view, when the one log given cannot be read.
  if (!isDirectory) await loadStore(options.path);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isAllowedHostHeader(req.headers.host, loopback)) {
      return sendText(
        res,
        403,
        'This UI answers only requests addressed to 127.0.0.1 or localhost.',
      );
    }
    const url = new URL(req.url ?? '/', 'http://history.invalid');
    if (!isDirectory) {
      const store = await loadStore(options.path);
      return handleUiRequest({ store, base: '' }, req, res, url.pathname, url.searchParams);
    }
    if (url.pathname === '/' || url.pathname === '/api/apps') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendText(res, 405, 'Use GET, HEAD.', { allow: 'GET, HEAD' });
      }
      const logs = await listLogs(options.path);
      if (url.pathname === '/api/apps') return sendJson(res, 200, logs);
      return sendIndex(req, res, logs);
    }
    const match = /^\/history\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const name = match?.[1] === undefined ? undefined : safeDecode(match[1]);
    // Only plain file names (application ids) are looked up: a path can never leave the dir.
    const file =
      name === undefined || !isLogName(name)
        ? undefined
        : join(options.path, name + EVENT_LOG_EXTENSION);
    if (match === null || name === undefined || file === undefined || !(await isFile(file))) {
      return sendText(res, 404, 'There is no such application.');
    }
    const store = await loadStore(file);
    const base = `/history/${encodeURIComponent(name)}`;
    return handleUiRequest(
      { store, base, historyIndexUrl: '/' },
      req,
      res,
      match[2] ?? '/',
      url.searchParams,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => failRequest(res, error));
  });
  // Bounds how long a client may take to send its request.
  server.requestTimeout = 30_000;
  let port: number;
  try {
    port = await listenWithFallback(server, host, options.port ?? DEFAULT_HISTORY_PORT);
  } catch (error) {
    throw new FlintError(
      ErrorCode.CONTEXT,
      `Could not start the history server: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
  let closing: Promise<void> | undefined;
  return {
    url: httpUrl(host, port),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The logs in `dir`, newest first, each summarised from its first line. */
async function listLogs(dir: string): Promise<LogSummary[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const logs = await Promise.all(
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(EVENT_LOG_EXTENSION))
      .map(async (entry): Promise<LogSummary> => {
        const file = join(dir, entry.name);
        const [info, first] = await Promise.all([stat(file), readFirstLine(file)]);
        const start = parseApplicationStart(first);
        return {
          name: entry.name.slice(0, -EVENT_LOG_EXTENSION.length),
          appName: start?.appName,
          startTime: start?.time,
          size: info.size,
          mtimeMs: info.mtimeMs,
        };
      }),
  );
  return logs.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

function sendIndex(req: IncomingMessage, res: ServerResponse, logs: readonly LogSummary[]): void {
  const rows = logs.map(
    (log) =>
      html`<tr><th scope="row"><a href="/history/${encodeURIComponent(log.name)}/jobs">${log.appName ?? log.name}</a></th><td><code>${log.name}</code></td>${timeCell(formatTime(log.startTime), log.startTime)}${timeCell(formatTime(log.mtimeMs), log.mtimeMs)}${numCell(formatBytes(log.size))}</tr>`,
  );
  const body = html`<h1>Applications</h1>
${tableSection(
  'applications',
  `Event logs (${logs.length})`,
  [
    { label: 'Application' },
    { label: 'Application id' },
    { label: 'Started' },
    { label: 'Last written' },
    { label: 'Log size', numeric: true },
  ],
  rows,
  'No event log here. Run an application with createContext({ eventLog: DIR }) first.',
)}`;
  sendPage(
    req,
    res,
    { title: 'Applications', section: undefined, body },
    {
      base: undefined,
      appName: 'Flint history',
      eventsUrl: undefined,
    },
  );
}

async function readFirstLine(file: string): Promise<string | undefined> {
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
    input.destroy();
  }
}

function parseApplicationStart(
  line: string | undefined,
): { appName: string; time: number } | undefined {
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line) as { type?: unknown; appName?: unknown; time?: unknown };
    if (value.type !== 'applicationStart') return undefined;
    if (typeof value.appName !== 'string' || typeof value.time !== 'number') return undefined;
    return { appName: value.appName, time: value.time };
  } catch {
    // A log whose first line is torn is still listed, by its file name.
    return undefined;
  }
}

/** Application ids as EventLogWriter accepts them. */
function isLogName(name: string): boolean {
  return /^[\w.-]+$/.test(name) && !name.startsWith('.');
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    // Missing or unreadable: not a log we can serve.
    return false;
  }
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape names no log.
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
