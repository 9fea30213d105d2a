/**
 * Where in the user's code a dataset or job was created, for toDebugString and the UI: the first
 * stack frame outside Flint's own packages, as `method at file:line`.
 */
import { basename } from 'node:path';
import { directoryOf } from './capture/moduleOrigin.js';

const flintFrame = /[/\\](packages[/\\](rdd|scheduler|worker)|@flint)[/\\]/;

export function callSite(method: string): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    if (flintFrame.test(line) || line.includes('node:')) continue;
    const location = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?\s*$/.exec(line);
    if (location?.[1]) return `${method} at ${basename(location[1])}:${location[2]}`;
  }
  return `${method} at <unknown>`;
}

/**
 * The `file:` URL of the directory of the user's module that called into Flint (the first stack
 * frame outside Flint's own packages and Node.js), or undefined when the stack does not say.
 */
export function callerDirectory(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    if (flintFrame.test(line) || line.includes('node:')) continue;
    const location = /\(?((?:file:\/\/)?[^()\s]+):\d+:\d+\)?\s*$/.exec(line);
    if (location?.[1]) return directoryOf(location[1]);
  }
  return undefined;
}
