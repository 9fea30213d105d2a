import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLogWriter, readEventLog } from '../src/eventLog.js';
import { ListenerBus, type SchedulerEvent } from '../src/events.js';
import { syntheticApp } from './fixtures/syntheticApp.js';

describe('EventLogWriter and readEventLog', () => {
  let dir: string;
  const writers: EventLogWriter[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-eventlog-'));
  });

  afterEach(async () => {
    await Promise.allSettled(writers.splice(0).map((writer) => writer.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function open(logDir: string, appId: string): Promise<EventLogWriter> {
    const writer = await EventLogWriter.open(logDir, appId);
    writers.push(writer);
    return writer;
  }

  it('writes every event as one JSON line to <dir>/<appId>.jsonl and reads them back', async () => {
    const logDir = join(dir, 'nested', 'logs'); // created on open
    const writer = await open(logDir, 'app-test-0001');
    expect(writer.file).toBe(join(logDir, 'app-test-0001.jsonl'));
    const bus = new ListenerBus();
    bus.addListener(writer.listener);
    const events = syntheticApp();
    for (const event of events) bus.post(event);
    await writer.close();

    const text = await readFile(writer.file, 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(events.length);
    expect(JSON.parse(lines[0] ?? '')).toEqual(events[0]);
    expect(await readEventLog(writer.file)).toEqual(events);
  });

  it('keeps the order of thousands of events posted in one burst', async () => {
    const writer = await open(dir, 'burst');
    const events: SchedulerEvent[] = [];
    for (let taskId = 0; taskId < 20_000; taskId++) {
      const event: SchedulerEvent = {
        type: 'taskStart',
        time: 1_000 + taskId,
        taskId,
        stageId: 0,
        stageAttempt: 0,
        partition: taskId,
        attempt: 0,
        workerId: `w${taskId % 3}`,
        speculative: false,
      };
      events.push(event);
      writer.listener(event);
      // Interleave ticks now and then, as the scheduler's event loop would.
      if (taskId % 5_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await writer.close();
    const read = await readEventLog(writer.file);
    expect(read.map((event) => (event.type === 'taskStart' ? event.taskId : -1))).toEqual(
      events.map((_, i) => i),
    );
  });

  it('close() flushes what was posted in the same tick, and later events are dropped', async () => {
    const writer = await open(dir, 'flush');
    const events = syntheticApp().slice(0, 5);
    for (const event of events) writer.listener(event);
    const closing = writer.close(); // no tick has passed: everything is still corked in memory
    writer.listener({ type: 'applicationEnd', time: 1 });
    await closing;
    expect(await readEventLog(writer.file)).toEqual(events);
    await expect(writer.close()).resolves.toBeUndefined(); // idempotent
  });

  it('never overwrites an existing log, and refuses application ids that are not file names', async () => {
    await writeFile(join(dir, 'taken.jsonl'), 'earlier run\n');
    await expect(EventLogWriter.open(dir, 'taken')).rejects.toMatchObject({ code: 'FLINT_IO' });
    expect(await readFile(join(dir, 'taken.jsonl'), 'utf8')).toBe('earlier run\n');
    await expect(EventLogWriter.open(dir, '../escape')).rejects.toMatchObject({
      code: 'FLINT_ARGUMENT',
    });
    await expect(EventLogWriter.open(dir, '.hidden')).rejects.toMatchObject({
      code: 'FLINT_ARGUMENT',
    });
  });

  it('reads logs torn by a crash, skips unknown event types, and rejects corrupt lines', async () => {
    const [first, second] = syntheticApp();
    const torn = join(dir, 'torn.jsonl');
    await writeFile(
      torn,
      `${JSON.stringify(first)}\n${JSON.stringify({ type: 'fromTheFuture', time: 5 })}\n` +
        `${JSON.stringify(second)}\n{"type":"taskEnd","ti`,
    );
    expect(await readEventLog(torn)).toEqual([first, second]);

    const corrupt = join(dir, 'corrupt.jsonl');
    await writeFile(corrupt, `${JSON.stringify(first)}\nnot json\n${JSON.stringify(second)}\n`);
    await expect(readEventLog(corrupt)).rejects.toMatchObject({
      code: 'FLINT_IO',
      message: expect.stringContaining('corrupt.jsonl:2'),
    });

    await expect(readEventLog(join(dir, 'missing.jsonl'))).rejects.toMatchObject({
      code: 'FLINT_IO',
    });
  });
});
