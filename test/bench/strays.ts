import { readdirSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { stopDaemonPid } from './flightdeck/core';

/** agent-host processes (bridges and daemons) whose --state-dir lies under `dir`, by /proc, bridges first. */
function agentHostsUnder(dir: string): { pid: number; role: string }[] {
  const found: { pid: number; role: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    const stateDir = argv[argv.indexOf('--state-dir') + 1];
    if (!argv.includes('--state-dir') || !stateDir?.startsWith(dir + sep)) continue;
    const role = argv.includes('serve') ? 'daemon' : argv.includes('bridge') ? 'bridge' : 'other';
    found.push({ pid, role });
  }
  return found.sort((a, b) => Number(b.role === 'bridge') - Number(a.role === 'bridge'));
}

/**
 * Stops every agent-host process the bench's hosts left running, found by the state dir on its command line rather
 * than by pid files: a daemon that finished starting after its bridge gave up (a loaded machine, a profiler) writes
 * its pid file only after the groups looked for it, and would outlive the run (and skew the next one). Bridges go
 * first so none starts another daemon meanwhile.
 */
export async function stopStrays(dir: string, log: (line: string) => void): Promise<void> {
  const strays = agentHostsUnder(dir);
  for (const { pid } of strays) await stopDaemonPid(pid);
  if (strays.length > 0) log(`bench: stopped ${strays.length} agent-host process(es) left running: ${strays.map(({ pid, role }) => `${role} ${pid}`).join(', ')}`);
}
