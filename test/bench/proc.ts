import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes, from /proc (the daemon is another process). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

/** CPU time (user + system) a process has used, in seconds. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name; clock ticks are 100/s on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU time every process of the machine has used (user, nice, system, irq, softirq), in seconds: what a pipeline of
 * several processes costs, the bench's own receiver included. Idle, iowait and steal (the hypervisor's) are not.
 */
export function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
  return (user + nice + system + irq + softirq) / 100;
}
