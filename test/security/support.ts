/**
 * Helpers of the security tests: the handshake proof computed here, from the transcript SECURITY.md
 * documents (not with Flint's own auth code), test certificates made with `openssl`, and where a
 * context's endpoints listen. The client that speaks the protocol by hand is `wireClient.ts`.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The proof a connecting side sends (SECURITY.md, "The handshake"). */
export function helloProof(
  secret: string,
  role: string,
  listenerNonce: string,
  clientNonce: string,
): string {
  return createHmac('sha256', secret)
    .update(['flint/2 hello', role, listenerNonce, clientNonce].join('\0'))
    .digest('hex');
}

/** Whether `openssl` is on this machine (the TLS tests make their certificates with it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A test CA and a certificate it signed for 127.0.0.1 and localhost, as PEM. */
export interface TestCertificates {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** The files, for `flint worker --tls-*` flags. */
  readonly files: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Another CA, that signed nothing here. */
  readonly otherCa: string;
  remove(): void;
}

/** Makes a CA and a leaf certificate (P-256 keys, valid for a day) with `openssl`. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const caExtensions = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  for (const name of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.pem`),
      '-days',
      '1',
      '-subj',
      `/CN=Flint test ${name}`,
      ...caExtensions,
    );
  }
  openssl(
    'req',
    ...ec,
    '-keyout',
    at('node.key'),
    '-out',
    at('node.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(
    at('node.ext'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
    ].join('\n'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    at('node.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('node.pem'),
    '-days',
    '1',
    '-extfile',
    at('node.ext'),
  );
  const read = (name: string) => readFileSync(at(name), 'utf8');
  return {
    ca: read('ca.pem'),
    cert: read('node.pem'),
    key: read('node.key'),
    otherCa: read('other-ca.pem'),
    files: { ca: at('ca.pem'), cert: at('node.pem'), key: at('node.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The driver URL a local worker process was started with (from its command line). */
export function driverUrlOf(workerPid: number): string {
  const args = readFileSync(`/proc/${workerPid}/cmdline`, 'utf8').split('\0');
  const url = args[args.indexOf('--driver') + 1];
  if (url === undefined || !/^wss?:\/\//.test(url)) {
    throw new Error(`worker ${workerPid} has no --driver`);
  }
  return url;
}

/** TCP ports a process listens on (a worker listens only for its block server). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // the descriptor closed while we looked
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, , state] = [fields[1], fields[2], fields[3]];
      // State 0A is LISTEN; field 9 is the socket's inode.
      if (state !== '0A' || !inodes.has(fields[9] ?? '')) continue;
      ports.push(Number.parseInt(local?.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/** Block server URLs of a context's local workers. */
export function blockServerUrls(workerPids: readonly number[], scheme: 'ws' | 'wss'): string[] {
  return workerPids.flatMap((pid) =>
    listeningPorts(pid).map((port) => `${scheme}://127.0.0.1:${port}`),
  );
}
