// Child process for the scale benchmark: a fresh Node process holding only the client core (FleetCore with one
// CoreClient, as a desktop window) so its CPU and RSS are its own. Reads its job from BENCH_SCALE (JSON) and prints
// one JSON line with the figures.
import { join } from 'node:path';
import { historyBytes, historyCommand } from '../fixtures';
import { cpuSecondsOf, rssOf } from '../proc';
import type { SshTarget } from '../ssh';
import { CoreBench, type CoreFollower, type CoreTarget } from './core';
import { addHosts, benchChildMain, allPrinted, IDLE_SETTLE_MS, caughtUp, closeHosts, MiB, phase, PRINTER, produced, receivedBy, sleep, startSessions, untilIdle, type Host } from './scaleFleet';

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
  /** The busiest daemon's share: each daemon stands for one VM. */
  daemonCpuMaxShare: number;
  daemonRssPerActiveSessionMiB: number;
  daemonRssPerIdleSessionMiB: number;
  daemonRssPerIdleSessionAtSleepMiB: number;
}

const IDLE_HISTORY_LINES = 2000;

async function main(): Promise<ScaleResult> {
  const job = JSON.parse(process.env.BENCH_SCALE ?? '') as ScaleJob;
  const bench = await CoreBench.open(job.core, join(job.dir, 'core'));
  const hosts: Host[] = [];
  let idle: Host | undefined;
  try {
    hosts.push(...(await addHosts(bench, job.target, job.dir, [...Array.from({ length: job.hosts }, (_, index) => `vm${index}`), 'idle'])));
    const idleHost = hosts.pop()!;
    idle = idleHost;
    phase('hosts connected');

    // Idle sessions first, on their own daemon, while nothing else runs.
    const idleBaseline = rssOf(idleHost.pid);
    await startSessions(bench, idleHost, job.sessionsPerHost, { command: 'sh', args: ['-c', historyCommand(IDLE_HISTORY_LINES)] });
    await allPrinted(idleHost, historyBytes(IDLE_HISTORY_LINES));
    await untilIdle(idleHost.pid);
    const idleGrowthAtSleep = rssOf(idleHost.pid) - idleBaseline;
    const idleSleptAt = Date.now();
    phase('idle sessions measured (screens asleep)');

    const printing = hosts.slice(0, job.hosts);
    const baseline = printing.map((host) => rssOf(host.pid));
    const followers: CoreFollower[] = [];
    // Host after host: each host's first attach opens its terminal lane (an exec channel and a handshake); ten at once
    // on a loaded 2-core machine can exceed the core's 30 s handshake deadline.
    for (const host of printing) await startSessions(bench, host, job.sessionsPerHost, { command: 'perl', args: ['-e', PRINTER] }, followers);
    phase('sessions started and attached');
    await caughtUp(printing, followers);
    await sleep(2000);

    const daemonCpuBefore = printing.map((host) => cpuSecondsOf(host.pid));
    const receivedBefore = receivedBy(followers);
    const producedBefore = await produced(printing);
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    await sleep(job.windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const daemonCpu = printing.map((host, index) => cpuSecondsOf(host.pid) - daemonCpuBefore[index]!);
    const receivedBytes = receivedBy(followers) - receivedBefore;
    const clientRss = process.memoryUsage().rss;
    const producedBytes = (await produced(printing)) - producedBefore;
    const activeGrowth = printing.reduce((sum, host, index) => sum + rssOf(host.pid) - baseline[index]!, 0);
    phase('window measured');
    // A quiet daemon's garbage is collected on the daemon's own timers (V8's memory reducer, 20-30 s after the output
    // stopped here, or the heap trimmer's check every 15 s) and only then can the freed memory go back: nothing to
    // await from outside, so the settled figure is read a fixed time after the screens slept, while the printing
    // hosts above ran.
    await sleep(Math.max(0, idleSleptAt + IDLE_SETTLE_MS - Date.now()));
    const idleGrowth = rssOf(idleHost.pid) - idleBaseline;
    phase('idle sessions measured (settled)');
    const broken = followers.find((follower) => follower.error);
    if (broken) throw broken.error;

    return {
      clientCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
      clientRssMiB: clientRss / MiB,
      receivedKiBps: receivedBytes / 1024 / seconds,
      producedKiBps: producedBytes / 1024 / seconds,
      daemonCpuShare: daemonCpu.reduce((sum, value) => sum + value, 0) / seconds,
      daemonCpuMaxShare: Math.max(...daemonCpu) / seconds,
      daemonRssPerActiveSessionMiB: activeGrowth / (job.hosts * job.sessionsPerHost) / MiB,
      daemonRssPerIdleSessionMiB: idleGrowth / job.sessionsPerHost / MiB,
      daemonRssPerIdleSessionAtSleepMiB: idleGrowthAtSleep / job.sessionsPerHost / MiB,
    };
  } finally {
    await closeHosts(bench, idle ? [...hosts, idle] : hosts, job.dir);
  }
}

benchChildMain(main);
