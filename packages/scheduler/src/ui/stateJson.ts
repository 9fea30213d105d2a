/**
 * The store as plain JSON, for `GET /api/state`: what tests assert on and what a custom page
 * (the demo's) can poll. Sets become arrays or counts; nothing is left out but the indexes.
 */

import type { LineageNodeInfo, StageInfo } from '../events.js';
import type {
  ApplicationData,
  AppStatusStore,
  BlockData,
  JobStatus,
  MetricTotals,
  StageStatus,
  TaskCounts,
  TaskData,
} from './appStatusStore.js';

/** A job in {@link AppStateJson}. */
export interface JobJson {
  readonly jobId: number;
  readonly description: string;
  readonly status: JobStatus;
  readonly submissionTime: number;
  readonly completionTime: number | undefined;
  readonly error: string | undefined;
  readonly numTasks: number;
  readonly numSkippedTasks: number;
  readonly numSkippedStages: number;
  readonly completedStageIds: readonly number[];
  readonly failedStageIds: readonly number[];
  readonly counts: TaskCounts;
  readonly stages: readonly StageInfo[];
  readonly lineage: readonly LineageNodeInfo[];
}

/** A stage attempt in {@link AppStateJson}. */
export interface StageJson {
  readonly stageId: number;
  readonly attempt: number;
  readonly jobId: number;
  readonly name: string;
  readonly kind: StageInfo['kind'];
  readonly status: StageStatus;
  readonly numTasks: number;
  readonly parentStageIds: readonly number[];
  readonly submissionTime: number | undefined;
  readonly completionTime: number | undefined;
  readonly failureReason: string | undefined;
  readonly succeededPartitions: number;
  readonly counts: TaskCounts;
  readonly totals: MetricTotals;
  readonly evictedTasks: number;
  readonly tasks: readonly TaskData[];
}

/** A worker in {@link AppStateJson}. */
export interface WorkerJson {
  readonly workerId: string;
  readonly address: string;
  readonly cores: number;
  readonly pid: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly isAlive: boolean;
  readonly addedTime: number;
  readonly removedTime: number | undefined;
  readonly removeReason: string | undefined;
  readonly counts: TaskCounts;
  readonly totals: MetricTotals;
  readonly cachedBytes: number;
  readonly cachedBlocks: number;
}

/** The body of `GET /api/state`. */
export interface AppStateJson {
  readonly version: number;
  readonly application: ApplicationData;
  readonly jobs: readonly JobJson[];
  readonly stages: readonly StageJson[];
  readonly workers: readonly WorkerJson[];
  readonly blocks: readonly BlockData[];
}

/** The store's state as JSON-ready data. */
export function appStateJson(store: AppStatusStore): AppStateJson {
  return {
    version: store.version,
    application: { ...store.application },
    jobs: [...store.jobs.values()].map((job) => ({
      jobId: job.jobId,
      description: job.description,
      status: job.status,
      submissionTime: job.submissionTime,
      completionTime: job.completionTime,
      error: job.error,
      numTasks: job.numTasks,
      numSkippedTasks: job.numSkippedTasks,
      numSkippedStages: job.numSkippedStages,
      completedStageIds: [...job.completedStageIds],
      failedStageIds: [...job.failedStageIds],
      counts: job.counts,
      stages: job.stages,
      lineage: job.lineage,
    })),
    stages: [...store.stages.values()].map((stage) => ({
      stageId: stage.stageId,
      attempt: stage.attempt,
      jobId: stage.jobId,
      name: stage.info.name,
      kind: stage.info.kind,
      status: stage.status,
      numTasks: stage.numTasks,
      parentStageIds: stage.info.parentStageIds,
      submissionTime: stage.submissionTime,
      completionTime: stage.completionTime,
      failureReason: stage.failureReason,
      succeededPartitions: stage.succeededPartitions.size,
      counts: stage.counts,
      totals: stage.totals,
      evictedTasks: stage.evictedTasks,
      tasks: [...stage.tasks.values()],
    })),
    workers: [...store.workers.values()].map((worker) => ({
      workerId: worker.workerId,
      address: worker.address,
      cores: worker.cores,
      pid: worker.pid,
      memoryBytes: worker.memoryBytes,
      isAlive: worker.isAlive,
      addedTime: worker.addedTime,
      removedTime: worker.removedTime,
      removeReason: worker.removeReason,
      counts: worker.counts,
      totals: worker.totals,
      cachedBytes: worker.cachedBytes,
      cachedBlocks: worker.blocks.size,
    })),
    blocks: [...store.workers.values()].flatMap((worker) => [...worker.blocks.values()]),
  };
}
