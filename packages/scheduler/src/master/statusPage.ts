/**
 * The master's status page, Spark's master UI in small: its workers (alive or lost, cores used,
 * memory, executors) and its applications (waiting, running, finished). `/json` serves the same as
 * JSON for scripts and tests. It has no forms, so it needs no secret, but like every Flint server it
 * binds to 127.0.0.1 unless told otherwise.
 */
import { createServer, type Server } from 'node:http';
import { statusBadge, tableSection } from '../ui/components.js';
import { formatBytes, formatDuration } from '../ui/format.js';
import { html } from '../ui/html.js';
import { listenWithFallback } from '../ui/listen.js';
import { sendJson, sendPage, sendText } from '../ui/respond.js';
import type { Master, MasterStatus } from './master.js';

/** Spark's master UI port. */
export const DEFAULT_MASTER_UI_PORT = 8080;

/** The running status page. */
export interface MasterStatusPage {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the status page of `master` on `host:port` (the next free port when taken). */
export async function startMasterStatusPage(
  master: Master,
  host = '127.0.0.1',
  port = DEFAULT_MASTER_UI_PORT,
): Promise<MasterStatusPage> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET') return sendText(res, 405, 'Method not allowed.', { allow: 'GET' });
    if (path === '/json') return sendJson(res, 200, master.status());
    if (path !== '/') return sendText(res, 404, 'Not found: the status page is at /.');
    sendPage(
      req,
      res,
      { title: 'Master', section: undefined, body: renderStatus(master.status()) },
      { base: undefined, appName: `Master at ${master.url}`, eventsUrl: undefined },
    );
  });
  const bound = await listenWithFallback(server, host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function renderStatus(status: MasterStatus): ReturnType<typeof html> {
  const alive = status.workers.filter((w) => w.state === 'alive');
  const cores = alive.reduce((sum, w) => sum + w.cores, 0);
  const used = alive.reduce((sum, w) => sum + w.coresUsed, 0);
  const now = Date.now();
  const workers = status.workers.map(
    (w) =>
      html`<tr><th scope="row">${w.id}</th><td>${w.host}</td><td>${statusBadge(w.state === 'alive' ? 'active' : 'failed', w.state)}</td><td class="num">${w.coresUsed} / ${w.cores}</td><td class="num">${formatBytes(w.memoryBytes)}</td><td class="num">${w.executors}</td></tr>`,
  );
  const applications = status.applications.map(
    (app) =>
      html`<tr><th scope="row">${app.id}</th><td>${app.name}</td><td>${statusBadge(app.state === 'finished' ? 'complete' : app.state === 'running' ? 'active' : 'pending', app.state)}</td><td class="num">${app.cores}${app.maxCores === undefined ? '' : ` / ${app.maxCores}`}</td><td>${app.driverUrl}</td><td class="num">${formatDuration((app.endedAt ?? now) - app.submittedAt)}</td></tr>`,
  );
  return html`<h1>Flint master</h1>
<dl class="summary"><dt>URL</dt><dd>${status.url}</dd><dt>Scheduling</dt><dd>${status.scheduling}</dd>
<dt>Workers alive</dt><dd>${alive.length}</dd><dt>Cores in use</dt><dd>${used} / ${cores}</dd></dl>
${tableSection(
  'workers',
  'Workers',
  [
    { label: 'Worker' },
    { label: 'Host' },
    { label: 'State' },
    { label: 'Cores used', numeric: true },
    { label: 'Memory', numeric: true },
    { label: 'Executors', numeric: true },
  ],
  workers,
  'No worker has registered yet. Start one with: flint worker --master URL',
)}
${tableSection(
  'applications',
  'Applications',
  [
    { label: 'Application' },
    { label: 'Name' },
    { label: 'State' },
    { label: 'Cores', numeric: true },
    { label: 'Driver' },
    { label: 'Duration', numeric: true },
  ],
  applications,
  'No application yet. Attach one with createContext({ master }).',
)}`;
}
