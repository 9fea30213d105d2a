/**
 * `flint history DIR`: serves the history UI ({@link serveHistory}) for the event logs in DIR until
 * SIGINT or SIGTERM (or an abort signal, for tests and embedders), then closes it.
 *
 * Never throws for anything the user typed: a bad command line is a message on stderr that names
 * the argument, what was expected and what to do, and exit code 2.
 */

import { readdir, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EVENT_LOG_EXTENSION } from '../eventLog.js';
import { DEFAULT_HISTORY_PORT, serveHistory } from '../ui/historyServer.js';
import { isLoopbackHost } from '../ui/listen.js';
import { untilSignal } from './commandLine.js';

/** Where the command writes its text: `process.stdout` and `process.stderr` or stand-ins. */
export interface TextOutput {
  write(text: string): unknown;
}

/** What {@link historyCommand} runs with besides its arguments. All optional. */
export interface HistoryCommandOptions {
  /** Stops the server when aborted, as SIGINT and SIGTERM do. */
  readonly signal?: AbortSignal;
  /** Where the URL goes. @default process.stdout */
  readonly stdout?: TextOutput;
  /** Where errors and warnings go. @default process.stderr */
  readonly stderr?: TextOutput;
}

/** The usage text of `flint history --help`. */
export const HISTORY_USAGE = `Usage: flint history DIR [--host HOST] [--port PORT]

Serves Flint's web UI for the applications whose event logs are in DIR, the directory given to
createContext({ eventLog: DIR }), until Ctrl-C.

Arguments:
  DIR          a directory of event logs (<appId>.jsonl), or one event log file

Options:
  --host HOST  the interface to listen on (default 127.0.0.1)
  --port PORT  the port to listen on (default ${DEFAULT_HISTORY_PORT}; when taken, the next free one of
               the 16 after it; 0 picks any free port)
  -h, --help   print this help
`;

/** Exit code for a command line that cannot run, as most command-line tools use. */
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
const MAX_PORT = 65_535;

/**
 * Runs `flint history` with `args` (the words after `history`). Prints the URL, serves until
 * SIGINT, SIGTERM or `options.signal` aborts, closes, and resolves with the exit code: 0 after
 * a clean stop or `--help`, 2 for a command line it cannot run, 1 when the server cannot start.
 */
export async function historyCommand(
  args: readonly string[],
  options: HistoryCommandOptions = {},
): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const usageError = (message: string): number => {
    stderr.write(`flint history: ${message}\nRun 'flint history --help' for usage.\n`);
    return EXIT_USAGE;
  };

  let parsed: ReturnType<typeof parseHistoryArgs>;
  try {
    parsed = parseHistoryArgs(args);
  } catch (error) {
    // node:util's messages name the option and say how to pass a value that starts with '-'.
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    stdout.write(HISTORY_USAGE);
    return 0;
  }
  const [dir, ...extra] = positionals;
  if (dir === undefined || dir === '') {
    return usageError(
      'DIR is missing: give the directory of event logs to serve, the one your application ' +
        "wrote with createContext({ eventLog: DIR }), as in 'flint history logs/'.",
    );
  }
  if (extra.length > 0) {
    return usageError(
      `expected one DIR, but got ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(', ')}. ` +
        'Serve one directory at a time (quote a path that contains spaces).',
    );
  }
  const port = parsePort(values.port);
  if (port === undefined) {
    return usageError(
      `--port expects a whole number from 0 to ${MAX_PORT} (like --port ${DEFAULT_HISTORY_PORT}; 0 picks ` +
        `any free port), but got '${values.port}'.`,
    );
  }
  const host = values.host ?? '127.0.0.1';
  if (host === '')
    return usageError("--host expects an interface, like --host 127.0.0.1, but got ''.");

  const problem = await checkLogPath(dir);
  if (problem !== undefined) return usageError(problem);
  if (!isLoopbackHost(host)) {
    stderr.write(
      `flint history: warning: serving on ${host}, so anyone who can reach this machine can read ` +
        'these event logs (the history UI has no login). Use --host 127.0.0.1 to keep them local.\n',
    );
  }
  if (await isEmptyLogDirectory(dir)) {
    stderr.write(
      `flint history: ${dir} holds no event logs (*${EVENT_LOG_EXTENSION}) yet; the page lists ` +
        'them as applications write them.\n',
    );
  }

  let history: Awaited<ReturnType<typeof serveHistory>>;
  try {
    history = await serveHistory({ path: dir, host, port });
  } catch (error) {
    stderr.write(`flint history: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
  stdout.write(`Flint history server for ${dir}: ${history.url}\nPress Ctrl-C to stop.\n`);
  await untilSignal(options.signal);
  await history.close();
  return 0;
}

function parseHistoryArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      host: { type: 'string' },
      port: { type: 'string', default: String(DEFAULT_HISTORY_PORT) },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

function parsePort(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const port = Number(text);
  return port <= MAX_PORT ? port : undefined;
}

/** Why `path` cannot hold event logs, or undefined when it can be served. */
async function checkLogPath(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isDirectory() || info.isFile()) return undefined;
    return `DIR '${path}' is neither a directory nor a file. Give the directory of event logs, the one your application wrote with createContext({ eventLog: DIR }).`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return (
        `DIR '${path}' does not exist. Give the directory your application wrote its event logs ` +
        'to with createContext({ eventLog: DIR }), and check the path (it is relative to the current directory).'
      );
    }
    return `cannot read DIR '${path}': ${(error as Error).message}. Check its permissions.`;
  }
}

async function isEmptyLogDirectory(path: string): Promise<boolean> {
  try {
    const entries = await readdir(path);
    return !entries.some((name) => name.endsWith(EVENT_LOG_EXTENSION));
  } catch {
    // A file, not a directory: serveHistory reads it as one log.
    return false;
  }
}
