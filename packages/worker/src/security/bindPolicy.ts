/**
 * Where Flint may listen and with which secret. Every listener binds to 127.0.0.1 unless told
 * otherwise; one that would be reachable from other machines needs a shared secret, and every
 * secret must be long enough to be worth checking.
 *
 * Invariant: no error or message made here contains the secret, or any part of it.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { MIN_SECRET_LENGTH } from '../auth.js';
import { ErrorCode, FlintError } from '../errors.js';

/** The interface a Flint listener binds to when none is given. */
export const DEFAULT_HOST = '127.0.0.1';

/** How to give Flint a secret: said in every error about a missing or weak one. */
export const SECRET_HELP =
  'Set the same secret on the driver and every worker: the FLINT_SECRET environment variable, ' +
  'a file named by --secret-file FILE (or FLINT_SECRET_FILE), or createContext({ secret }). ' +
  "Make one with `openssl rand -base64 32` or `node -e \"console.log(require('node:crypto')" +
  ".randomBytes(32).toString('base64url'))\"`.";

/** Whether `host` names only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Checks a secret before it is used. Throws a `FLINT_AUTH` error that says how to set one when it
 * is missing or shorter than {@link MIN_SECRET_LENGTH} characters.
 */
export function checkSecret(secret: string | undefined, what = 'Flint'): string {
  if (secret === undefined || secret === '') {
    throw new FlintError(ErrorCode.AUTH, `${what} needs a shared secret. ${SECRET_HELP}`);
  }
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new FlintError(
      ErrorCode.AUTH,
      `${what}: the shared secret is too short (at least ${MIN_SECRET_LENGTH} characters are ` +
        `needed). ${SECRET_HELP}`,
    );
  }
  return secret;
}

/**
 * Refuses to listen beyond this machine without a secret, and checks the secret wherever it binds.
 * @throws FlintError `FLINT_AUTH`, naming the host and how to set a secret.
 */
export function checkBind(host: string, secret: string | undefined, what: string): string {
  if (!isLoopbackHost(host) && (secret === undefined || secret === '')) {
    throw new FlintError(
      ErrorCode.AUTH,
      `${what}: refusing to listen on ${host} without a shared secret: anyone who can reach it ` +
        `could run code on this cluster. ${SECRET_HELP} Or listen on 127.0.0.1 only.`,
    );
  }
  return checkSecret(secret, what);
}

/**
 * The secret a `flint` process runs with: from `secretFile` (its content, without the trailing
 * newline) or else `FLINT_SECRET_FILE`, or else `FLINT_SECRET`. Undefined when none is set.
 */
export function readSecret(
  env: NodeJS.ProcessEnv,
  secretFile: string | undefined = undefined,
): string | undefined {
  const file = secretFile ?? env.FLINT_SECRET_FILE;
  if (file !== undefined && file !== '') {
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      throw new FlintError(
        ErrorCode.AUTH,
        `Could not read the secret file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}). ` +
          'Check its path and that this user may read it.',
      );
    }
    return content.replace(/\r?\n$/, '');
  }
  const secret = env.FLINT_SECRET;
  return secret === '' ? undefined : secret;
}
