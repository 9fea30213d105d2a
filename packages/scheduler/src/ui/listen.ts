/**
 * Binding the UI's HTTP server: a preferred port with Spark's fallback to the next ports when it
 * is taken (4040, 4041, ...), loopback detection, and the URL to print.
 */

import type { Server } from 'node:http';
import { isIP } from 'node:net';

/** How many ports after the preferred one are tried, as Spark does for 4040. */
export const PORT_RETRIES = 16;

/**
 * Listens on `port`, or on the next of the following {@link PORT_RETRIES} ports that is free;
 * port 0 lets the system choose. Resolves with the bound port.
 */
export async function listenWithFallback(
  server: Server,
  host: string,
  port: number,
): Promise<number> {
  const last = port === 0 ? 0 : Math.min(port + PORT_RETRIES, 65_535);
  let lastError: unknown;
  for (let candidate = port; candidate <= last; candidate++) {
    try {
      return await listenOnce(server, host, candidate);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      lastError = error;
    }
  }
  throw new Error(
    `Ports ${port} to ${last} on ${host} are all in use. Stop what holds them, or choose another ` +
      'port (0 picks any free port).',
    { cause: lastError },
  );
}

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Whether `host` names only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** The URL of a server bound to `host` and `port`. */
export function httpUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * Whether a request's Host header is acceptable for a server bound to loopback: it must name
 * loopback too. This stops DNS rebinding, where a web page reaches a local UI under its own name.
 */
export function isAllowedHostHeader(
  hostHeader: string | undefined,
  boundToLoopback: boolean,
): boolean {
  if (!boundToLoopback || hostHeader === undefined) return true;
  const hostname = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : (hostHeader.split(':')[0] ?? '');
  return isLoopbackHost(hostname);
}
