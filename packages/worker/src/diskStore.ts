/**
 * The worker's local disk: one directory per worker process, `flint-worker-<pid>-XXXXXX` under
 * the work dir (`flint worker --work-dir`, else `os.tmpdir()`, which honours TMPDIR), holding
 * spilled runs and shuffle blocks that did not fit in memory. Created on first use, removed
 * whole when the worker stops (by `removeAll`, which the executor's close calls, and which runs
 * at the process's exit anyway), so nothing outlives the worker but what a SIGKILL leaves behind.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, FlintError } from './errors.js';

export class DiskStore {
  #dir: string | undefined;
  #nextFile = 0;
  // A worker that exits without closing (a task calls process.exit, an uncaught error) still
  // removes its directory.
  readonly #onExit = () => this.removeAll();

  constructor(
    /** Where the worker's directory is created. @default os.tmpdir() */
    private readonly root: string = tmpdir(),
  ) {}

  /** The worker's directory, created now if it does not exist yet. */
  get dir(): string {
    if (this.#dir === undefined) {
      try {
        mkdirSync(this.root, { recursive: true });
        this.#dir = mkdtempSync(join(this.root, `flint-worker-${process.pid}-`));
        process.once('exit', this.#onExit);
      } catch (error) {
        throw new FlintError(
          ErrorCode.IO,
          `Cannot create the worker's spill directory under ${this.root}: ${(error as Error).message}. ` +
            'Give the worker a writable directory with --work-dir (or TMPDIR).',
          { cause: error },
        );
      }
    }
    return this.#dir;
  }

  /** The directory if it was created, without creating it. */
  get createdDir(): string | undefined {
    return this.#dir;
  }

  /** A path for a new file (not created): `kind` says what it holds, for whoever looks. */
  newFile(kind: string): string {
    return join(this.dir, `${kind}-${this.#nextFile++}`);
  }

  /** Deletes a file; a file already gone is fine. */
  remove(path: string): void {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Deletes the directory and everything in it. Safe to call again; the next use recreates it. */
  removeAll(): void {
    if (this.#dir === undefined) return;
    process.off('exit', this.#onExit);
    rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}
