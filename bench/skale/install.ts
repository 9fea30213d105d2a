/**
 * Installs skale on demand into a folder of its own outside the workspace, so that the repo's
 * lockfile never sees it. Installed once per machine; later runs only check the version.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { errorMessage } from '../measure.js';
import { Unavailable } from '../spec.js';

export const SKALE_VERSION = '1.2.2';

export function skaleDir(): string {
  return path.join(os.homedir(), '.cache', 'flint-bench', 'skale');
}

async function installedVersion(dir: string): Promise<string | undefined> {
  try {
    const manifest = await readFile(
      path.join(dir, 'node_modules', 'skale', 'package.json'),
      'utf8',
    );
    return (JSON.parse(manifest) as { version?: string }).version;
  } catch {
    return undefined; // not installed yet
  }
}

async function install(log: (line: string) => void): Promise<string> {
  const dir = skaleDir();
  if ((await installedVersion(dir)) === SKALE_VERSION) return dir;
  log(`installing skale@${SKALE_VERSION} into ${dir}…`);
  await mkdir(dir, { recursive: true });
  // Its own package.json keeps npm from walking up into some other project.
  await writeFile(
    path.join(dir, 'package.json'),
    '{ "name": "flint-bench-skale", "private": true }\n',
  );
  try {
    // skale's optional peer node-parquet does not build on current Node: hence legacy peer deps.
    await promisify(execFile)(
      'npm',
      ['i', `skale@${SKALE_VERSION}`, '--legacy-peer-deps', '--no-audit', '--no-fund'],
      { cwd: dir, timeout: 10 * 60_000, maxBuffer: 16 << 20 },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const reason = stderr.trim().split('\n').at(-1) ?? errorMessage(error);
    throw new Unavailable(`npm i skale@${SKALE_VERSION} failed: ${reason || errorMessage(error)}`);
  }
  const version = await installedVersion(dir);
  if (version !== SKALE_VERSION)
    throw new Unavailable(`skale ${version} installed, not ${SKALE_VERSION}`);
  return dir;
}

let installing: Promise<string> | undefined;

/** The folder holding node_modules/skale; installs it the first time. */
export function ensureSkale(log: (line: string) => void): Promise<string> {
  installing ??= install(log);
  return installing;
}
