import { deserializeError, ErrorCode, FlintError, type SerializedError } from '@flint/worker';

/** One failed attempt of a task. */
export interface TaskAttemptFailure {
  readonly attempt: number;
  readonly workerId: string;
  readonly error: SerializedError;
}

/**
 * A job failed because one task failed `maxTaskFailures` times. Carries the stage, the partition
 * and every attempt; `cause` is the user's original error, message and stack as the worker saw it
 * (the last attempt that threw, rather than one whose worker was lost under it).
 */
export class TaskFailedError extends FlintError {
  readonly stageId: number;
  readonly partition: number;
  readonly attempts: readonly TaskAttemptFailure[];

  constructor(stageId: number, partition: number, attempts: readonly TaskAttemptFailure[]) {
    const thrown = attempts.filter((attempt) => attempt.error.code !== ErrorCode.WORKER_LOST);
    const primary = thrown.at(-1) ?? attempts.at(-1);
    const error = primary?.error ?? { name: 'Error', message: 'unknown failure' };
    const times = `${attempts.length} time${attempts.length === 1 ? '' : 's'}`;
    const where = attempts.map((attempt) => attempt.workerId).join(', ');
    const hint =
      thrown.length === 0
        ? 'Its worker was lost every time: the task probably crashes its worker (process.exit, out of ' +
          'memory); the worker output says more.'
        : `The error above is from attempt ${primary?.attempt} on ${primary?.workerId}; fix the function or ` +
          'its input (see `cause` for the stack), or raise maxTaskFailures if the failure is transient.';
    super(
      ErrorCode.TASK_FAILED,
      `${error.message}\n    (task for partition ${partition} of stage ${stageId} failed ${times}, on ${where}. ${hint})`,
      { cause: deserializeError(error) },
    );
    this.name = 'TaskFailedError';
    this.stageId = stageId;
    this.partition = partition;
    this.attempts = attempts;
    if (error.stack) this.stack = `${this.name}: ${this.message}\nWorker stack:\n${error.stack}`;
  }
}
