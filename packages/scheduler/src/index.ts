/**
 * @flint/scheduler: the driver side of Flint: the DAGScheduler and TaskScheduler, the map output
 * tracker, the endpoint workers join, and the local cluster of worker processes.
 */

export type { DAGSchedulerEvent, JobOptions, SchedulerOptions } from './dagScheduler.js';
export { DAGScheduler } from './dagScheduler.js';
export { EventLogWriter, readEventLog } from './eventLog.js';
export type {
  LineageNodeInfo,
  MapOutputsInfo,
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
export type {
  ApplicationStatus,
  MasterOptions,
  MasterStatus,
  SchedulingMode,
  WorkerStatus,
} from './master/master.js';
export { DEFAULT_MASTER_PORT, Master } from './master/master.js';
export type { MasterClientOptions } from './master/masterClient.js';
export { MasterClient } from './master/masterClient.js';
export type { MasterStatusPage } from './master/statusPage.js';
export { DEFAULT_MASTER_UI_PORT, startMasterStatusPage } from './master/statusPage.js';
export type { ConsoleProgressBarOptions, ProgressBarStream } from './progressBar.js';
export { ConsoleProgressBar } from './progressBar.js';
export type { SpeculationOptions } from './speculation.js';
export { DEFAULT_SPECULATION, resolveSpeculation } from './speculation.js';
export type { TaskAttemptFailure } from './taskFailedError.js';
export { TaskFailedError } from './taskFailedError.js';
export type { HistoryServerOptions } from './ui/historyServer.js';
export { DEFAULT_HISTORY_PORT, serveHistory } from './ui/historyServer.js';
export type { AppStateJson } from './ui/stateJson.js';
export type { WebUi, WebUiOptions } from './ui/webUi.js';
export { DEFAULT_UI_PORT, startWebUi } from './ui/webUi.js';
export type {
  WorkerHandle,
  WorkerLostHook,
  WorkerPoolListener,
  WorkerPoolOptions,
} from './workerPool.js';
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  WorkerPool,
} from './workerPool.js';
