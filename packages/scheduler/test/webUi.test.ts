import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListenerBus, type SchedulerEvent } from '../src/events.js';
import { AppStatusStore } from '../src/ui/appStatusStore.js';
import { serveHistory } from '../src/ui/historyServer.js';
import { LiveUpdates } from '../src/ui/liveUpdates.js';
import type { AppStateJson } from '../src/ui/stateJson.js';
import { startWebUi, type WebUi, type WebUiOptions } from '../src/ui/webUi.js';
import {
  FATAL_ERROR,
  RETRIED_ERROR,
  runningJobEvents,
  syntheticApp,
} from './fixtures/syntheticApp.js';

const SECRET = 'correct horse battery staple';

const opened: { close(): Promise<void> | void }[] = [];
const requests: ClientRequest[] = [];

afterEach(async () => {
  for (const req of requests.splice(0)) req.destroy();
  await Promise.allSettled(opened.splice(0).map((resource) => resource.close()));
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function startApp(options: Partial<WebUiOptions> = {}) {
  const bus = new ListenerBus();
  const kills: number[] = [];
  const ui = await startWebUi({
    bus,
    port: 0,
    secret: SECRET,
    onKillJob: (jobId) => kills.push(jobId),
    ...options,
  });
  opened.push(ui);
  for (const event of syntheticApp()) bus.post(event);
  return { bus, ui, kills };
}

async function get(ui: WebUi, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(ui.url + path, { headers, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function post(
  ui: WebUi,
  path: string,
  init: { headers?: Record<string, string>; body?: string },
) {
  const response = await fetch(ui.url + path, { method: 'POST', redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
}

/** The markup of the table section whose heading has this id. */
function section(text: string, id: string): string {
  const start = text.indexOf(`<section aria-labelledby="${id}">`);
  expect(start).toBeGreaterThanOrEqual(0);
  return text.slice(start, text.indexOf('</section>', start));
}

/** A raw request, to set headers fetch will not (Host) and read streams. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, resolve);
    requests.push(req);
    req.on('error', reject);
    req.end();
  });
}

describe('startWebUi over HTTP', () => {
  it('serves the state as JSON: 2 jobs, 3 stages, 10 task attempts, 2 workers, 4 blocks', async () => {
    const { ui } = await startApp();
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await get(ui, '/api/state');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const state = JSON.parse(response.text) as AppStateJson;
    expect(state.application).toMatchObject({ appId: 'app-test-0001', appName: 'M&M count' });
    expect(state.jobs.map((job) => [job.jobId, job.status])).toEqual([
      [0, 'succeeded'],
      [1, 'failed'],
    ]);
    expect(state.jobs[0]?.counts).toEqual({ active: 0, succeeded: 6, failed: 1, killed: 0 });
    expect(state.jobs[1]?.error).toContain(FATAL_ERROR);
    expect(state.stages.map((stage) => [stage.stageId, stage.status, stage.tasks.length])).toEqual([
      [0, 'complete', 5],
      [1, 'complete', 2],
      [2, 'failed', 3],
    ]);
    expect(state.workers.map((worker) => [worker.workerId, worker.isAlive, worker.cores])).toEqual([
      ['w1', true, 2],
      ['w2', true, 2],
    ]);
    expect(state.blocks).toHaveLength(4);
  });

  it('lists jobs by status with durations, stage counts and task progress', async () => {
    const { ui } = await startApp();
    const { status, headers, text } = await get(ui, '/jobs');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(count(text, /<tr data-job-id=/)).toBe(2);
    expect(section(text, 'running-jobs')).toContain('No job is running.');
    const succeeded = section(text, 'succeeded-jobs');
    expect(succeeded).toContain('<a href="/jobs/0">Job 0</a>');
    expect(succeeded).toContain('500 ms');
    expect(succeeded).toContain('<td>2/2</td>');
    expect(succeeded).toContain('6/6 (1 failed)');
    const failed = section(text, 'failed-jobs');
    expect(failed).toContain('<a href="/jobs/1">Job 1</a>');
    expect(failed).toContain('0/1 (1 failed)');
    // The page is a proper document: language, landmarks, labelled navigation, a skip link.
    expect(text).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(text).toContain('<a class="skip" href="#main">');
    expect(text).toContain('<nav aria-label="Sections">');
    expect(text).toContain('<a href="/jobs" aria-current="page">Jobs</a>');
    expect(text).toContain('<main id="main"');
    expect(text).toContain('<th scope="col">Job</th>');
    // Only this response's nonce may run the inline script and style; nothing else loads.
    const csp = headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(text).toContain(`<script nonce="${nonce}">`);
    expect(text).not.toMatch(/<(link|script|img)[^>]+(src|href)="https?:/);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('draws the job DAG with its stage boundary and the shuffle crossing it', async () => {
    const { ui } = await startApp();
    const { status, text } = await get(ui, '/jobs/0');
    expect(status).toBe(200);
    expect(count(text, /<g class="stage /)).toBe(2);
    expect(text).toContain(
      '<g class="stage st-complete" data-stage-id="0" data-kind="ShuffleMapStage">',
    );
    expect(text).toContain(
      '<g class="stage st-complete" data-stage-id="1" data-kind="ResultStage">',
    );
    // Exactly one shuffle edge, leaving stage 0's box and entering stage 1's.
    expect(count(text, /class="edge shuffle"/)).toBe(1);
    expect(text).toContain(
      'class="edge shuffle" data-from-stage="0" data-to-stage="1" data-from-node="1" data-to-node="2"',
    );
    // Narrow dependencies stay inside their stage.
    expect(text).toContain(
      'class="edge" data-from-stage="0" data-to-stage="0" data-from-node="0" data-to-node="1"',
    );
    expect(text).toContain(
      'class="edge" data-from-stage="1" data-to-stage="1" data-from-node="2" data-to-node="3"',
    );
    expect(text).toContain('<g class="node cached" data-node-id="1">');
    expect(text).toContain(
      '<a href="/stages/0" aria-label="Stage 0, ShuffleMapStage, succeeded: open the stage">',
    );
    expect(/<desc id="dag-0-desc">([^<]*)<\/desc>/.exec(text)?.[1]).toMatchInlineSnapshot(
      `"Stage 0 (ShuffleMapStage, succeeded): parallelize (mm.ts:8:20) #0, map (mm.ts:9:6) #1. Stage 1 (ResultStage, succeeded): reduceByKey (mm.ts:10:6) #2, mapValues (mm.ts:11:6) #3. Shuffle from map (mm.ts:9:6) #1 in stage 0 to reduceByKey (mm.ts:10:6) #2 in stage 1."`,
    );
    expect(count(section(text, 'job-stages'), /<tr data-stage-id=/)).toBe(2);
  });

  it("shows a failed job's error and its failed stage's reason", async () => {
    const { ui } = await startApp();
    const job = await get(ui, '/jobs/1');
    expect(job.text).toContain('<span class="badge st-failed">failed</span>');
    expect(section(job.text, 'job-error')).toContain(FATAL_ERROR.replaceAll("'", '&#39;'));
    const stages = await get(ui, '/stages');
    expect(count(section(stages.text, 'complete-stages'), /<tr data-stage-id=/)).toBe(2);
    const failed = section(stages.text, 'failed-stages');
    expect(count(failed, /<tr data-stage-id=/)).toBe(1);
    expect(failed).toContain('Task 0 in stage 2 failed 2 times');
  });

  it("lists a stage's tasks with metrics, and the failed attempt's error and stack", async () => {
    const { ui } = await startApp();
    const { text } = await get(ui, '/stages/0');
    const tasks = section(text, 'tasks');
    expect(count(tasks, /<tr data-task-id=/)).toBe(5);
    expect(count(tasks, /data-status="success"/)).toBe(4);
    const failedRow =
      /<tr data-task-id="2" data-status="failed">[\s\S]*?<\/tr>/.exec(tasks)?.[0] ?? '';
    // Escaped, never raw markup.
    expect(failedRow).toContain('Boom: a blue M&amp;M &lt;landed&gt; in the red pile');
    expect(text).not.toContain(RETRIED_ERROR);
    expect(failedRow).toContain(
      '<details id="stack-2"><summary>Stack trace</summary><pre>Error: Boom',
    );
    expect(failedRow).toContain('at map (mm.ts:9:20)');
    expect(tasks).toContain('<td class="num">2,500 / 250</td>');
    // Two of its tasks spilled 1 MiB each to the workers' disks.
    expect(text).toContain('<dt>Spilled to disk</dt><dd>2 MiB</dd>');
    expect(text).toContain('Summary metrics of 4 completed tasks');
    expect(count(text, /<rect class="t-/)).toBe(5); // the timeline
    const failedOnly = await get(ui, '/stages/0?tasks=failed');
    expect(count(section(failedOnly.text, 'tasks'), /<tr data-task-id=/)).toBe(1);
    const stage2 = await get(ui, '/stages/2?attempt=0');
    expect(count(section(stage2.text, 'tasks'), /<tr data-task-id=/)).toBe(3);
    expect(stage2.text).toContain(FATAL_ERROR.replaceAll("'", '&#39;'));
  });

  it('shows workers alive and lost, and the cached blocks they hold', async () => {
    const { bus, ui } = await startApp();
    let workers = await get(ui, '/workers');
    expect(
      count(workers.text, /<tr id="worker-w\d" data-worker-id="w\d" data-status="alive">/),
    ).toBe(2);
    expect(workers.text).toContain('60.1 KiB / 512 MiB');
    let storage = await get(ui, '/storage');
    expect(storage.text).toContain('map (mm.ts:9:6) #1');
    expect(count(section(storage.text, 'blocks'), /<code>rdd_1_\d<\/code>/)).toBe(4);

    bus.post({
      type: 'workerLost',
      time: Date.now(),
      workerId: 'w2',
      reason: 'missed 3 heartbeats',
    });
    workers = await get(ui, '/workers');
    expect(workers.text).toContain('data-worker-id="w2" data-status="lost"');
    expect(workers.text).toContain('missed 3 heartbeats');
    storage = await get(ui, '/storage');
    expect(count(section(storage.text, 'blocks'), /<code>rdd_1_\d<\/code>/)).toBe(1);
  });

  it('escapes user text everywhere', async () => {
    const { bus, ui } = await startApp();
    bus.post({
      ...runningJobEvents(5, 50)[0]!,
      description: '<script>alert("x")</script>',
    } as SchedulerEvent);
    const { text } = await get(ui, '/jobs');
    expect(text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(text).not.toContain('<script>alert');
  });

  it('answers unknown pages with 404 and other methods with 405', async () => {
    const { ui } = await startApp();
    expect((await get(ui, '/jobs/99')).status).toBe(404);
    expect((await get(ui, '/jobs/abc')).status).toBe(404);
    expect((await get(ui, '/stages/7')).status).toBe(404);
    expect((await get(ui, '/nope')).status).toBe(404);
    expect((await get(ui, '/')).headers.get('location')).toBe('/jobs');
    const put = await fetch(`${ui.url}/jobs`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves only the content of <main> to the live script', async () => {
    const { ui } = await startApp();
    const { text, headers } = await get(ui, '/jobs/0', { 'x-flint-fragment': '1' });
    expect(text.trimStart().startsWith('<h1>Job 0')).toBe(true);
    expect(text).not.toContain('<html');
    expect(decodeURIComponent(headers.get('x-flint-title') ?? '')).toBe(
      'Job 0 · M&M count · Flint',
    );
  });
});

describe('the kill action', () => {
  it('kills a running job only with the right secret, by Bearer header or form field', async () => {
    const { bus, ui, kills } = await startApp();
    for (const event of runningJobEvents(2, 3)) bus.post(event);
    const warn = vi.spyOn(process, 'emitWarning');

    const attempts = [
      await post(ui, '/jobs/2/kill', {}),
      await post(ui, '/jobs/2/kill', { headers: { authorization: 'Bearer wrong' } }),
      await post(ui, '/jobs/2/kill', { headers: { authorization: `Bearer ${SECRET}x` } }),
      await post(ui, '/jobs/2/kill', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'secret=nope',
      }),
    ];
    expect(attempts.map((attempt) => attempt.status)).toEqual([403, 403, 403, 403]);
    expect(kills).toEqual([]);

    const byForm = await post(ui, '/jobs/2/kill', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ secret: SECRET }).toString(),
    });
    expect(byForm.status).toBe(303);
    expect(byForm.headers.get('location')).toBe('/jobs/2?kill=requested');
    expect(kills).toEqual([2]);

    const finished = await post(ui, '/jobs/0/kill', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ secret: SECRET }).toString(),
    });
    expect(finished.status).toBe(409);
    expect((await post(ui, '/jobs/42/kill', { headers: {}, body: '' })).status).toBe(403);
    expect((await get(ui, '/jobs/2/kill')).status).toBe(405);

    for (const response of [...attempts, byForm, finished]) {
      expect(response.text).not.toContain(SECRET);
      expect(response.text).not.toContain('correct');
    }
    expect(warn).not.toHaveBeenCalled();
    expect(kills).toEqual([2]);
  });

  it('accepts a Bearer token and answers JSON', async () => {
    const token = 's3cr3t-token';
    const { bus, ui, kills } = await startApp({ secret: token });
    for (const event of runningJobEvents(2, 3)) bus.post(event);
    const response = await post(ui, '/jobs/2/kill', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(202);
    expect(JSON.parse(response.text)).toEqual({ jobId: 2, kill: 'requested' });
    expect(kills).toEqual([2]);
    expect(
      (await post(ui, '/jobs/77/kill', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(404);
  });

  it('shows the kill form on running jobs only when a secret and a handler are configured', async () => {
    const withKill = await startApp();
    for (const event of runningJobEvents(2, 3)) withKill.bus.post(event);
    expect((await get(withKill.ui, '/jobs/2')).text).toContain(
      '<form class="kill" method="post" action="/jobs/2/kill">',
    );
    expect((await get(withKill.ui, '/jobs/0')).text).not.toContain('<form class="kill"');

    const without = await startApp({ secret: undefined });
    for (const event of runningJobEvents(2, 3)) without.bus.post(event);
    expect((await get(without.ui, '/jobs/2')).text).not.toContain('<form class="kill"');
    const refused = await post(without.ui, '/jobs/2/kill', {
      headers: { authorization: 'Bearer anything' },
    });
    expect(refused.status).toBe(403);
    expect(without.kills).toEqual([]);
  });
});

describe('live updates', () => {
  it('streams a throttled update to a connected browser when events arrive', async () => {
    const { bus, ui } = await startApp();
    const res = await rawGet(`${ui.url}/events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    res.setEncoding('utf8');
    let received = '';
    res.on('data', (chunk: string) => {
      received += chunk;
    });
    await vi.waitFor(() => expect(received).toContain(': connected'));

    // A burst of a thousand events is one update message, not a thousand.
    for (let i = 0; i < 1000; i++)
      bus.post({
        type: 'blockUpdated',
        time: i,
        workerId: 'w1',
        blockId: `rdd_9_${i}`,
        bytes: 1,
        removed: false,
      });
    await vi.waitFor(() => expect(received).toContain('event: update\ndata: '));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(count(received, /event: update/)).toBe(1);

    // close() ends the stream.
    const ended = new Promise((resolve) => res.on('end', resolve));
    await ui.close();
    await ended;
  });

  it('costs one size check per event when no browser is connected', () => {
    vi.useFakeTimers();
    let versionReads = 0;
    const live = new LiveUpdates(() => {
      versionReads += 1;
      return 0;
    });
    opened.push(live);
    for (let i = 0; i < 100_000; i++) live.notify();
    expect(vi.getTimerCount()).toBe(0);
    expect(versionReads).toBe(0);
  });

  it('folds a flood of task events quickly with no browser connected', async () => {
    const { bus } = await startApp();
    for (const event of runningJobEvents(2, 3, 0)) bus.post(event);
    const started = performance.now();
    for (let taskId = 10_000; taskId < 110_000; taskId++) {
      const base = {
        taskId,
        stageId: 3,
        stageAttempt: 0,
        partition: taskId % 4,
        attempt: 0,
        workerId: 'w1',
      };
      bus.post({ type: 'taskStart', time: taskId, ...base, speculative: false });
      bus.post({
        type: 'taskEnd',
        time: taskId,
        ...base,
        result: 'success',
        metrics: {
          durationMs: 1,
          recordsRead: 1,
          recordsWritten: 1,
          shuffleBytesRead: 0,
          shuffleBytesWritten: 8,
        },
      });
    }
    const elapsed = performance.now() - started;
    // 200,000 events; O(1) each is well under a second even on a slow machine.
    expect(elapsed).toBeLessThan(3000);
  });
});

describe('binding', () => {
  it('takes the next free port when the preferred one is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    opened.push({ close: () => new Promise<void>((resolve) => blocker.close(() => resolve())) });
    const address = blocker.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    const ui = await startWebUi({ bus: new ListenerBus(), port: taken });
    opened.push(ui);
    const port = Number(new URL(ui.url).port);
    expect(port).toBeGreaterThan(taken);
    expect(port).toBeLessThanOrEqual(taken + 16);
  });

  it('refuses to bind beyond loopback without a secret', async () => {
    await expect(
      startWebUi({ bus: new ListenerBus(), host: '0.0.0.0', port: 0 }),
    ).rejects.toMatchObject({
      code: 'FLINT_AUTH',
    });
  });

  it('answers only requests addressed to loopback, so DNS rebinding cannot read it', async () => {
    const { ui } = await startApp();
    const { port } = new URL(ui.url);
    const evil = await rawGet(`${ui.url}/api/state`, { host: `evil.example:${port}` });
    expect(evil.statusCode).toBe(403);
    evil.resume();
    const local = await rawGet(`${ui.url}/api/state`, { host: `localhost:${port}` });
    expect(local.statusCode).toBe(200);
    local.resume();
  });
});

describe('serveHistory', () => {
  let dir: string;

  async function writeLog(name: string, events: readonly SchedulerEvent[]): Promise<string> {
    const file = join(dir, `${name}.jsonl`);
    await writeFile(file, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    return file;
  }

  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('lists the logs of a directory and serves each application under /history/<appId>', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-history-'));
    await writeLog('app-test-0001', syntheticApp());
    await writeFile(join(dir, 'notes.txt'), 'not a log');
    const history = await serveHistory({ path: dir, port: 0 });
    opened.push(history);
    const index = await get(history, '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<a href="/history/app-test-0001/jobs">M&amp;M count</a>');
    expect(index.text).not.toContain('notes');

    const jobs = await get(history, '/history/app-test-0001/jobs');
    expect(count(jobs.text, /<tr data-job-id=/)).toBe(2);
    expect(jobs.text).toContain('<a href="/history/app-test-0001/jobs/0">Job 0</a>');
    expect(jobs.text).toContain('<a href="/">All applications</a>');
    expect(jobs.text).not.toContain('<script'); // a finished application needs no live updates
    const job = await get(history, '/history/app-test-0001/jobs/0');
    expect(count(job.text, /<g class="stage /)).toBe(2);
    expect(job.text).toContain('href="/history/app-test-0001/stages/0"');
    expect((await get(history, '/history/app-test-0001/events')).status).toBe(404);
    expect((await get(history, '/history/nope/jobs')).status).toBe(404);
    expect((await get(history, '/history/..%2Fetc/jobs')).status).toBe(404);
    // A log that grows (an application still running) is replayed again.
    await writeLog('app-test-0001', [
      ...syntheticApp(),
      ...runningJobEvents(2, 3, 2_000_000_000_000),
    ]);
    const grown = await get(history, '/history/app-test-0001/jobs');
    expect(count(grown.text, /<tr data-job-id=/)).toBe(3);
  });

  it('serves one log file at the root, with durations frozen at its last event', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-history-'));
    const file = await writeLog('app-test-0001', syntheticApp().slice(0, -3));
    const history = await serveHistory({ path: file, port: 0 });
    opened.push(history);
    const state = JSON.parse((await get(history, '/api/state')).text) as AppStateJson;
    expect(state.jobs).toHaveLength(2);
    const jobs = await get(history, '/jobs');
    expect(section(jobs.text, 'running-jobs')).toContain('<td class="num">80 ms</td>');
    await expect(serveHistory({ path: join(dir, 'missing'), port: 0 })).rejects.toMatchObject({
      code: 'FLINT_IO',
    });
  });
});

describe('AppStatusStore', () => {
  it("drops an unpersisted dataset's blocks from every worker, and only those", () => {
    const store = new AppStatusStore();
    for (const event of syntheticApp()) store.apply(event);
    const block = (workerId: string, blockId: string) => ({
      type: 'blockUpdated' as const,
      time: 1,
      workerId,
      blockId,
      bytes: 100,
      removed: false,
    });
    store.apply(block('w1', 'rdd_7_0'));
    store.apply(block('w2', 'rdd_7_1'));
    store.apply(block('w2', 'rdd_70_0')); // another dataset whose id starts the same way
    const blocksOf = () =>
      [...store.workers.values()].flatMap((worker) => [...worker.blocks.keys()]).sort();
    const cachedBytes = () =>
      [...store.workers.values()].reduce((sum, worker) => sum + worker.cachedBytes, 0);
    const before = blocksOf();
    const bytesBefore = cachedBytes();
    store.apply({ type: 'unpersistDataset', time: 2, nodeId: 7 });
    expect(before.filter((id) => !blocksOf().includes(id))).toEqual(['rdd_7_0', 'rdd_7_1']);
    expect(blocksOf()).toContain('rdd_70_0');
    expect(cachedBytes()).toBe(bytesBefore - 200);
  });

  it('counts only the missing partitions of a resubmitted stage attempt', () => {
    const store = new AppStatusStore();
    const events = syntheticApp();
    for (const event of events) store.apply(event);
    const first = store.stage(0, 0);
    if (first === undefined) throw new Error('stage 0 is missing');
    store.apply({
      type: 'stageSubmitted',
      time: 1,
      jobId: 0,
      stage: { ...first.info, attempt: 1 },
      partitions: [2],
    });
    expect(store.stage(0)?.attempt).toBe(1);
    expect(store.stage(0)?.numTasks).toBe(1);
    expect(store.stage(0, 0)?.numTasks).toBe(4);
    expect(store.stageAttempts(0).map((stage) => stage.attempt)).toEqual([0, 1]);
  });

  it('keeps counters exact while dropping the oldest finished tasks and jobs', () => {
    const store = new AppStatusStore({ retainedTasksPerStage: 3, retainedJobs: 1 });
    for (const event of syntheticApp()) store.apply(event);
    const stage0 = store.stage(0);
    expect(stage0?.tasks.size).toBe(3);
    expect(stage0?.evictedTasks).toBe(2);
    expect(stage0?.counts).toEqual({ active: 0, succeeded: 4, failed: 1, killed: 0 });
    expect([...store.jobs.keys()]).toEqual([1]);
    expect(store.evictedJobs).toBe(1);
  });
});
