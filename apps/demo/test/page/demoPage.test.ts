/**
 * The demo page without a browser: the state folded from scheduler events, the markup rendered
 * from it, and the server's routes and live stream. The page in Chromium is in
 * demoPage.browser.test.ts.
 */
import { request } from 'node:http';
import type { SchedulerEvent } from '@flint/rdd';
import { afterEach, describe, expect, it } from 'vitest';
import type { CountResult } from '../../src/countMethods.js';
import { renderDocument, renderRegions } from '../../src/page/demoPage.js';
import { type DemoServer, startDemoServer, UPDATE_INTERVAL_MS } from '../../src/page/demoServer.js';
import { DemoState } from '../../src/page/demoState.js';

const SETTINGS = { mms: 1000, workers: 2, partitions: 4, seed: 42 };

const stage = (stageId: number, kind: 'ShuffleMapStage' | 'ResultStage', parents: number[]) => ({
  stageId,
  attempt: 0,
  name: `${kind === 'ResultStage' ? 'count' : 'map'} at countMethods.ts:76`,
  kind,
  numTasks: 4,
  parentStageIds: parents,
  nodeIds: [],
});

function workersJoin(): SchedulerEvent[] {
  return ['worker-0', 'worker-1'].map((workerId, index) => ({
    type: 'workerAdded',
    time: 1,
    workerId,
    address: '127.0.0.1:1',
    cores: 1,
    pid: 100 + index,
  }));
}

function task(
  phase: 'taskStart' | 'taskEnd',
  stageId: number,
  partition: number,
  workerId: string,
  result: 'success' | 'failed' = 'success',
): SchedulerEvent {
  const base = { time: 2, taskId: stageId * 10 + partition, stageId, stageAttempt: 0, partition };
  if (phase === 'taskStart') {
    return { type: 'taskStart', ...base, attempt: 0, workerId, speculative: false };
  }
  return {
    type: 'taskEnd',
    ...base,
    attempt: 0,
    workerId,
    result,
    ...(result === 'success'
      ? {
          metrics: {
            durationMs: 5,
            recordsRead: 250,
            recordsWritten: 0,
            shuffleBytesWritten: 0,
            shuffleBytesRead: 0,
          },
        }
      : { error: { message: 'boom' } }),
  };
}

function result(method: string, count: number, size = SETTINGS.mms): CountResult {
  return {
    method,
    count,
    exact: count === size,
    errorPercent: ((count - size) / size) * 100,
    ms: 12,
  };
}

/** A distributed count of the 4 chunks: worker-0 takes 0 and 2, worker-1 takes 1 and 3. */
function distributedCount(state: DemoState): void {
  for (const event of workersJoin()) state.listener(event);
  state.startMethod('distributed');
  const resultStage = stage(0, 'ResultStage', []);
  state.listener({
    type: 'jobStart',
    time: 2,
    jobId: 0,
    description: 'count at countMethods.ts:76',
    stages: [resultStage],
    lineage: [],
  });
  state.listener({ type: 'stageSubmitted', time: 2, jobId: 0, stage: resultStage });
  state.listener(task('taskStart', 0, 0, 'worker-0'));
  state.listener(task('taskStart', 0, 1, 'worker-1'));
  state.listener(task('taskEnd', 0, 0, 'worker-0'));
  state.listener(task('taskEnd', 0, 1, 'worker-1', 'failed')); // retried below
  state.listener(task('taskStart', 0, 2, 'worker-0'));
  state.listener(task('taskStart', 0, 1, 'worker-1'));
}

function finishDistributedCount(state: DemoState): void {
  state.listener(task('taskEnd', 0, 2, 'worker-0'));
  state.listener(task('taskEnd', 0, 1, 'worker-1'));
  state.listener(task('taskStart', 0, 3, 'worker-1'));
  state.listener(task('taskEnd', 0, 3, 'worker-1'));
  state.listener({
    type: 'stageCompleted',
    time: 3,
    stage: stage(0, 'ResultStage', []),
    result: 'succeeded',
  });
  state.listener({ type: 'jobEnd', time: 3, jobId: 0, result: 'succeeded' });
  state.finishMethod('distributed', result('distributed (4 chunks, 2 workers)', 1000));
}

