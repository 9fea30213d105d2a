/**
 * Where in the user's code a dataset or job was created, for toDebugString and the UI: the first
 * stack frame outside Flint's own packages, as `method at file:line`.
 */
import { findSourceMap } from 'node:module';
import { basename } from 'node:path';
import { directoryOf } from './capture/moduleOrigin.js';

const flintFrame = /[/\\](packages[/\\](rdd|scheduler|worker)|@flint)[/\\]/;

export function callSite(method: string): string {
  const frame = firstUserFrame();
  return frame ? `${method} at ${frame}` : `${method} at <unknown>`;
}

/**
 * `file:line` of the first stack frame outside Flint and Node.js, in the user's source when a
 * source map says where. It reads V8's structured frames and maps that one frame: formatting the
 * whole stack as text (Node maps every frame) cost a tiny job more than the rest of its driver side.
 */
function firstUserFrame(): string | undefined {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.stackTraceLimit = 12;
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, firstUserFrame);
    for (const frame of holder.stack ?? []) {
      const file = frame.getFileName();
      if (!file || file.startsWith('node:') || flintFrame.test(file)) continue;
      const line = frame.getLineNumber() ?? 0;
      const column = frame.getColumnNumber() ?? 0;
      const original = line > 0 ? originalPosition(file, line, column) : undefined;
      return original ?? `${basename(file)}:${line}`;
    }
    return undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
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

/** Where a generated position comes from, when the file has a source map (tsx, a bundler). */
function originalPosition(file: string, line: number, column: number): string | undefined {
  const entry = findSourceMap(file)?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry) || typeof entry.originalLine !== 'number')
    return undefined;
  return `${basename(entry.originalSource)}:${entry.originalLine + 1}`;
}
