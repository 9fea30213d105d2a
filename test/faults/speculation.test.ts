/**
 * Speculation (opt-in): a task much slower than its stage's median is launched again on another
 * worker; the first result wins, the other attempt is killed, and accumulators count once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, type FaultContext, faultContext } from './faultHelpers.js';

describe('speculation', () => {
  let context: FaultContext;
  let scratch: string;

  beforeAll(async () => {
    context = await faultContext({ workers: 3, speculation: true });
    scratch = mkdtempSync(join(tmpdir(), 'speculation-test-'));
  });
  afterAll(async () => {
    await cleanUp(context);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a copy of a straggler elsewhere; the first result wins and accumulators count once', async () => {
    const mark = context.events.length;
    const records = context.sc.accumulator();
    const marker = join(scratch, 'straggler');
    const started = Date.now();
    const result = await context.sc
      .parallelize(
        Array.from({ length: 120 }, (_, i) => i),
        12,
      )
      .mapPartitionsWithIndex(function* (index, partition) {
        const fs = process.getBuiltinModule('node:fs');
        // The first attempt of partition 7 is a straggler (a sick worker): 6 s instead of 50 ms.
        const straggle = index === 7 && !fs.existsSync(marker);
        if (straggle) fs.writeFileSync(marker, 'slow');
        for (const x of partition) {
          const end = Date.now() + (straggle ? 600 : 5);
          let spins = 0;
          while (Date.now() < end) spins++;
          records.add(1);
          yield x * 2 + spins * 0;
        }
      })
      .collect();
    const elapsed = Date.now() - started;
    expect(result).toEqual(Array.from({ length: 120 }, (_, i) => i * 2));
    // The additions of the losing attempt are dropped: every record counts exactly once.
    expect(records.value).toBe(120);
    // The job did not wait for the straggler.
    expect(elapsed).toBeLessThan(5_000);
    // (On a loaded machine another task may look slow enough to be copied too; partition 7 must be.)
    const starts = context.of('taskStart', mark).filter((event) => event.partition === 7);
    expect(starts.map((event) => event.speculative)).toEqual([false, true]);
    expect(starts[1]?.workerId).not.toBe(starts[0]?.workerId);
    const ends = context.of('taskEnd', mark).filter((event) => event.partition === 7);
    const copy = ends.find((event) => event.taskId === starts[1]?.taskId);
    expect(copy).toMatchObject({ result: 'success', speculative: true });
    // The straggler is killed (or, if it finished in between, its result is discarded as killed).
    const original = await waitForEnd(context, starts[0]?.taskId ?? -1);
    expect(original).toMatchObject({
      result: 'killed',
      reason: 'another attempt of this task finished first',
    });
  });
});

/** The taskEnd of a task, waiting for it if the worker has not reported yet. */
async function waitForEnd(context: FaultContext, taskId: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const end = context.of('taskEnd').find((event) => event.taskId === taskId);
    if (end || Date.now() > deadline) return end;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
