/**
 * What the driver tells the world about its work: jobs, stages, tasks and workers. The scheduler
 * posts these to a {@link ListenerBus}; the progress bar, the web UI, the event log and tests
 * listen. Events are plain JSON-serialisable data, so the event log is one `JSON.stringify` each.
 */

/** One stage as listeners see it. */
export interface StageInfo {
  readonly stageId: number;
  readonly attempt: number;
  readonly name: string;
  readonly kind: 'ShuffleMapStage' | 'ResultStage';
  readonly numTasks: number;
  readonly parentStageIds: readonly number[];
  /** For a ShuffleMapStage: the shuffle whose map outputs it writes. */
  readonly shuffleId?: number;
  /** Lineage node ids pipelined in this stage, from its leaves to its last operator. */
  readonly nodeIds: readonly number[];
}

/** A node of a job's lineage, for drawing its DAG. */
export interface LineageNodeInfo {
  readonly id: number;
  readonly name: string;
  readonly numPartitions: number;
  readonly stageId: number;
  readonly parents: readonly { readonly id: number; readonly shuffle: boolean }[];
  readonly cached: boolean;
}

/** Some map outputs of one shuffle. */
export interface MapOutputsInfo {
  readonly shuffleId: number;
  readonly mapIndices: readonly number[];
}

export type SchedulerEvent =
  | {
      readonly type: 'applicationStart';
      readonly time: number;
      readonly appId: string;
      readonly appName: string;
    }
  | { readonly type: 'applicationEnd'; readonly time: number }
  | {
      readonly type: 'workerAdded';
      readonly time: number;
      readonly workerId: string;
      readonly address: string;
      readonly cores: number;
      readonly pid?: number;
      /** Memory the worker's block manager may use, in bytes (`memoryPerWorker`), when known. */
      readonly memoryBytes?: number;
    }
  | {
      readonly type: 'workerLost';
      readonly time: number;
      readonly workerId: string;
      readonly reason: string;
      readonly pid?: number;
      /** Map outputs that lived on the worker and are now missing (recomputed when needed). */
      readonly lostMapOutputs?: readonly MapOutputsInfo[];
    }
  | {
      readonly type: 'jobStart';
      readonly time: number;
      readonly jobId: number;
      readonly description: string;
      readonly stages: readonly StageInfo[];
      readonly lineage: readonly LineageNodeInfo[];
    }
  | {
      readonly type: 'jobEnd';
      readonly time: number;
      readonly jobId: number;
      readonly result: 'succeeded' | 'failed' | 'cancelled';
      readonly error?: string;
    }
  | {
      readonly type: 'stageSubmitted';
      readonly time: number;
      readonly jobId: number;
      readonly stage: StageInfo;
      /** The partitions this attempt runs: all of them at first, only the missing ones later. */
      readonly partitions?: readonly number[];
    }
  | {
      readonly type: 'stageCompleted';
      readonly time: number;
      readonly stage: StageInfo;
      readonly result: 'succeeded' | 'failed' | 'resubmitted';
      readonly reason?: string;
      /** For 'resubmitted' after a fetch failure: the map outputs the scheduler stopped trusting. */
      readonly lostMapOutputs?: readonly MapOutputsInfo[];
    }
  | {
      readonly type: 'taskStart';
      readonly time: number;
      readonly taskId: number;
      readonly stageId: number;
      readonly stageAttempt: number;
      readonly partition: number;
      readonly attempt: number;
      readonly workerId: string;
      readonly speculative: boolean;
    }
  | {
      readonly type: 'taskEnd';
      readonly time: number;
      readonly taskId: number;
      readonly stageId: number;
      readonly stageAttempt: number;
      readonly partition: number;
      readonly attempt: number;
      readonly workerId: string;
      readonly result: 'success' | 'failed' | 'killed' | 'fetchFailed' | 'lost';
      readonly error?: { readonly message: string; readonly stack?: string };
      /** Why a task was killed or lost, e.g. 'another attempt finished first'. */
      readonly reason?: string;
      /** Whether this attempt was a speculative copy. */
      readonly speculative?: boolean;
      /** For 'fetchFailed': the map output the task could not read. */
      readonly fetchFailure?: {
        readonly shuffleId: number;
        readonly mapIndex: number;
        readonly address: string;
      };
      /** Set on a failure after which its worker is excluded from the rest of the job. */
      readonly workerExcluded?: boolean;
      readonly metrics?: {
        readonly durationMs: number;
        readonly recordsRead: number;
        readonly recordsWritten: number;
        readonly shuffleBytesWritten: number;
        readonly shuffleBytesRead: number;
        /** Bytes spilled to the worker's disk past its memory limit. */
        readonly spilledBytes?: number;
      };
    }
  | {
      /** A dataset's cached partitions were freed (unpersist, or the dataset was collected). */
      readonly type: 'unpersistDataset';
      readonly time: number;
      readonly nodeId: number;
    }
  | {
      /** A shuffle's map outputs were freed: no dataset could read them any more. */
      readonly type: 'shuffleRemoved';
      readonly time: number;
      readonly shuffleId: number;
    }
  | {
      /** A broadcast value was freed on the driver and the workers (destroyed, or collected). */
      readonly type: 'broadcastRemoved';
      readonly time: number;
      readonly broadcastId: number;
    }
  | {
      readonly type: 'blockUpdated';
      readonly time: number;
      readonly workerId: string;
      readonly blockId: string;
      readonly bytes: number;
      readonly removed: boolean;
    };

export type SchedulerEventType = SchedulerEvent['type'];

/** A function that hears every scheduler event, in order. */
export type SchedulerListener = (event: SchedulerEvent) => void;

/**
 * Delivers events to listeners synchronously and in order. A listener that throws is reported
 * once on stderr and never breaks the scheduler.
 */
export class ListenerBus {
  readonly #listeners = new Set<SchedulerListener>();

  /** Adds a listener; returns a function that removes it. */
  addListener(listener: SchedulerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  post(event: SchedulerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#listeners.delete(listener);
        process.emitWarning(`A Flint event listener threw and was removed: ${String(error)}`);
      }
    }
  }
}
