/**
 * `flint submit app.js [--master URL] [-- args]`: runs an application against a cluster, as
 * spark-submit does. The application's `createContext()` attaches to the master named here (through
 * `FLINT_MASTER`) without a change to its code; the secret reaches it through `FLINT_SECRET`. The
 * command exits with the application's exit code.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSecret } from '@flint/worker';
import { CommandError, runInForeground } from './commandLine.js';

export const SUBMIT_USAGE = `Usage: flint submit APP.js [options] [-- app arguments]

Runs APP.js with createContext() attached to a master (FLINT_MASTER), exits with its exit code.

Options:
  --master URL        the master, e.g. ws://10.0.0.5:7077 (default: FLINT_MASTER)
  --secret-file FILE  the shared secret (or FLINT_SECRET_FILE, FLINT_SECRET)
  --name NAME         the application's name on the master's status page (FLINT_APP_NAME)
  -h, --help          this help
`;

/** Runs `flint submit`; resolves with the application's exit code. */
export async function submitCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      master: { type: 'string' },
      'secret-file': { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(SUBMIT_USAGE);
    return 0;
  }
  const [app, ...appArgs] = positionals;
  if (app === undefined) throw new CommandError('Name the application to run: flint submit APP.js');
  const appPath = resolve(app);
  if (!existsSync(appPath)) throw new CommandError(`APP ${appPath} does not exist.`);
  const master = values.master ?? process.env.FLINT_MASTER;
  if (!master)
    throw new CommandError('--master ws://HOST:7077 (or the FLINT_MASTER variable) is required.');
  const secret = readSecret(process.env, values['secret-file']);
  const env: NodeJS.ProcessEnv = { ...process.env, FLINT_MASTER: master };
  delete env.FLINT_SECRET_FILE;
  if (secret !== undefined) env.FLINT_SECRET = secret;
  if (values.name) env.FLINT_APP_NAME = values.name;
  return runInForeground(process.execPath, [appPath, ...appArgs], { env });
}
