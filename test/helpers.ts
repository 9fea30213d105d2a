/** Shared helpers of the end-to-end tests: contexts with event recording, process checks. */
import { createContext, type FlintContext, type SchedulerEvent } from '@flint/rdd';

/** A context plus every event it posted. */
export async function recordingContext(options: Parameters<typeof createContext>[0] = {}) {
  const sc = await createContext({ workers: 2, ...options });
  const events: SchedulerEvent[] = [];
  sc.addListener((event) => events.push(event));
  return { sc, events };
}

/** Whether a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `predicate` holds, polling, or fails after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Kills every PID that is still alive (test cleanup). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export type { FlintContext };
