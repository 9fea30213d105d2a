/**
 * The secret and TLS flags every `flint` command that listens or connects takes, and how they are
 * read: one definition, so `flint master`, `flint worker` and the executor agree.
 */
import { checkBind, readSecret } from './bindPolicy.js';
import { readTlsOptions, type TlsOptions } from './tls.js';

/** `node:util` parseArgs options for `--secret-file` and `--tls-cert/--tls-key/--tls-ca`. */
export const SECURITY_FLAGS = {
  'secret-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
} as const;

/** What parseArgs gives for {@link SECURITY_FLAGS}. */
export interface SecurityFlagValues {
  readonly 'secret-file'?: string;
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
  readonly 'tls-ca'?: string;
}

/**
 * The secret (from `--secret-file`, FLINT_SECRET_FILE or FLINT_SECRET, checked against where
 * `host` binds) and the TLS options (from the flags or their environment variables).
 * @throws FlintError naming `what` when the secret is missing or weak, or a file cannot be read.
 */
export function readSecurityFlags(
  values: SecurityFlagValues,
  host: string,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): { secret: string; tls: TlsOptions | undefined } {
  const secret = checkBind(host, readSecret(env, values['secret-file']), what);
  const tls = readTlsOptions(
    { cert: values['tls-cert'], key: values['tls-key'], ca: values['tls-ca'] },
    env,
  );
  return { secret, tls };
}
