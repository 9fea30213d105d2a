/**
 * The processes this bench started (Flint's local workers) and their peak memory, from Linux's
 * /proc: VmHWM is a process's peak resident set size over its whole life.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ProcessPeak {
  pid: number;
  command: string;
  peakRssBytes: number;
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined; // the process exited while we looked: it is simply not listed
  }
}

/** pid -> parent pid of every process visible in /proc. */
async function parentPids(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readOrUndefined(`/proc/${entry}/stat`);
    if (stat === undefined) continue;
    // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parents.set(Number(entry), Number(fields[1]));
  }
  return parents;
}

/** Every living descendant of `root`: children, grandchildren… */
export async function descendantPids(root = process.pid): Promise<Set<number>> {
  const parents = await parentPids();
  const descendants = new Set<number>([root]);
  // Repeat until stable: /proc order does not put parents before children.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!descendants.has(pid) && descendants.has(parent)) {
        descendants.add(pid);
        grew = true;
      }
    }
  }
  descendants.delete(root);
  return descendants;
}

/** The peak RSS of each of `pids` still alive. */
export async function peaks(pids: Iterable<number>): Promise<ProcessPeak[]> {
  const found: ProcessPeak[] = [];
  for (const pid of pids) {
    const status = await readOrUndefined(`/proc/${pid}/status`);
    const hwm = status?.match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
    if (hwm === undefined) continue;
    const cmdline = (await readOrUndefined(`/proc/${pid}/cmdline`)) ?? '';
    const command = cmdline.split('\0').filter(Boolean).join(' ');
    found.push({ pid, command, peakRssBytes: Number(hwm) * 1024 });
  }
  return found.sort((a, b) => a.pid - b.pid);
}
