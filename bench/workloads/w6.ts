/** W6 many tasks: one task per element, so the time is scheduling overhead per task. */
import type { FlintContext } from './flint.js';

export function manyTasks(sc: FlintContext, tasks: number): Promise<number> {
  return sc.range(0, tasks, 1, tasks).count();
}
