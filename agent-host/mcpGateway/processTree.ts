import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc shows it; `start` (clock ticks after boot) tells a pid apart from a later reuse of it. */
export interface ProcessId {
  pid: number;
  start: string;
}

interface StatLine {
  ppid: number;
  start: string;
}

/** Parent and start time from /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
function readStat(pid: number): StatLine | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) … starttime(22); fields[0] is field 3.
  const ppid = Number(fields[1]);
  const start = fields[19];
  return Number.isInteger(ppid) && start !== undefined ? { ppid, start } : null;
}

/**
 * Every descendant of `root` (children, their children, …), read from /proc; empty where there is no /proc. A process
 * that left the tree (its parent died and it was re-parented) is not found: the process group covers those.
 */
export function descendants(root: number): ProcessId[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, ProcessId[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push({ pid, start: stat.start });
    children.set(stat.ppid, siblings);
  }
  const found: ProcessId[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: gone already; EPERM: not ours (a pid reused by someone else's process).
  }
}

/**
 * Signals a process started with its own process group (spawn `detached`), everything in that group, and the
 * descendants collected earlier (`tree`) that are still the same processes — those that moved to a group of their own.
 */
export function signalTree(leader: number, tree: readonly ProcessId[], name: NodeJS.Signals): void {
  signalGroup(leader, name);
  signal(leader, name);
  for (const process of tree) {
    if (readStat(process.pid)?.start === process.start) signal(process.pid, name);
  }
}

/** Signals every process of the group `leader` started (after the leader itself has gone, what it left behind). */
export function signalGroup(leader: number, name: NodeJS.Signals): void {
  signal(-leader, name);
}
