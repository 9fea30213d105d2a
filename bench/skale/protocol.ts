/** What the bench asks of the skale child process, and what the child sends back over IPC. */
import type { Sample } from '../measure.js';

/** A workload and its size, as the specs name it. */
export type SkaleWorkload =
  | { workload: 'W1'; n: number }
  | { workload: 'W2'; dir: string }
  | { workload: 'W3'; n: number }
  | { workload: 'W5'; jobs: number }
  | { workload: 'W6'; tasks: number };

export type SkaleRequest = SkaleWorkload & { skaleDir: string; runs: number; warmup: number };

export type SkaleReply =
  | { ok: true; startupMs: number; samples: Sample<unknown>[] }
  | { ok: false; message: string };
