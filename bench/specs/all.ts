/** Every workload by id: prepares its data and spec, then measures it. */
import type { WorkloadId } from '../cli.js';
import { runWorkload } from '../runWorkload.js';
import type { WorkloadSpec } from '../spec.js';
import type { WorkloadReport } from '../table.js';
import { captureSpec } from './capture.js';
import type { SpecContext } from './common.js';
import { w1Spec } from './w1.js';
import { w2Spec } from './w2.js';
import { w3Spec } from './w3.js';
import { w4Spec } from './w4.js';
import { w5Spec } from './w5.js';
import { w6Spec } from './w6.js';
import { w7Spec } from './w7.js';
import { w8Spec } from './w8.js';

function measuring<R>(
  prepare: (ctx: SpecContext) => Promise<WorkloadSpec<R>>,
): (ctx: SpecContext) => Promise<WorkloadReport> {
  // The implementations enforce the timeout themselves; this later one only catches their bugs.
  return async (ctx) => runWorkload(await prepare(ctx), ctx.config.timeoutMs + 60_000, ctx.log);
}

export const WORKLOADS: Record<WorkloadId, (ctx: SpecContext) => Promise<WorkloadReport>> = {
  W1: measuring(w1Spec),
  W2: measuring(w2Spec),
  W3: measuring(w3Spec),
  W4: measuring(w4Spec),
  W5: measuring(w5Spec),
  W6: measuring(w6Spec),
  W7: measuring(w7Spec),
  W8: measuring(w8Spec),
  CAPTURE: measuring(captureSpec),
};
