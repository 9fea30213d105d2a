import { repeat, timed } from '../measure.js';
import type { WorkloadSpec } from '../spec.js';
import { manyTasks } from '../workloads/w6.js';
import { flintMeasured, type SpecContext, skale } from './common.js';

export interface ManyTasksResult {
  count: number;
  tasksPerSecond: number;
}

export async function w6Spec(ctx: SpecContext): Promise<WorkloadSpec<ManyTasksResult>> {
  const tasks = ctx.sizes.manyTasks;
  return {
    id: 'W6',
    title: `many tasks: range(0, ${tasks}, 1, ${tasks}).count(), tasks per second`,
    expected: { count: tasks, tasksPerSecond: 0 },
    same: (a, b) => a.count === b.count,
    format: (r) => `${r.count} (${r.tasksPerSecond.toFixed(1)} tasks/s)`,
    impls: [
      flintMeasured(ctx, async (sc) => ({
        samples: await repeat(ctx.config, async () => {
          const { ms, result } = await timed(() => manyTasks(sc, tasks));
          return { ms, result: { count: result, tasksPerSecond: tasks / (ms / 1000) } };
        }),
      })),
      ...skale<ManyTasksResult>(ctx, async () => ({ workload: 'W6', tasks })),
    ],
    summarize: () => ['plain: n/a (without an engine there is no task scheduling to measure)'],
  };
}
