/**
 * @flint/rdd: Flint's public API. Create a context, build datasets with transformations, and run
 * actions on the workers.
 *
 * ```ts
 * import { createContext } from '@flint/rdd';
 * await using sc = await createContext();
 * await sc.parallelize([1, 2, 3, 4]).map((x) => x * 2).collect(); // [2, 4, 6, 8]
 * ```
 */

export type { SchedulerEvent, SchedulerListener } from '@flint/scheduler';
export { TaskFailedError } from '@flint/scheduler';
export type { ErrorCodeValue } from '@flint/worker';
export { ErrorCode, FlintError } from '@flint/worker';
export { createContext, FlintContext } from './context.js';
export type { ActionOptions, Env, PartitionsArgument } from './dataset.js';
export { Dataset } from './dataset.js';
export type {
  BaseDataset,
  NumericDatasetFunctions,
  PairDatasetFunctions,
} from './datasetTypes.js';
export type { ContextOptions } from './options.js';
