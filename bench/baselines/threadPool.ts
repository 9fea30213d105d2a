/**
 * One worker_thread per core for the hand-written parallel baselines. Start-up (spawning the
 * threads and loading their code) is timed apart from the work, as WORKLOADS.md asks.
 */
import { Worker } from 'node:worker_threads';
import type { ThreadReply, ThreadResult, ThreadTask } from './threadTask.js';

export interface ThreadPool {
  readonly size: number;
  /** Milliseconds from spawning the threads until all of them had loaded their code. */
  readonly startupMs: number;
  /** Gives task i to thread i (tasks.length <= size) and resolves with the results in order. */
  run<T extends ThreadTask>(tasks: T[]): Promise<ThreadResult<T>[]>;
  close(): Promise<void>;
}

/**
 * Threads do not inherit the tsx loader that `pnpm bench` runs under on Node 20, so each thread
 * registers it before importing the TypeScript entry.
 */
function bootstrapSource(): string {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./threadWorker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

function nextReply(worker: Worker): Promise<ThreadReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: ThreadReply): void => {
      worker.off('error', onError);
      resolve(reply);
    };
    const onError = (error: Error): void => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

async function runOn(worker: Worker, task: ThreadTask): Promise<unknown> {
  const reply = nextReply(worker);
  worker.postMessage(task);
  const answer = await reply;
  if (answer.type === 'failed') throw new Error(`baseline thread failed: ${answer.message}`);
  if (answer.type !== 'done') throw new Error(`baseline thread sent ${answer.type} mid-task`);
  return answer.result;
}

export async function startThreadPool(size: number): Promise<ThreadPool> {
  const source = bootstrapSource();
  const start = performance.now();
  const workers = Array.from({ length: size }, () => new Worker(source, { eval: true }));
  try {
    await Promise.all(workers.map((worker) => nextReply(worker)));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  const startupMs = performance.now() - start;
  return {
    size,
    startupMs,
    async run<T extends ThreadTask>(tasks: T[]): Promise<ThreadResult<T>[]> {
      if (tasks.length > size) throw new Error(`${tasks.length} tasks for ${size} threads`);
      const results = await Promise.all(tasks.map((task, i) => runOn(workers[i] as Worker, task)));
      return results as ThreadResult<T>[];
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
