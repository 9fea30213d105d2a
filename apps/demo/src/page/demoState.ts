/**
 * What the demo page shows, folded from two sources: the context's scheduler events (workers,
 * jobs, stages, tasks) and the demo's own progress (which method is counting, what each found).
 *
 * Invariants: `listener` is O(1) per task event (a few map updates, no rendering, no I/O), so it
 * costs the run nothing measurable; every change bumps `version` and calls the `onChange`
 * listeners (the page server, which throttles); `snapshot()` is plain JSON.
 */
import type { SchedulerEvent } from '@flint/rdd';
import type { CountResult } from '../countMethods.js';
import type { DemoSettings } from '../flags.js';

/** The three ways of counting, in the order the demo runs them. */
export const METHODS = ['oneByOne', 'weighing', 'distributed'] as const;
/** One way of counting. */
export type MethodId = (typeof METHODS)[number];

/** Where the demo is: starting the workers, counting one way or another, or finished. */
export type Phase = 'starting' | MethodId | 'colours' | 'done' | 'failed';

/** One chunk (partition) of the tub in the latest job that read it. */
export interface ChunkView {
  readonly partition: number;
  readonly state: 'waiting' | 'counting' | 'counted';
  /** The colleague counting it or who counted it (1-based, in the order workers joined). */
  readonly colleague?: number;
  /** M&Ms in it, as its colleague reported. */
  readonly count?: number;
}

/** One worker: a colleague who counts chunks. */
export interface ColleagueView {
  readonly number: number;
  readonly workerId: string;
  readonly pid?: number;
  readonly cores: number;
  readonly alive: boolean;
  readonly lostReason?: string;
  /** Chunks of the tub it is counting now. */
  readonly counting: readonly number[];
  /** Tasks of later stages (after a shuffle) it is running now. */
  readonly otherTasks: number;
  /** Chunks it counted in the latest job. */
  readonly chunks: readonly number[];
  /** M&Ms in those chunks. */
  readonly mms: number;
}

/** A stage of a job, with its progress. */
export interface StageView {
  readonly stageId: number;
  readonly name: string;
  readonly kind: 'ShuffleMapStage' | 'ResultStage';
  /** Stages whose shuffle output this one reads: a stage boundary lies between them. */
  readonly parentStageIds: readonly number[];
  readonly numTasks: number;
  readonly done: number;
  readonly running: number;
  readonly status: 'pending' | 'active' | 'complete' | 'failed';
}

/** A job, with the phase of the demo that ran it. */
export interface JobView {
  readonly jobId: number;
  readonly phase: Phase;
  readonly description: string;
  readonly status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly stages: readonly StageView[];
}

/** How one method did, or that it has not finished yet. */
export interface MethodView {
  readonly method: MethodId;
  readonly status: 'waiting' | 'counting' | 'done';
  /** The method's own description, e.g. `weighing (17,801,967 g / 0.929 g)`. */
  readonly detail?: string;
  readonly count?: number;
  readonly exact?: boolean;
  readonly errorPercent?: number;
  readonly ms?: number;
}

/** The driver adding up the colleagues' counts in the distributed count. */
export interface DriverView {
  /** The counts of the chunks that reached the driver so far, in the order they arrived. */
  readonly counts: readonly { readonly partition: number; readonly count: number }[];
  /** Chunks in the tub. */
  readonly chunks: number;
  /** The sum of the counts reported so far. */
  readonly runningSum: number;
  /** The count the job returned, once it finished. */
  readonly finalSum?: number;
}

/** Everything the page shows, as plain JSON. */
export interface DemoSnapshot {
  readonly version: number;
  readonly settings: DemoSettings;
  readonly phase: Phase;
  readonly error?: string;
  /** Flint's own web UI of this run, when it is on. */
  readonly flintUiUrl?: string;
  readonly colleagues: readonly ColleagueView[];
  /** The latest job that read the tub, and its chunks. */
  readonly tub: { readonly jobId?: number; readonly chunks: readonly ChunkView[] };
  readonly jobs: readonly JobView[];
  readonly driver?: DriverView;
  readonly methods: readonly MethodView[];
  readonly colours?: readonly (readonly [colour: string, count: number])[];
}

