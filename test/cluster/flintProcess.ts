/**
 * Runs the `flint` command (from source, through tsx) as a child process for the cluster tests,
 * optionally inside a network namespace, and keeps what it prints so tests can wait for a line.
 * Every process started here is recorded, so a test's cleanup can end it by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/scheduler/src/cli.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(CLI).resolve('tsx')).href;

/** Node options that let a script import the workspace's packages from source. */
export const SOURCE_NODE_OPTIONS = `--conditions=@flint/source --import ${TSX}`;

/** A running `flint` (or node) process and its output so far. */
export interface FlintProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout: string;
  stderr: string;
  /** Resolves with the first match of `pattern` in stdout + stderr, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (128 + n for a signal). */
  readonly exited: Promise<number>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Run inside this network namespace (`ip netns exec`, which execs, so the PID is node's). */
  readonly netns?: string;
  readonly cwd?: string;
}

/** Every process the cluster tests started and that still runs; `endAll` kills them. */
export const started = new Set<FlintProcess>();
const everStarted = new Set<FlintProcess>();

/** Starts `flint ARGS...`. */
export function startFlint(args: readonly string[], options: StartOptions = {}): FlintProcess {
  return startNode(['--conditions=@flint/source', '--import', TSX, CLI, ...args], options);
}

/** Starts `node ARGS...` with the tsx loader available to the script. */
export function startNode(args: readonly string[], options: StartOptions = {}): FlintProcess {
  const [command, commandArgs] =
    options.netns === undefined
      ? [process.execPath, [...args]]
      : ['ip', ['netns', 'exec', options.netns, process.execPath, ...args]];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  if (child.pid === undefined) throw new Error(`Could not start ${command}`);
  const waiters = new Set<() => void>();
  const proc: FlintProcess = {
    child,
    pid: child.pid,
    stdout: '',
    stderr: '',
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (proc.stdout + proc.stderr).match(pattern);
          if (!match) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `Timed out waiting for ${pattern} from pid ${child.pid}.\nstdout:\n${proc.stdout}\nstderr:\n${proc.stderr}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))),
    ),
  };
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    proc.stdout += chunk.toString();
    notify();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    proc.stderr += chunk.toString();
    notify();
  });
  started.add(proc);
  everStarted.add(proc);
  void proc.exited.then(() => started.delete(proc));
  return proc;
}

/** Ends a process: SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
export async function stop(proc: FlintProcess, graceMs = 5_000): Promise<number> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
    const code = await proc.exited;
    clearTimeout(timer);
    return code;
  }
  return proc.exited;
}

/** Kills every process still running (test cleanup, also after a failure). */
export async function endAll(): Promise<void> {
  const procs = [...everStarted];
  await Promise.all([...started].map((proc) => stop(proc, 3_000)));
  // A worker daemon killed outright cannot remove its default work directory; do it for it.
  for (const proc of procs)
    rmSync(join(tmpdir(), `flint-worker-${proc.pid}`), { recursive: true, force: true });
}

/** Reads the master's status page as JSON. */
export async function masterStatus(statusUrl: string): Promise<{
  workers: { id: string; host: string; cores: number; coresUsed: number; state: string }[];
  applications: { id: string; name: string; cores: number; state: string }[];
}> {
  const response = await fetch(new URL('json', statusUrl));
  return (await response.json()) as Awaited<ReturnType<typeof masterStatus>>;
}
