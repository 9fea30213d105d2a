/**
 * The routes of one application's UI, shared by the live UI and the history server:
 *
 * - `GET /jobs`, `/jobs/:id`, `/stages`, `/stages/:id[?attempt=n]`, `/workers`, `/storage`: pages
 * - `GET /api/state`: the store as JSON
 * - `GET /events`: the live event stream (live UI only)
 * - `POST /jobs/:id/kill`: kill a running job; needs the secret as a Bearer token or form field
 *
 * Paths are relative to `base`. Nothing here logs request bodies or headers, so a presented
 * secret never reaches a log, and no response repeats it.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppStatusStore } from './appStatusStore.js';
import { isAllowedHostHeader } from './listen.js';
import type { LiveUpdates } from './liveUpdates.js';
import type { Page, PageContext } from './page.js';
import { renderJobPage } from './pages/jobPage.js';
import { renderJobsPage } from './pages/jobsPage.js';
import { renderNotFound } from './pages/notFoundPage.js';
import { renderStagePage } from './pages/stagePage.js';
import { renderStagesPage } from './pages/stagesPage.js';
import { renderStoragePage } from './pages/storagePage.js';
import { renderWorkersPage } from './pages/workersPage.js';
import { redirect, sendJson, sendPage, sendText } from './respond.js';
import { bearerToken, type SecretCheck } from './secretCheck.js';
import { appStateJson } from './stateJson.js';

/** The kill action, present only when both a secret and a kill handler are configured. */
export interface KillAction {
  readonly check: SecretCheck;
  readonly onKillJob: (jobId: number) => void;
}

/** What one application's routes serve. */
export interface UiRoutes {
  readonly store: AppStatusStore;
  /** The path prefix of this application: `''` live, `/history/<app>` in the history server. */
  readonly base: string;
  readonly live?: LiveUpdates;
  readonly kill?: KillAction;
  readonly historyIndexUrl?: string;
}

/** A form body larger than this is refused: the only form field is the secret. */
const MAX_FORM_BYTES = 8 * 1024;

/** Answers a request whose path (below `routes.base`) is `path`. */
export async function handleUiRequest(
  routes: UiRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const { base } = routes;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/').filter((segment) => segment !== '');
  const method = req.method ?? 'GET';

  const killMatch = segments.length === 3 && segments[0] === 'jobs' && segments[2] === 'kill';
  if (killMatch) {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return handleKill(routes, req, res, parseId(segments[1]));
  }
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');

  if (segments.length === 0) return redirect(res, 302, `${base}/jobs`);
  if (trimmed === '/api/state') return sendJson(res, 200, appStateJson(routes.store));
  if (trimmed === '/events') {
    if (routes.live === undefined) return sendText(res, 404, 'This UI has no live updates.');
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    return routes.live.connect(req, res);
  }
  const context: PageContext = {
    store: routes.store,
    base,
    killEnabled: routes.kill !== undefined,
    query,
  };
  sendPage(req, res, route(context, segments), {
    base,
    appName: routes.store.application.appName,
    eventsUrl: routes.live === undefined ? undefined : `${base}/events`,
    ...(routes.historyIndexUrl === undefined ? {} : { historyIndexUrl: routes.historyIndexUrl }),
  });
}

function route(context: PageContext, segments: readonly string[]): Page {
  const [section, id, ...rest] = segments;
  if (rest.length > 0) return renderNotFound(context, 'There is no such page.');
  const numericId = parseId(id);
  switch (section) {
    case 'jobs':
      if (id === undefined) return renderJobsPage(context);
      return numericId === undefined
        ? renderNotFound(context, 'A job id is a number.', 'jobs')
        : renderJobPage(context, numericId);
    case 'stages':
      if (id === undefined) return renderStagesPage(context);
      return numericId === undefined
        ? renderNotFound(context, 'A stage id is a number.', 'stages')
        : renderStagePage(context, numericId);
    case 'workers':
      return id === undefined
        ? renderWorkersPage(context)
        : renderNotFound(context, 'There is no such page.');
    case 'storage':
      return id === undefined
        ? renderStoragePage(context)
        : renderNotFound(context, 'There is no such page.');
    default:
      return renderNotFound(context, 'There is no such page.');
  }
}

/**
 * `POST /jobs/:id/kill`. The secret is checked before anything else, including whether the job
 * exists. A form post is answered with a redirect back to the job page, an API call with JSON.
 */
async function handleKill(
  routes: UiRoutes,
  req: IncomingMessage,
  res: ServerResponse,
  jobId: number | undefined,
): Promise<void> {
  const isForm = (req.headers['content-type'] ?? '').startsWith(
    'application/x-www-form-urlencoded',
  );
  let candidate = bearerToken(req.headers.authorization);
  if (candidate === undefined && isForm) {
    const body = await readBody(req, MAX_FORM_BYTES);
    if (body === undefined) return sendText(res, 413, 'The form is too large.');
    candidate = new URLSearchParams(body).get('secret') ?? undefined;
  }
  if (routes.kill === undefined) {
    return sendText(res, 403, 'Killing jobs is disabled: the UI was started without a secret.');
  }
  if (!routes.kill.check(candidate)) {
    return sendText(res, 403, 'Wrong or missing secret: the job was not killed.');
  }
  const job = jobId === undefined ? undefined : routes.store.jobs.get(jobId);
  if (jobId === undefined || job === undefined) return sendText(res, 404, 'There is no such job.');
  if (job.status !== 'running') {
    return sendText(res, 409, `Job ${jobId} is not running (it ${job.status}).`);
  }
  routes.kill.onKillJob(jobId);
  if (isForm) return redirect(res, 303, `${routes.base}/jobs/${jobId}?kill=requested`);
  sendJson(res, 202, { jobId, kill: 'requested' });
}

/** The request body as text, or undefined past `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks the Host header, then routes a request to {@link handleUiRequest}. */
export async function serveUi(
  routes: UiRoutes,
  boundToLoopback: boolean,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!isAllowedHostHeader(req.headers.host, boundToLoopback)) {
    return sendText(res, 403, 'This UI answers only requests addressed to 127.0.0.1 or localhost.');
  }
  const url = new URL(req.url ?? '/', 'http://ui.invalid');
  await handleUiRequest(routes, req, res, url.pathname, url.searchParams);
}

/** A request that threw: answer 500 without details (they could hold user data) and warn once. */
export function failRequest(res: ServerResponse, error: unknown): void {
  process.emitWarning(`The Flint web UI failed to answer a request: ${describe(error)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendText(res, 500, 'The Flint web UI failed to render this page; see the driver’s warnings.');
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendText(res, 405, `Use ${allow}.`, { allow });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}
