import { join } from 'node:path';
import type { BenchContext } from '../context';
import type { ScaleJob, ScaleResult } from '../flightdeck/scale-client';
import { IDLE_SETTLE_MS } from '../flightdeck/scaleFleet';
import type { Group } from '../suite';
import { runBenchChild } from './scaleCurve';

const FLIGHTDECK = 'Flightdeck client core + agent-host';

const runScaleClient = (job: ScaleJob): Promise<ScaleResult> => runBenchChild<ScaleResult>('scale-client.ts', 'BENCH_SCALE', job);

export function scaleGroup(context: BenchContext): Group {
  const { scaleHosts, scaleSessionsPerHost, scaleWindowMs } = context.sizes;
  let round = 0;
  return {
    id: 'scale',
    title: `Scale: ${scaleHosts} hosts (SSH connections) x ${scaleSessionsPerHost} sessions printing ~1 KB/s each`,
    metrics: [
      { key: 'clientCpu', label: 'client core CPU', unit: '% of a core', better: 'lower', digits: 1 },
      { key: 'clientRss', label: 'client core RSS', unit: 'MiB', better: 'lower', digits: 0 },
      { key: 'produced', label: 'output produced (journaled)', unit: 'KiB/s', better: 'higher', digits: 0 },
      { key: 'received', label: 'output received', unit: 'KiB/s', better: 'higher', digits: 0 },
      { key: 'daemonCpu', label: 'daemons CPU (all hosts)', unit: '% of a core', better: 'lower', digits: 1 },
      { key: 'daemonCpuMax', label: 'busiest daemon CPU', unit: '% of a core', better: 'lower', digits: 1 },
      { key: 'activeRss', label: 'daemon RSS per printing session', unit: 'MiB', better: 'lower', digits: 2 },
      { key: 'idleRssAtSleep', label: 'daemon RSS per idle session, as its screen went to sleep', unit: 'MiB', better: 'lower', digits: 2 },
      { key: 'idleRss', label: `daemon RSS per idle session, settled (${IDLE_SETTLE_MS / 1000} s after its screen slept)`, unit: 'MiB', better: 'lower', digits: 2 },
    ],
    // One run: a round starts 550 sessions and takes about two minutes on 2 cores.
    rounds: 1,
    contenders: [
      {
        name: FLIGHTDECK,
        run: async () => {
          const result = await runScaleClient({
            target: {
              host: context.sshd.host,
              port: context.sshd.port,
              user: context.sshd.user,
              clientPrivateKey: context.sshd.clientPrivateKey,
              hostKeyFingerprint: context.sshd.hostKeyFingerprint,
            },
            core: { sshConfig: context.sshd.sshConfigEntry('vm'), knownHostsLine: context.sshd.knownHostsLine },
            dir: join(context.dir, `scale-round-${round++}`),
            hosts: scaleHosts,
            sessionsPerHost: scaleSessionsPerHost,
            windowMs: scaleWindowMs,
          });
          return {
            clientCpu: result.clientCpuShare * 100,
            clientRss: result.clientRssMiB,
            produced: result.producedKiBps,
            received: result.receivedKiBps,
            daemonCpu: result.daemonCpuShare * 100,
            daemonCpuMax: result.daemonCpuMaxShare * 100,
            activeRss: result.daemonRssPerActiveSessionMiB,
            idleRssAtSleep: result.daemonRssPerIdleSessionAtSleepMiB,
            idleRss: result.daemonRssPerIdleSessionMiB,
          };
        },
      },
    ],
    targets: [
      {
        metric: 'clientCpu',
        text: `client core <= 5% of a core at ${scaleHosts} x ${scaleSessionsPerHost} sessions`,
        check: (median) => {
          const value = median(FLIGHTDECK);
          return value === undefined ? undefined : { measured: `${value.toFixed(1)}% of a core`, pass: value <= 5 };
        },
      },
      {
        // The bound is for all the daemons together (the busiest one alone is a column above).
        metric: 'daemonCpu',
        text: `daemons together <= 15% of a core at ${scaleHosts} x ${scaleSessionsPerHost} sessions`,
        check: (median) => {
          const value = median(FLIGHTDECK);
          return value === undefined ? undefined : { measured: `${value.toFixed(1)}% of a core`, pass: value <= 15 };
        },
      },
      {
        metric: 'idleRss',
        text: 'daemon memory <= 2 MiB per idle session',
        check: (median) => {
          const value = median(FLIGHTDECK);
          return value === undefined ? undefined : { measured: `${value.toFixed(2)} MiB per idle session`, pass: value <= 2 };
        },
      },
    ],
    notes: [
      'The client core (FleetCore + one CoreClient) runs in its own Node process (test/bench/flightdeck/scale-client.ts, under tsx): one SSH connection per host with its control and terminal lanes, every session attached from offset 0 and every chunk acked through the CoreClient. CPU is process.cpuUsage() over the measuring window after a 2 s warm-up; RSS is the whole process (including tsx and one idle inspector connection per host used to read journal offsets).',
      'Each host is its own agent-host daemon (own state dir) on the same sshd. Sessions run a perl loop printing a 1 KB line per second.',
      `Daemon RSS per session: growth of VmRSS (/proc/<pid>/status) from the daemon with no sessions, divided by the sessions. Idle sessions printed 2,000 lines of history first (so the 1,000-line scrollback of their headless screen is full), then wait; they are measured once their screens went to sleep (5 s without output), and again ${IDLE_SETTLE_MS / 1000} s later, as a quiet session spends its life: by then V8 has collected the sleeping screens (its own memory reducer, ~20-30 s after the output stopped, or the major GC the daemon's heap trimmer asks for within 15-30 s) and the daemon has returned the freed pages to the system (agent-host/daemon/heapTrimmer.ts, malloc_trim after major GCs). The target is checked against the settled figure.`,
    ],
  };
}
