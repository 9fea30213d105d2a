/**
 * @flint/scheduler: the driver side of Flint: the DAGScheduler and TaskScheduler, the map output
 * tracker, the endpoint workers join, and the local cluster of worker processes.
 */

export type { DAGSchedulerEvent, JobOptions } from './dagScheduler.js';
export { DAGScheduler } from './dagScheduler.js';
export { EventLogWriter, readEventLog } from './eventLog.js';
export type {
  LineageNodeInfo,
  SchedulerEvent,
  SchedulerEventType,
  SchedulerListener,
  StageInfo,
} from './events.js';
export { ListenerBus } from './events.js';
export type {
  Dependency,
  LineageNode,
  NarrowDependency,
  NodeOperator,
  ShuffleDependency,
} from './lineage.js';
export { toDebugString } from './lineage.js';
export type { LocalClusterOptions } from './localCluster.js';
export { LocalCluster } from './localCluster.js';
export { MapOutputTracker } from './mapOutputTracker.js';
export type { ConsoleProgressBarOptions, ProgressBarStream } from './progressBar.js';
export { ConsoleProgressBar } from './progressBar.js';
export type { TaskAttemptFailure } from './taskFailedError.js';
export { TaskFailedError } from './taskFailedError.js';
export type { HistoryServerOptions } from './ui/historyServer.js';
export { DEFAULT_HISTORY_PORT, serveHistory } from './ui/historyServer.js';
export type { AppStateJson } from './ui/stateJson.js';
export type { WebUi, WebUiOptions } from './ui/webUi.js';
export { DEFAULT_UI_PORT, startWebUi } from './ui/webUi.js';
export type { WorkerHandle, WorkerPoolListener, WorkerPoolOptions } from './workerPool.js';
export { WorkerPool } from './workerPool.js';
