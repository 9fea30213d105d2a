/**
 * Hosts on one machine: network namespaces joined by veth pairs to a bridge that lives in a
 * namespace of its own, so nothing is added to the machine's own network. Root only.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs this test as root)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return "the 'ip' command (iproute2) is not installed";
  }
  return undefined;
}

/** A virtual network of hosts, each a namespace with one address on a shared bridge. */
export class VirtualNetwork {
  readonly #prefix = `flint${randomBytes(3).toString('hex')}`;
  readonly #bridge = `${this.#prefix}-br`;
  readonly #hosts = new Map<string, { netns: string; address: string; link: string }>();

  constructor() {
    ip('netns', 'add', this.#bridge);
    ip('-n', this.#bridge, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.#bridge, 'link', 'set', 'br0', 'up');
  }

  /** Adds a host named `name` at 10.77.0.`n`; returns its namespace and address. */
  addHost(name: string, n: number): { netns: string; address: string } {
    const netns = `${this.#prefix}-${name}`;
    const address = `10.77.0.${n}`;
    const link = `veth${n}`;
    ip('netns', 'add', netns);
    ip(
      'link',
      'add',
      'eth0',
      'netns',
      netns,
      'type',
      'veth',
      'peer',
      'name',
      link,
      'netns',
      this.#bridge,
    );
    ip('-n', this.#bridge, 'link', 'set', link, 'master', 'br0', 'up');
    ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    this.#hosts.set(name, { netns, address, link });
    return { netns, address };
  }

  /** Cuts a host off the network (its link goes down; its processes keep running). */
  cut(name: string): void {
    const host = this.#hosts.get(name);
    if (host) ip('-n', this.#bridge, 'link', 'set', host.link, 'down');
  }

  /** PIDs of every process running in a host's namespace. */
  pids(name: string): number[] {
    const host = this.#hosts.get(name);
    if (!host) return [];
    const out = execFileSync('ip', ['netns', 'pids', host.netns], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  }

  /** Kills every process of every host, then removes every namespace (and so every link). */
  destroy(): void {
    for (const name of this.#hosts.keys()) {
      for (const pid of this.pids(name)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const { netns } of this.#hosts.values()) tryIp('netns', 'del', netns);
    tryIp('netns', 'del', this.#bridge);
    this.#hosts.clear();
  }

  /** Namespaces this network still has (for the cleanup check). */
  namespaces(): string[] {
    const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(this.#prefix));
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}
