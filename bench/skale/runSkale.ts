/**
 * Measures one workload on skale in a child process, with SKALE_WORKERS equal to Flint's worker
 * count. Any failure to install or run skale is reported as unavailable, never as a bench failure.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { errorMessage, type Sample } from '../measure.js';
import { type Measured, Unavailable } from '../spec.js';
import { ensureSkale } from './install.js';
import type { SkaleReply, SkaleRequest, SkaleWorkload } from './protocol.js';

export type { SkaleWorkload };

export interface SkaleOptions {
  workers: number;
  runs: number;
  warmup: number;
  timeoutMs: number;
  log: (line: string) => void;
}

const OUTPUT_TAIL_CHARS = 2000;

export async function runSkale<R>(
  workload: SkaleWorkload,
  options: SkaleOptions,
): Promise<Measured<R>> {
  const skaleDir = await ensureSkale(options.log);
  const { runs, warmup } = options;
  const request: SkaleRequest = { ...workload, skaleDir, runs, warmup };
  const child = fork(new URL('./child.ts', import.meta.url), [JSON.stringify(request)], {
    env: { ...process.env, SKALE_WORKERS: String(options.workers) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let reply: SkaleReply | undefined;
  child.on('message', (message: SkaleReply) => {
    reply = message;
  });
  // Killing the child also ends skale's workers: they exit when their IPC channel closes.
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (reply === undefined) {
      const lastLine = output.trim().split('\n').at(-1) ?? '';
      const how =
        signal === 'SIGKILL'
          ? `timed out after ${options.timeoutMs / 1000} s`
          : `exited with ${code ?? signal}`;
      throw new Unavailable(`skale ${how}${lastLine ? `: ${lastLine}` : ''}`);
    }
  } catch (error) {
    if (error instanceof Unavailable) throw error;
    throw new Unavailable(`skale could not run: ${errorMessage(error)}`);
  } finally {
    clearTimeout(timer);
  }
  if (!reply.ok) throw new Unavailable(`skale failed: ${reply.message}`);
  return {
    startup: { label: 'skale context start-up (with first job)', ms: reply.startupMs },
    samples: reply.samples as Sample<R>[],
  };
}
