// What the scale benchmarks' child processes share: hosts added to one client core (each its own daemon), sessions
// started (and attached) through the core, and readings of the daemons from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SLEEP_AFTER_QUIET_MS } from '../../../agent-host/sessions/screenSleep';
import { cpuSecondsOf } from '../proc';
import { SCREEN } from '../screen';
import type { SshTarget } from '../ssh';
import { CoreFollower, daemonPidIn, stopDaemonPid, stopRespawned, type CoreBench } from './core';
import { BenchHost } from './host';

// About 1 KB per second per session, each line different.
export const PRINTER = `$| = 1; my $n = 0; while (1) { printf "%06d %s\\n", $n++, "x" x 1016; select(undef, undef, undef, 1) }`;
export const MiB = 1024 * 1024;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const begun = Date.now();
/** Progress on stderr (the parent shows it only when the child fails). */
export function phase(what: string): void {
  process.stderr.write(`scale-client ${((Date.now() - begun) / 1000).toFixed(1)} s: ${what}\n`);
}

export interface Host {
  name: string;
  stateDir: string;
  pid: number;
  inspector: BenchHost;
  sessions: number;
}

export interface SessionSpec {
  command: string;
  args: string[];
}

/** Starts `count` more sessions on the host through the core; with `followers`, attaches each from offset 0 and follows it. */
export async function startSessions(bench: CoreBench, host: Host, count: number, spec: SessionSpec, followers?: CoreFollower[]): Promise<void> {
  const startOne = async (index: number): Promise<void> => {
    const { session } = await bench.client.request('sessions.start', { host: host.name, spec: { ...spec, ...SCREEN, name: `scale-${index}` } });
    if (!followers) return;
    followers.push(new CoreFollower(bench, host.name, session.id, () => undefined));
    await bench.client.request('terminal.attach', { host: host.name, sessionId: session.id, fromOffset: 0 });
  };
  const first = host.sessions;
  host.sessions += count;
  if (count <= 0) return;
  // The first attach opens the host's terminal lane; the rest can go at once (in slices, so 500 starts do not all
  // wait on one another past the request deadline on a busy machine).
  await startOne(first);
  for (let from = 1; from < count; from += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - from) }, (_, index) => startOne(first + from + index)));
  }
}

export const receivedBy = (followers: CoreFollower[]): number => followers.reduce((sum, follower) => sum + follower.received, 0);

/** Bytes the hosts' sessions journaled so far. */
export async function produced(hosts: Host[]): Promise<number> {
  const lists = await Promise.all(hosts.map((host) => host.inspector.peer.request('session.list', {})));
  return lists.reduce((sum, list) => sum + list.sessions.reduce((total, session) => total + session.endOffset, 0), 0);
}

/**
 * Polls (the followers count bytes; nothing announces a total) until they received every byte the hosts had journaled
 * when it was called: attaches replay from offset 0.
 */
export async function caughtUp(hosts: Host[], followers: CoreFollower[], timeoutMs = 120_000): Promise<void> {
  const target = await produced(hosts);
  const deadline = Date.now() + timeoutMs;
  while (receivedBy(followers) < target) {
    if (Date.now() > deadline) throw new Error(`the client did not catch up with ${target} bytes of output in ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** Polls (no event says "done printing") until every session of the host journaled `bytes`. */
export async function allPrinted(host: Host, bytes: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { sessions } = await host.inspector.peer.request('session.list', {});
    if (sessions.every((session) => session.endOffset >= bytes)) return;
    if (Date.now() > deadline) throw new Error('idle sessions did not finish printing their history');
    await sleep(200);
  }
}

/**
 * sshd drops new connections at random once more than 10 are unauthenticated (MaxStartups 10:30:100, left at its
 * default on purpose): inspectors connect in slices below that.
 */
const CONCURRENT_HANDSHAKES = 8;

/** Runs `work` on `items` a slice at a time, each slice at once. */
export async function inSlices<Item, Result>(items: Item[], size: number, work: (item: Item) => Promise<Result>): Promise<Result[]> {
  const results: Result[] = [];
  for (let from = 0; from < items.length; from += size) results.push(...(await Promise.all(items.slice(from, from + size).map(work))));
  return results;
}

/** How long after its screens slept an idle daemon's memory is read again, settled (groups/scale.ts notes why). */
export const IDLE_SETTLE_MS = 45_000;

/**
 * Waits until sessions that stopped printing are idle as the daemon sees them: their screens go to sleep after
 * SLEEP_AFTER_QUIET_MS of quiet (the daemon's own timer, so a timer here too), then the daemon's CPU over a second
 * must fall below a tenth of a core (polled: nothing announces that the screens parsed their backlog).
 */
export async function untilIdle(pid: number, timeoutMs = 120_000): Promise<void> {
  await sleep(SLEEP_AFTER_QUIET_MS + 2000);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = cpuSecondsOf(pid);
    await sleep(1000);
    if (cpuSecondsOf(pid) - before < 0.1) return;
    if (Date.now() > deadline) throw new Error(`daemon ${pid} still busy after ${timeoutMs / 1000} s of quiet output`);
  }
}

/** Hosts (each its own daemon in `dir`/name) are connected through the core, then a raw inspector lane to each, in slices. */
export async function addHosts(bench: CoreBench, target: SshTarget, dir: string, names: string[]): Promise<Host[]> {
  await inSlices(names, CONCURRENT_HANDSHAKES, (name) => bench.addHost(name, join(dir, name)));
  return inSlices(names, CONCURRENT_HANDSHAKES, async (name) => {
    const stateDir = join(dir, name);
    const inspector = await BenchHost.open(target, { stateDir });
    return { name, stateDir, pid: inspector.daemonPid, inspector, sessions: 0 };
  });
}

/**
 * Stops every daemon started under `dir`, found by its state dir's daemon.pid: also those of hosts the core connected
 * before an addHosts failed, which `hosts` does not hold and whose lanes would otherwise keep respawning them.
 */
export async function closeHosts(bench: CoreBench, hosts: Host[], dir: string): Promise<void> {
  for (const host of hosts) host.inspector.close();
  bench.close();
  const stateDirs = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name));
  const started = stateDirs.flatMap((stateDir) => {
    const pid = daemonPidIn(stateDir);
    return pid === undefined ? [] : [{ stateDir, pid }];
  });
  await Promise.all(started.map(({ pid }) => stopDaemonPid(pid)));
  // A terminal lane retrying at close time can start a fresh daemon through a new bridge: stop that one too.
  await Promise.all(started.map(({ stateDir, pid }) => stopRespawned(stateDir, pid)));
  phase('daemons stopped');
}

/** Open file descriptors of a process (PTY masters, sockets, SQLite files, pipes). */
export function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The soft limit on open files the process runs under; undefined: unlimited. */
export function fdLimitOf(pid: number): number | undefined {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = /Max open files\s+(\S+)/.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}

/** A kernel setting from /proc/sys, or undefined where it cannot be read. */
export function sysctl(path: string): number | undefined {
  try {
    return Number(readFileSync(join('/proc/sys', path), 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** A bench child's entry: its answer as the last stdout line (JSON), or its error on stderr and exit 1. */
export function benchChildMain<Result>(main: () => Promise<Result>): void {
  main().then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
