/** Entry of a baseline worker_thread: runs the same hand-written code as the single thread. */
import { parentPort } from 'node:worker_threads';
import { countNarrow } from './narrow.js';
import { sumByKey } from './sumByKey.js';
import type { ThreadReply, ThreadTask } from './threadTask.js';
import { countWords } from './wordCount.js';

async function runTask(task: ThreadTask): Promise<unknown> {
  switch (task.type) {
    case 'narrow':
      return countNarrow(task.start, task.end);
    case 'wordCount':
      return countWords(task.path, task.range);
    case 'sumByKey':
      return sumByKey(task.start, task.end);
    default:
      return task satisfies never;
  }
}

const port = parentPort;
if (port === null) throw new Error('threadWorker.ts must be started as a worker_thread');
port.on('message', (task: ThreadTask) => {
  runTask(task).then(
    (result) => port.postMessage({ type: 'done', result } satisfies ThreadReply),
    (error: unknown) =>
      port.postMessage({ type: 'failed', message: String(error) } satisfies ThreadReply),
  );
});
port.postMessage({ type: 'ready' } satisfies ThreadReply);
