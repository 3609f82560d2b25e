// Child process for the scale curve: one client core (FleetCore + one CoreClient) in a fresh Node process, growing
// the load step by step and measuring at each step. Modes:
// - idle: N sessions on ONE daemon that printed 300 lines of history each, then wait;
// - printing: N sessions on ONE daemon printing ~1 KB/s each, every one attached and followed by the client;
// - hosts: H hosts (each its own daemon and SSH connection) with a fixed number of printing sessions each.
// Reads its job from BENCH_SCALE_CURVE (JSON) and prints one JSON line with the points.
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { historyBytes, historyCommand } from '../fixtures';
import { cpuSecondsOf, rssOf } from '../proc';
import type { SshTarget } from '../ssh';
import { CoreBench, type CoreFollower, type CoreTarget } from './core';
import { addHosts, benchChildMain, allPrinted, caughtUp, closeHosts, fdLimitOf, fdsOf, MiB, phase, PRINTER, produced, receivedBy, sleep, startSessions, sysctl, inSlices, untilIdle, type Host } from './scaleFleet';

export type CurveMode = 'idle' | 'printing' | 'hosts';

export interface CurveJob {
  target: SshTarget;
  core: CoreTarget;
  dir: string;
  mode: CurveMode;
  /** Sessions on the one daemon (idle, printing) or hosts (hosts), ascending. */
  points: number[];
  /** Printing sessions per host in hosts mode. */
  sessionsPerHost: number;
  windowMs: number;
}

export interface CurvePoint {
  /** Sessions (idle, printing) or hosts. */
  count: number;
  sessions: number;
  /** All measured daemons together, share of one core. */
  daemonCpuShare: number;
  daemonRssMiB: number;
  daemonFds: number;
  clientCpuShare: number;
  clientRssMiB: number;
  receivedKiBps: number;
  producedKiBps: number;
}

/** What bounds sessions on this machine besides CPU and memory. */
export interface CurveLimits {
  cores: number;
  ramGiB: number;
  /** The daemon's soft RLIMIT_NOFILE; null: unlimited. */
  daemonFdLimit: number | null;
  /** kernel.pty.max: PTYs on the whole machine (every session holds one). */
  ptyMax?: number;
  pidMax?: number;
}

export interface CurveResult {
  mode: CurveMode;
  /** The point with no load: the empty daemon(s) and the client core. */
  baseline: CurvePoint;
  points: CurvePoint[];
  limits: CurveLimits;
}

/**
 * A few screens of history: the slope of idle sessions, not the full-scrollback worst case (the 10 x 50 group measures
 * that at 50 sessions); 500 sessions of 2,000 lines alone took minutes of the bench's 10.
 */
const IDLE_HISTORY_LINES = 300;
/** Sessions run for a few seconds before a window opens, so start-up work is not counted. */
const SETTLE_MS = 2000;
/** Hosts whose terminal lanes open at once. */
const PARALLEL_HOSTS = 5;

async function measure(hosts: Host[], followers: CoreFollower[], count: number, windowMs: number): Promise<CurvePoint> {
  const daemonCpuBefore = hosts.reduce((sum, host) => sum + cpuSecondsOf(host.pid), 0);
  const receivedBefore = receivedBy(followers);
  const producedBefore = await produced(hosts);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  // The measurement window itself: CPU and bytes are read at both ends of a fixed time.
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const daemonCpu = hosts.reduce((sum, host) => sum + cpuSecondsOf(host.pid), 0) - daemonCpuBefore;
  const receivedBytes = receivedBy(followers) - receivedBefore;
  const producedBytes = (await produced(hosts)) - producedBefore;
  const broken = followers.find((follower) => follower.error);
  if (broken) throw broken.error;
  return {
    count,
    sessions: hosts.reduce((sum, host) => sum + host.sessions, 0),
    daemonCpuShare: daemonCpu / seconds,
    daemonRssMiB: hosts.reduce((sum, host) => sum + rssOf(host.pid), 0) / MiB,
    daemonFds: hosts.reduce((sum, host) => sum + fdsOf(host.pid), 0),
    clientCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
    clientRssMiB: process.memoryUsage().rss / MiB,
    receivedKiBps: receivedBytes / 1024 / seconds,
    producedKiBps: producedBytes / 1024 / seconds,
  };
}

/** One daemon, sessions added up to each point. */
async function oneDaemon(bench: CoreBench, job: CurveJob, hosts: Host[]): Promise<Omit<CurveResult, 'limits'>> {
  const [host] = await addHosts(bench, job.target, job.dir, [job.mode]);
  hosts.push(host!);
  const followers: CoreFollower[] = [];
  const baseline = await measure(hosts, followers, 0, job.windowMs);
  const points: CurvePoint[] = [];
  for (const count of job.points) {
    const more = count - host!.sessions;
    phase(`${count} ${job.mode} sessions: starting ${more}`);
    if (job.mode === 'idle') {
      await startSessions(bench, host!, more, { command: 'sh', args: ['-c', historyCommand(IDLE_HISTORY_LINES)] });
      await allPrinted(host!, historyBytes(IDLE_HISTORY_LINES));
      await untilIdle(host!.pid);
    } else {
      await startSessions(bench, host!, more, { command: 'perl', args: ['-e', PRINTER] }, followers);
      await caughtUp(hosts, followers);
      await sleep(SETTLE_MS);
    }
    points.push(await measure(hosts, followers, count, job.windowMs));
    phase(`${count} ${job.mode} sessions measured`);
  }
  return { mode: job.mode, baseline, points };
}

/** Hosts added up to each point, each with the same number of printing sessions, all attached. */
async function manyHosts(bench: CoreBench, job: CurveJob, hosts: Host[]): Promise<Omit<CurveResult, 'limits'>> {
  const followers: CoreFollower[] = [];
  const baseline = await measure(hosts, followers, 0, job.windowMs);
  const points: CurvePoint[] = [];
  for (const count of job.points) {
    const names = Array.from({ length: count - hosts.length }, (_, index) => `vm${hosts.length + index}`);
    const added = await addHosts(bench, job.target, job.dir, names);
    hosts.push(...added);
    phase(`${count} hosts added`);
    // Each host's first attach opens its terminal lane (an exec channel and a handshake, ~2 s of login shell here):
    // a few hosts at a time, not all at once (the core's handshake deadline on a loaded machine).
    await inSlices(added, PARALLEL_HOSTS, (host) => startSessions(bench, host, job.sessionsPerHost, { command: 'perl', args: ['-e', PRINTER] }, followers));
    await caughtUp(hosts, followers);
    await sleep(SETTLE_MS);
    points.push(await measure(hosts, followers, count, job.windowMs));
    phase(`${count} hosts measured`);
  }
  return { mode: job.mode, baseline, points };
}

async function main(): Promise<CurveResult> {
  const job = JSON.parse(process.env.BENCH_SCALE_CURVE ?? '') as CurveJob;
  const bench = await CoreBench.open(job.core, join(job.dir, 'core'));
  const hosts: Host[] = [];
  try {
    const curve = job.mode === 'hosts' ? await manyHosts(bench, job, hosts) : await oneDaemon(bench, job, hosts);
    return {
      ...curve,
      limits: {
        cores: cpus().length,
        ramGiB: totalmem() / 1024 ** 3,
        daemonFdLimit: fdLimitOf(hosts[0]!.pid) ?? null,
        ptyMax: sysctl('kernel/pty/max'),
        pidMax: sysctl('kernel/pid_max'),
      },
    };
  } finally {
    await closeHosts(bench, hosts, job.dir);
  }
}

benchChildMain(main);
