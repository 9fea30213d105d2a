import { deserializeError, ErrorCode, FlintError, type SerializedError } from '@flint/worker';

/** One failed attempt of a task. */
export interface TaskAttemptFailure {
  readonly attempt: number;
  readonly workerId: string;
  readonly error: SerializedError;
}

/**
 * A job failed because one task failed `maxTaskFailures` times. Carries the stage, the partition
 * and every attempt; `cause` is the user's original error, message and stack as the worker saw it.
 */
export class TaskFailedError extends FlintError {
  readonly stageId: number;
  readonly partition: number;
  readonly attempts: readonly TaskAttemptFailure[];

  constructor(stageId: number, partition: number, attempts: readonly TaskAttemptFailure[]) {
    const last = attempts.at(-1)?.error ?? { name: 'Error', message: 'unknown failure' };
    super(
      ErrorCode.TASK_FAILED,
      `${last.message}\n    (task for partition ${partition} of stage ${stageId} failed ${attempts.length} ` +
        `time${attempts.length === 1 ? '' : 's'}; the error above is from the last attempt, on ${attempts.at(-1)?.workerId})`,
      { cause: deserializeError(last) },
    );
    this.name = 'TaskFailedError';
    this.stageId = stageId;
    this.partition = partition;
    this.attempts = attempts;
    if (last.stack) this.stack = `${this.name}: ${this.message}\nWorker stack:\n${last.stack}`;
  }
}