interface Colleague {
  number: number;
  workerId: string;
  pid: number | undefined;
  cores: number;
  alive: boolean;
  lostReason: string | undefined;
  counting: Set<number>;
  otherTasks: number;
  chunks: number[];
  mms: number;
}

interface Stage {
  stageId: number;
  name: string;
  kind: 'ShuffleMapStage' | 'ResultStage';
  parentStageIds: readonly number[];
  numTasks: number;
  done: Set<number>;
  running: number;
  status: StageView['status'];
}

interface Job {
  jobId: number;
  phase: Phase;
  description: string;
  status: JobView['status'];
  stages: Map<number, Stage>;
  /** The stage that reads the tub: the one with no parent stage. */
  tubStageId: number | undefined;
}

interface Chunk {
  state: ChunkView['state'];
  colleague: number | undefined;
  count: number | undefined;
}

/** The demo page's model. Feed `listener` to `createContext({ listeners })`. */
export class DemoState {
  readonly #settings: DemoSettings;
  readonly #changeListeners = new Set<() => void>();
  #version = 0;
  #phase: Phase = 'starting';
  #error: string | undefined;
  #flintUiUrl: string | undefined;
  readonly #colleagues = new Map<string, Colleague>();
  readonly #jobs = new Map<number, Job>();
  /** Which job's tasks run in which stage, to find a task's job. */
  readonly #jobOfStage = new Map<number, number>();
  #tubJobId: number | undefined;
  #chunks: Chunk[];
  #distributedJobId: number | undefined;
  /** The distributed count's chunk counts as they reach the driver, by partition. */
  readonly #driverCounts = new Map<number, number>();
  readonly #methods = new Map<MethodId, MethodView>();
  #colours: readonly (readonly [string, number])[] | undefined;

  /** Hears every scheduler event of the run. */
  readonly listener: (event: SchedulerEvent) => void;

  constructor(settings: DemoSettings) {
    this.#settings = settings;
    this.#chunks = freshChunks(settings.partitions);
    for (const method of METHODS) this.#methods.set(method, { method, status: 'waiting' });
    this.listener = (event) => this.#apply(event);
  }

  /** Changes so far; the page uses it to skip unchanged updates. */
  get version(): number {
    return this.#version;
  }

  /** Where the demo is now. */
  get phase(): Phase {
    return this.#phase;
  }

