/**
 * How to start a `flint` process with this very build of Flint: the built `dist/cli.js`, or in a
 * source checkout (tests, the demo) `src/cli.ts` through tsx's loader.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The node arguments that run the `flint` command (append its own arguments). */
export function flintCommandArgs(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? './cli.ts' : './cli.js', import.meta.url));
  if (!fromSource) return [entry];
  const tsxLoader = createRequire(entry).resolve('tsx');
  return ['--import', pathToFileURL(tsxLoader).href, entry];
}

/**
 * Ends a child process: SIGTERM, then SIGKILL if it is still there after `graceMs`. Resolves once
 * it has exited.
 */
export function stopChildProcess(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