describe('DemoState', () => {
  it('follows the chunks, the colleagues and the driver’s sum through a job', () => {
    const state = new DemoState(SETTINGS);
    distributedCount(state);
    const running = state.snapshot();
    expect(running.tub.chunks.map((chunk) => chunk.state)).toEqual([
      'counted',
      'counting',
      'counting',
      'waiting',
    ]);
    expect(
      running.colleagues.map(({ counting, chunks, mms }) => ({ counting, chunks, mms })),
    ).toEqual([
      { counting: [2], chunks: [0], mms: 250 },
      { counting: [1], chunks: [], mms: 0 },
    ]);
    expect(running.driver).toEqual({
      counts: [{ partition: 0, count: 250 }],
      chunks: 4,
      runningSum: 250,
    });
    expect(running.jobs[0]?.stages[0]).toMatchObject({ done: 1, running: 2, status: 'active' });

    finishDistributedCount(state);
    const done = state.snapshot();
    expect(done.tub.chunks.every((chunk) => chunk.state === 'counted')).toBe(true);
    expect(done.colleagues.map((c) => [c.chunks, c.mms])).toEqual([
      [[0, 2], 500],
      [[1, 3], 500],
    ]);
    expect(done.driver).toMatchObject({ runningSum: 1000, finalSum: 1000 });
    expect(done.jobs[0]).toMatchObject({ phase: 'distributed', status: 'succeeded' });
    expect(done.methods.map((m) => m.status)).toEqual(['waiting', 'waiting', 'done']);
    expect(JSON.parse(JSON.stringify(done))).toEqual(done);
  });

  it('lists a job’s stages in the order they run, the shuffle map stage first', () => {
    const state = new DemoState(SETTINGS);
    state.startColours();
    // The scheduler numbers the result stage first; it runs last.
    state.listener({
      type: 'jobStart',
      time: 1,
      jobId: 3,
      description: 'collect at countMethods.ts:96',
      stages: [stage(3, 'ResultStage', [4]), stage(4, 'ShuffleMapStage', [])],
      lineage: [],
    });
    const [job] = state.snapshot().jobs;
    expect(job?.stages.map((s) => [s.stageId, s.kind])).toEqual([
      [4, 'ShuffleMapStage'],
      [3, 'ResultStage'],
    ]);
    // The tub is read by the map stage: its tasks are the chunks.
    state.listener(task('taskStart', 4, 0, 'worker-0'));
    state.listener(task('taskStart', 3, 0, 'worker-0'));
    expect(state.snapshot().tub.chunks[0]?.state).toBe('counting');
  });

  it('tells its listeners of every change, and keeps still for events the page does not show', () => {
    const state = new DemoState(SETTINGS);
    let changes = 0;
    const stop = state.onChange(() => changes++);
    state.listener({ type: 'workerAdded', time: 1, workerId: 'w', address: 'a', cores: 1 });
    state.listener({
      type: 'blockUpdated',
      time: 1,
      workerId: 'w',
      blockId: 'b',
      bytes: 1,
      removed: false,
    });
    expect([changes, state.version]).toEqual([1, 1]);
    stop();
    state.finish(new Error('the workers could not start'));
    expect(changes).toBe(1);
    expect(state.snapshot()).toMatchObject({
      phase: 'failed',
      error: 'the workers could not start',
    });
  });
});

describe('the page markup', () => {
  it('shows the counts, the colleagues and the driver’s sum, checked against the tub', () => {
    const state = new DemoState(SETTINGS);
    distributedCount(state);
    finishDistributedCount(state);
    state.finishMethod('oneByOne', result('one by one (1 thread)', 1000));
    state.finishMethod('weighing', result('weighing (880 g / 0.92 g)', 957));
    const regions = renderRegions(state.snapshot());
    expect(regions.driver).toContain('data-final-sum="1000"');
    expect(regions.driver).toContain('data-equals-tub="true"');
    expect(regions.results).toContain(
      'data-method="weighing" data-status="done" data-count="957" data-exact="false"',
    );
    expect(regions.results).toContain('-4.30%');
    expect(regions.colleagues.match(/<li class="colleague"/g)).toHaveLength(2);
    expect(regions.tub.match(/data-state="counted"/g)).toHaveLength(4);
  });

  it('escapes the text of the run, and runs its style and script only with the nonce', () => {
    const state = new DemoState(SETTINGS);
    state.startMethod('distributed');
    state.listener({
      type: 'jobStart',
      time: 1,
      jobId: 0,
      description: '<img src=x onerror=alert(1)>',
      stages: [stage(0, 'ResultStage', [])],
      lineage: [],
    });
    state.finish(new Error('<b>bad</b>'));
    const page = renderDocument(state.snapshot(), 'NONCE');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('The demo failed: &lt;b&gt;bad&lt;/b&gt;');
    expect(page.match(/<(script|style)(?: [^>]*)?>/g)).toEqual([
      '<style nonce="NONCE">',
      '<script nonce="NONCE">',
    ]);
  });
});

describe('the page server', () => {
  const servers: DemoServer[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function serve(state: DemoState): Promise<DemoServer> {
    const server = await startDemoServer({ state, port: 0 });
    servers.push(server);
    return server;
  }

  it('serves the page on 127.0.0.1 with a nonce CSP, its state as JSON, and nothing else', async () => {
    const state = new DemoState(SETTINGS);
    const server = await serve(state);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(await page.text()).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    const json = (await (await fetch(`${server.url}state.json`)).json()) as { phase: string };
    expect(json.phase).toBe('starting');
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('answers only requests addressed to loopback, so DNS rebinding cannot read it', async () => {
    const server = await serve(new DemoState(SETTINGS));
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(server.url, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('streams the state at once, then at most one update per interval however fast it changes', async () => {
    const state = new DemoState(SETTINGS);
    const server = await serve(state);
    const controller = new AbortController();
    const response = await fetch(`${server.url}events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no event stream body');
    const decoder = new TextDecoder();
    let text = '';
    const messages = () => text.split('\n\n').filter((part) => part.includes('event: state'));
    while (messages().length < 1) text += decoder.decode((await reader.read()).value);
    expect(JSON.parse(/data: (.*)/.exec(messages()[0] ?? '')?.[1] ?? '{}')).toMatchObject({
      phase: 'starting',
      regions: { status: expect.stringContaining('Starting 2 colleagues') },
    });

    const startedAt = Date.now();
    for (const event of workersJoin()) state.listener(event);
    for (let i = 0; i < 500; i++) state.setFlintUiUrl(`http://127.0.0.1:${4040 + (i % 3)}`);
    while (messages().length < 2) text += decoder.decode((await reader.read()).value);
    const second = JSON.parse(/data: (.*)/.exec(messages()[1] ?? '')?.[1] ?? '{}');
    expect(second.version).toBe(state.version); // one message for 502 changes, the latest state
    expect(Date.now() - startedAt).toBeLessThan(UPDATE_INTERVAL_MS * 10);
    controller.abort();
  });
});