  /** Calls `listener` after every change; returns a function that stops calling it. */
  onChange(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Links the page to Flint's web UI of the run. */
  setFlintUiUrl(url: string | undefined): void {
    this.#flintUiUrl = url;
    this.#changed();
  }

  /** A method starts counting; the jobs that start from now on belong to it. */
  startMethod(method: MethodId): void {
    this.#phase = method;
    this.#methods.set(method, { method, status: 'counting' });
    this.#changed();
  }

  /** A method found its count. */
  finishMethod(method: MethodId, result: CountResult): void {
    this.#methods.set(method, {
      method,
      status: 'done',
      detail: result.method,
      count: result.count,
      exact: result.exact,
      errorPercent: result.errorPercent,
      ms: result.ms,
    });
    this.#changed();
  }

  /** The count per colour starts. */
  startColours(): void {
    this.#phase = 'colours';
    this.#changed();
  }

  /** The count per colour finished. */
  finishColours(counts: readonly (readonly [string, number])[]): void {
    this.#colours = counts;
    this.#changed();
  }

  /** The demo finished, or failed with `error`. */
  finish(error?: unknown): void {
    this.#phase = error === undefined ? 'done' : 'failed';
    if (error !== undefined) this.#error = error instanceof Error ? error.message : String(error);
    this.#changed();
  }

  /** Everything the page shows now, as plain JSON. */
  snapshot(): DemoSnapshot {
    return {
      version: this.#version,
      settings: this.#settings,
      phase: this.#phase,
      ...(this.#error === undefined ? {} : { error: this.#error }),
      ...(this.#flintUiUrl === undefined ? {} : { flintUiUrl: this.#flintUiUrl }),
      colleagues: [...this.#colleagues.values()].map((c) => ({
        number: c.number,
        workerId: c.workerId,
        ...(c.pid === undefined ? {} : { pid: c.pid }),
        cores: c.cores,
        alive: c.alive,
        ...(c.lostReason === undefined ? {} : { lostReason: c.lostReason }),
        counting: [...c.counting].sort((a, b) => a - b),
        otherTasks: c.otherTasks,
        chunks: [...c.chunks].sort((a, b) => a - b),
        mms: c.mms,
      })),
      tub: {
        ...(this.#tubJobId === undefined ? {} : { jobId: this.#tubJobId }),
        chunks: this.#chunks.map((chunk, partition) => ({
          partition,
          state: chunk.state,
          ...(chunk.colleague === undefined ? {} : { colleague: chunk.colleague }),
          ...(chunk.count === undefined ? {} : { count: chunk.count }),
        })),
      },
      jobs: [...this.#jobs.values()].map((job) => ({
        jobId: job.jobId,
        phase: job.phase,
        description: job.description,
        status: job.status,
        stages: [...job.stages.values()].map((stage) => ({
          stageId: stage.stageId,
          name: stage.name,
          kind: stage.kind,
          parentStageIds: stage.parentStageIds,
          numTasks: stage.numTasks,
          done: stage.done.size,
          running: stage.running,
          status: stage.status,
        })),
      })),
      ...(this.#distributedJobId === undefined
        ? {}
        : { driver: this.#driverView(this.#methods.get('distributed')) }),
      methods: METHODS.map((method) => this.#methods.get(method) ?? { method, status: 'waiting' }),
      ...(this.#colours === undefined ? {} : { colours: this.#colours }),
    };
  }

  #driverView(distributed: MethodView | undefined): DriverView {
    const counts = [...this.#driverCounts].map(([partition, count]) => ({ partition, count }));
    const finalSum = distributed?.status === 'done' ? distributed.count : undefined;
    return {
      counts,
      chunks: this.#settings.partitions,
      runningSum: counts.reduce((sum, { count }) => sum + count, 0),
      ...(finalSum === undefined ? {} : { finalSum }),
    };
  }

  #apply(event: SchedulerEvent): void {
    switch (event.type) {
      case 'workerAdded':
        this.#colleagues.set(event.workerId, {
          number: this.#colleagues.size + 1,
          workerId: event.workerId,
          pid: event.pid,
          cores: event.cores,
          alive: true,
          lostReason: undefined,
          counting: new Set(),
          otherTasks: 0,
          chunks: [],
          mms: 0,
        });
        break;
      case 'workerLost': {
        const colleague = this.#colleagues.get(event.workerId);
        if (colleague === undefined) return;
        colleague.alive = false;
        colleague.lostReason = event.reason;
        colleague.counting.clear();
        colleague.otherTasks = 0;
        break;
      }
      case 'jobStart':
        this.#startJob(event);
        break;
      case 'jobEnd': {
        const job = this.#jobs.get(event.jobId);
        if (job === undefined) return;
        job.status = event.result;
        break;
      }
      case 'stageSubmitted': {
        const stage = this.#jobs.get(event.jobId)?.stages.get(event.stage.stageId);
        if (stage === undefined) return;
        stage.status = 'active';
        stage.running = 0;
        break;
      }
      case 'stageCompleted': {
        const stage = this.#stage(event.stage.stageId);
        if (stage === undefined) return;
        stage.running = 0;
        stage.status =
          event.result === 'succeeded'
            ? 'complete'
            : event.result === 'failed'
              ? 'failed'
              : 'pending';
        break;
      }
      case 'taskStart':
        this.#taskStarted(event);
        break;
      case 'taskEnd':
        this.#taskEnded(event);
        break;
      case 'applicationStart':
      case 'applicationEnd':
      case 'blockUpdated':
      case 'unpersistDataset':
      case 'shuffleRemoved':
      case 'broadcastRemoved':
        return; // nothing the page shows
      default:
        event satisfies never;
        return;
    }
    this.#changed();
  }

  #startJob(event: Extract<SchedulerEvent, { type: 'jobStart' }>): void {
    const stages = new Map<number, Stage>();
    for (const info of inRunOrder(event.stages)) {
      stages.set(info.stageId, {
        stageId: info.stageId,
        name: info.name,
        kind: info.kind,
        parentStageIds: info.parentStageIds,
        numTasks: info.numTasks,
        done: new Set(),
        running: 0,
        status: 'pending',
      });
      this.#jobOfStage.set(info.stageId, event.jobId);
    }
    const tubStage = event.stages.find((stage) => stage.parentStageIds.length === 0);
    this.#jobs.set(event.jobId, {
      jobId: event.jobId,
      phase: this.#phase,
      description: event.description,
      status: 'running',
      stages,
      tubStageId: tubStage?.stageId,
    });
    if (tubStage === undefined) return;
    // A new job reads the tub: its chunks and the colleagues' tallies start again.
    this.#tubJobId = event.jobId;
    this.#chunks = freshChunks(this.#settings.partitions);
    for (const colleague of this.#colleagues.values()) {
      colleague.chunks = [];
      colleague.mms = 0;
    }
    if (this.#phase === 'distributed') this.#distributedJobId ??= event.jobId;
  }

  #taskStarted(event: Extract<SchedulerEvent, { type: 'taskStart' }>): void {
    const stage = this.#stage(event.stageId);
    if (stage !== undefined) stage.running++;
    const colleague = this.#colleagues.get(event.workerId);
    const chunk = this.#tubChunk(event.stageId, event.partition);
    if (chunk !== undefined) {
      chunk.state = 'counting';
      chunk.colleague = colleague?.number;
      colleague?.counting.add(event.partition);
    } else if (colleague !== undefined) {
      colleague.otherTasks++;
    }
  }

  #taskEnded(event: Extract<SchedulerEvent, { type: 'taskEnd' }>): void {
    const stage = this.#stage(event.stageId);
    if (stage !== undefined) {
      stage.running = Math.max(0, stage.running - 1);
      if (event.result === 'success') stage.done.add(event.partition);
    }
    const colleague = this.#colleagues.get(event.workerId);
    const chunk = this.#tubChunk(event.stageId, event.partition);
    if (chunk === undefined) {
      if (colleague !== undefined) colleague.otherTasks = Math.max(0, colleague.otherTasks - 1);
      return;
    }
    colleague?.counting.delete(event.partition);
    // A speculative copy may finish second: the chunk counts once, for whoever finished first.
    if (event.result === 'success' && chunk.state !== 'counted') {
      const count = event.metrics?.recordsRead ?? 0;
      chunk.state = 'counted';
      chunk.colleague = colleague?.number;
      chunk.count = count;
      if (colleague !== undefined) {
        colleague.chunks.push(event.partition);
        colleague.mms += count;
      }
      if (this.#tubJobId === this.#distributedJobId) this.#driverCounts.set(event.partition, count);
    } else if (chunk.state === 'counting' && chunk.colleague === colleague?.number) {
      chunk.state = 'waiting'; // failed or killed: it will be counted again
      chunk.colleague = undefined;
    }
  }

  #stage(stageId: number): Stage | undefined {
    const jobId = this.#jobOfStage.get(stageId);
    return jobId === undefined ? undefined : this.#jobs.get(jobId)?.stages.get(stageId);
  }

  /** The chunk a task reads when it runs in the tub's latest job's tub stage. */
  #tubChunk(stageId: number, partition: number): Chunk | undefined {
    const job = this.#tubJobId === undefined ? undefined : this.#jobs.get(this.#tubJobId);
    return job?.tubStageId === stageId ? this.#chunks[partition] : undefined;
  }

  #changed(): void {
    this.#version++;
    for (const listener of this.#changeListeners) listener();
  }
}

/** Stages in the order they can run: every stage after the stages it reads from. */
function inRunOrder<S extends { stageId: number; parentStageIds: readonly number[] }>(
  stages: readonly S[],
): S[] {
  const byId = new Map(stages.map((stage) => [stage.stageId, stage]));
  const ordered: S[] = [];
  const placed = new Set<number>();
  const place = (stage: S): void => {
    if (placed.has(stage.stageId)) return;
    placed.add(stage.stageId);
    for (const parentId of [...stage.parentStageIds].sort((a, b) => a - b)) {
      const parent = byId.get(parentId);
      if (parent !== undefined) place(parent);
    }
    ordered.push(stage);
  };
  for (const stage of [...stages].sort((a, b) => a.stageId - b.stageId)) place(stage);
  return ordered;
}

function freshChunks(count: number): Chunk[] {
  return Array.from({ length: count }, () => ({
    state: 'waiting' as const,
    colleague: undefined,
    count: undefined,
  }));
}
