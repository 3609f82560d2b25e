// Child process for the scale benchmark: a fresh Node process holding only the client core (FleetCore with one
// CoreClient, as a desktop window) so its CPU and RSS are its own. Reads its job from BENCH_SCALE (JSON) and prints
// one JSON line with the figures.
import { join } from 'node:path';
import { historyBytes, historyCommand } from '../fixtures';
import { cpuSecondsOf, rssOf } from '../proc';
import { SCREEN } from '../screen';
import type { SshTarget } from '../ssh';
import { CoreBench, CoreFollower, stopDaemonPid, stopRespawned, type CoreTarget } from './core';
import { BenchHost } from './host';

export interface ScaleJob {
  target: SshTarget;
  core: CoreTarget;
  dir: string;
  hosts: number;
  sessionsPerHost: number;
  windowMs: number;
}

export interface ScaleResult {
  clientCpuShare: number;
  clientRssMiB: number;
  receivedKiBps: number;
  /** What the sessions journaled in the window; received above it means viewers were catching up. */
  producedKiBps: number;
  daemonCpuShare: number;
  daemonRssPerActiveSessionMiB: number;
  daemonRssPerIdleSessionMiB: number;
}

// About 1 KB per second per session, each line different.
const PRINTER = `$| = 1; my $n = 0; while (1) { printf "%06d %s\\n", $n++, "x" x 1016; select(undef, undef, undef, 1) }`;
const IDLE_HISTORY_LINES = 2000;
const MiB = 1024 * 1024;

const begun = Date.now();
const phase = (what: string): void => {
  process.stderr.write(`scale-client ${((Date.now() - begun) / 1000).toFixed(1)} s: ${what}\n`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Host {
  name: string;
  stateDir: string;
  pid: number;
  inspector: BenchHost;
}

async function startSessions(bench: CoreBench, host: Host, count: number, spec: { command: string; args: string[] }, followers?: CoreFollower[]): Promise<void> {
  const startOne = async (index: number): Promise<void> => {
    const { session } = await bench.client.request('sessions.start', { host: host.name, spec: { ...spec, ...SCREEN, name: `scale-${index}` } });
    if (!followers) return;
    followers.push(new CoreFollower(bench, host.name, session.id, () => undefined));
    await bench.client.request('terminal.attach', { host: host.name, sessionId: session.id, fromOffset: 0 });
  };
  // The first attach opens the host's terminal lane; the rest can go at once.
  await startOne(0);
  await Promise.all(Array.from({ length: count - 1 }, (_, index) => startOne(index + 1)));
}

const receivedBy = (followers: CoreFollower[]): number => followers.reduce((sum, follower) => sum + follower.received, 0);

async function produced(hosts: Host[]): Promise<number> {
  const lists = await Promise.all(hosts.map((host) => host.inspector.peer.request('session.list', {})));
  return lists.reduce((sum, list) => sum + list.sessions.reduce((total, session) => total + session.endOffset, 0), 0);
}

/** Polls (no event says "done printing") until every session of the host journaled `bytes`. */
async function allPrinted(host: Host, bytes: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { sessions } = await host.inspector.peer.request('session.list', {});
    if (sessions.every((session) => session.endOffset >= bytes)) return;
    if (Date.now() > deadline) throw new Error('idle sessions did not finish printing their history');
    await sleep(200);
  }
}

/** Hosts are added one after another (each sets the bridge command the core reads when it connects); inspectors in parallel. */
async function addHosts(bench: CoreBench, job: ScaleJob, names: string[]): Promise<Host[]> {
  for (const name of names) await bench.addHost(name, join(job.dir, name));
  return Promise.all(
    names.map(async (name) => {
      const stateDir = join(job.dir, name);
      const inspector = await BenchHost.open(job.target, { stateDir });
      return { name, stateDir, pid: inspector.daemonPid, inspector };
    }),
  );
}

async function main(): Promise<ScaleResult> {
  const job = JSON.parse(process.env.BENCH_SCALE ?? '') as ScaleJob;
  const bench = await CoreBench.open(job.core, join(job.dir, 'core'));
  const hosts: Host[] = [];
  let idle: Host | undefined;
  try {
    hosts.push(...(await addHosts(bench, job, [...Array.from({ length: job.hosts }, (_, index) => `vm${index}`), 'idle'])));
    const idleHost = hosts.pop()!;
    idle = idleHost;
    phase('hosts connected');

    // Idle sessions first, on their own daemon, while nothing else runs.
    const idleBaseline = rssOf(idleHost.pid);
    await startSessions(bench, idleHost, job.sessionsPerHost, { command: 'sh', args: ['-c', historyCommand(IDLE_HISTORY_LINES)] });
    await allPrinted(idleHost, historyBytes(IDLE_HISTORY_LINES));
    await sleep(1000);
    const idleGrowth = rssOf(idleHost.pid) - idleBaseline;
    phase('idle sessions measured');

    const printing = hosts.slice(0, job.hosts);
    const baseline = printing.map((host) => rssOf(host.pid));
    const followers: CoreFollower[] = [];
    // Host after host: each host's first attach opens its terminal lane (an exec channel and a handshake); ten at once
    // on a loaded 2-core machine can exceed the core's 30 s handshake deadline.
    for (const host of printing) await startSessions(bench, host, job.sessionsPerHost, { command: 'perl', args: ['-e', PRINTER] }, followers);
    phase('sessions started and attached');
    await sleep(2000);

    const daemonCpuBefore = printing.reduce((sum, host) => sum + cpuSecondsOf(host.pid), 0);
    const receivedBefore = receivedBy(followers);
    const producedBefore = await produced(printing);
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    await sleep(job.windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const daemonCpu = printing.reduce((sum, host) => sum + cpuSecondsOf(host.pid), 0) - daemonCpuBefore;
    const receivedBytes = receivedBy(followers) - receivedBefore;
    const clientRss = process.memoryUsage().rss;
    const producedBytes = (await produced(printing)) - producedBefore;
    const activeGrowth = printing.reduce((sum, host, index) => sum + rssOf(host.pid) - baseline[index]!, 0);
    phase('window measured');
    const broken = followers.find((follower) => follower.error);
    if (broken) throw broken.error;

    return {
      clientCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
      clientRssMiB: clientRss / MiB,
      receivedKiBps: receivedBytes / 1024 / seconds,
      producedKiBps: producedBytes / 1024 / seconds,
      daemonCpuShare: daemonCpu / seconds,
      daemonRssPerActiveSessionMiB: activeGrowth / (job.hosts * job.sessionsPerHost) / MiB,
      daemonRssPerIdleSessionMiB: idleGrowth / job.sessionsPerHost / MiB,
    };
  } finally {
    const all = idle ? [...hosts, idle] : hosts;
    for (const host of all) host.inspector.close();
    bench.close();
    await Promise.all(all.map((host) => stopDaemonPid(host.pid)));
    // A terminal lane retrying at close time can start a fresh daemon through a new bridge: stop that one too.
    await Promise.all(all.map((host) => stopRespawned(host.stateDir, host.pid)));
    phase('daemons stopped');
  }
}

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
