/**
 * TLS for Flint's endpoints: the driver's and each worker's block server listen with `wss://` when
 * given a certificate and key, and connecting sides verify the listener's certificate against the
 * CA they are given (or the system's CAs). Certificate checks are never turned off.
 *
 * In-process options carry PEM contents (as Node's `tls` does); the `flint` command reads files
 * (`--tls-cert`, `--tls-key`, `--tls-ca`) or PEM contents from the environment (`FLINT_TLS_CERT`,
 * `FLINT_TLS_KEY`, `FLINT_TLS_CA`), which is how a local cluster hands them to its workers.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, FlintError } from '../errors.js';

/** PEM data, as a string or the bytes of a `.pem` file. */
export type Pem = string | Buffer;

/** TLS for a Flint endpoint and its connections. */
export interface TlsOptions {
  /** This endpoint's certificate chain (PEM). With `key`, listeners speak `wss://`. */
  readonly cert?: Pem;
  /** The private key of `cert` (PEM). */
  readonly key?: Pem;
  /** CA certificates that listeners' certificates must chain to. @default the system's CAs */
  readonly ca?: Pem | readonly Pem[];
}

/** Options for an `https` server, or undefined when `tls` gives no certificate. */
export function serverTlsOptions(
  tls: TlsOptions | undefined,
): { cert: Pem; key: Pem; ca?: Pem | Pem[] } | undefined {
  // Without a certificate (a CA alone is for connecting), listeners stay plain `ws://`.
  if (tls === undefined || (tls.cert === undefined && tls.key === undefined)) return undefined;
  if (tls.cert === undefined || tls.key === undefined) {
    throw new FlintError(
      ErrorCode.ARGUMENT,
      'TLS needs both a certificate and its private key: give tls.cert and tls.key ' +
        '(or --tls-cert FILE and --tls-key FILE), or neither.',
    );
  }
  return { cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: caList(tls.ca) }) };
}

/** Options for a connecting `wss://` socket: verify the listener against `ca`, always. */
export function clientTlsOptions(tls: TlsOptions | undefined): {
  ca?: Pem | Pem[];
  rejectUnauthorized: true;
} {
  return { rejectUnauthorized: true, ...(tls?.ca === undefined ? {} : { ca: caList(tls.ca) }) };
}

/** Whether `tls` makes listeners speak `wss://`. */
export function hasServerTls(tls: TlsOptions | undefined): boolean {
  return tls?.cert !== undefined && tls.key !== undefined;
}

/**
 * The TLS options of a `flint` process: each of cert, key and CA from its file flag, or else from
 * its PEM environment variable. Undefined when none is given.
 */
export function readTlsOptions(
  files: { readonly cert?: string; readonly key?: string; readonly ca?: string },
  env: NodeJS.ProcessEnv,
): TlsOptions | undefined {
  const read = (file: string | undefined, variable: string, flag: string): Pem | undefined => {
    if (file !== undefined) {
      try {
        return readFileSync(file);
      } catch (error) {
        throw new FlintError(
          ErrorCode.IO,
          `Could not read ${flag} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        );
      }
    }
    const pem = env[variable];
    return pem === undefined || pem === '' ? undefined : pem;
  };
  const cert = read(files.cert, 'FLINT_TLS_CERT', '--tls-cert');
  const key = read(files.key, 'FLINT_TLS_KEY', '--tls-key');
  const ca = read(files.ca, 'FLINT_TLS_CA', '--tls-ca');
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  const tls = {
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(ca === undefined ? {} : { ca }),
  };
  serverTlsOptions(tls); // a certificate without its key (or the reverse) fails here, at start
  return tls;
}

/** The environment that hands `tls` to a `flint worker` process (PEM contents). */
export function tlsEnvironment(tls: TlsOptions | undefined): Record<string, string> {
  if (tls === undefined) return {};
  const env: Record<string, string> = {};
  const pem = (value: Pem | readonly Pem[]) =>
    (Array.isArray(value) ? value : [value]).map((item: Pem) => item.toString()).join('\n');
  if (tls.cert !== undefined) env.FLINT_TLS_CERT = pem(tls.cert);
  if (tls.key !== undefined) env.FLINT_TLS_KEY = pem(tls.key);
  if (tls.ca !== undefined) env.FLINT_TLS_CA = pem(tls.ca);
  return env;
}

function caList(ca: Pem | readonly Pem[]): Pem | Pem[] {
  return Array.isArray(ca) ? [...(ca as readonly Pem[])] : (ca as Pem);
}
