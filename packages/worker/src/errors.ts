/**
 * The one error type Flint throws. Every error carries a stable `code` so callers can branch on it
 * without parsing messages; `docs/errors.md` lists every code.
 */

/** Every error code Flint uses, with what it means. */
export const ErrorCode = {
  /** An argument given to a Flint method is not what the method expects. */
  ARGUMENT: 'FLINT_ARGUMENT',
  /** A function given to a transformation uses something that cannot travel to the workers. */
  CAPTURE: 'FLINT_CAPTURE',
  /** A task failed more often than `maxTaskFailures` allows, so its job failed. */
  TASK_FAILED: 'FLINT_TASK_FAILED',
  /** A peer failed authentication, or the shared secret is missing where one is required. */
  AUTH: 'FLINT_AUTH',
  /** A worker disconnected or stopped answering. */
  WORKER_LOST: 'FLINT_WORKER_LOST',
  /** The job was cancelled through its AbortSignal or because the context stopped. */
  CANCELLED: 'FLINT_CANCELLED',
  /** A peer sent a message that does not follow the protocol, or speaks another version of it. */
  PROTOCOL: 'FLINT_PROTOCOL',
  /** `reduce`, `first` and friends were called on an empty dataset. */
  EMPTY: 'FLINT_EMPTY',
  /** The context was used after `stop()`, or could not start. */
  CONTEXT: 'FLINT_CONTEXT',
  /** A worker could not read a shuffle block from the worker that wrote it. */
  FETCH_FAILED: 'FLINT_FETCH_FAILED',
  /** Reading or writing a file failed. */
  IO: 'FLINT_IO',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error Flint throws. Branch on `code`, never on the message. */
export class FlintError extends Error {
  /** A stable code from {@link ErrorCode}. */
  readonly code: ErrorCodeValue;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlintError';
    this.code = code;
  }
}

/** An error as it crosses the wire: enough to rebuild it on the other side. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

/** Turns anything thrown into a {@link SerializedError}, keeping the user's message and stack. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: `A non-Error value was thrown: ${describeThrown(error)}` };
}

/** Rebuilds an Error from its wire form, so it can serve as a `cause` on the driver. */
export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  if (serialized.code !== undefined) (error as Error & { code?: string }).code = serialized.code;
  return error;
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
