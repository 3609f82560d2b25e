// The scale curve (issue 15): daemon CPU and RSS at 10, 100, 500 sessions on ONE daemon (idle, then printing), and the
// client core at 1, 10, 50 hosts, so the slope shows and the first resource to run out on a 2-core, 24 GiB VM can be
// named (by extrapolation). Each curve runs in its own child process (test/bench/flightdeck/scale-curve.ts).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BenchContext } from '../context';
import type { CurveJob, CurveMode, CurvePoint, CurveResult } from '../flightdeck/scale-curve';
import type { Contender, Group } from '../suite';

/** Runs a bench script under tsx with its job in `envName` (JSON); its last stdout line is the JSON answer. */
export async function runBenchChild<Result>(script: string, envName: string, job: unknown): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'flightdeck', script)], {
    env: { ...process.env, [envName]: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let logged = 0;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    // Progress lines go to the bench's log as they come: where a child's minutes went.
    const complete = stderr.lastIndexOf('\n') + 1;
    for (const line of stderr.slice(logged, complete).split('\n')) if (line.startsWith('scale-client ')) process.stderr.write(`    ${line}\n`);
    logged = Math.max(logged, complete);
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) {
    const why = stderr.trim().split('\n').filter((line) => !line.startsWith('scale-client '));
    throw new Error(`${script} failed (${code}): ${why.slice(0, 3).join(' | ')}`);
  }
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
}

/** The VM the issue asks about; the extrapolation is for it, not for the machine the bench ran on. */
const VM = { cores: 2, ramGiB: 24 };

const LABEL: Record<CurveMode, (count: number) => string> = {
  idle: (count) => `1 daemon, ${count} idle sessions`,
  printing: (count) => `1 daemon, ${count} printing sessions (attached)`,
  hosts: (count) => `client core, ${count} host${count === 1 ? '' : 's'}`,
};

/** Least-squares slope and intercept of y over x. */
function fit(points: Array<[number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const sxy = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

interface Limit {
  resource: string;
  /** Sessions (or hosts) at which it runs out; Infinity when the slope is flat or negative. */
  at: number;
  how: string;
}

function limitFrom(resource: string, budget: number, values: Array<[number, number]>, unit: string, per: string): Limit {
  const { slope, intercept } = fit(values);
  const at = slope > 0 ? (budget - intercept) / slope : Infinity;
  return { resource, at, how: `${formatSlope(slope)} ${unit} per ${per} over ${formatSlope(intercept)} ${unit} at none; budget ${formatSlope(budget)} ${unit}` };
}

const formatSlope = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(2));
const formatCount = (value: number): string => (Number.isFinite(value) ? Math.floor(value).toLocaleString('en-US') : 'no limit seen');

/** Slopes and the first resource to run out, for one curve. */
function curveFindings(curve: CurveResult): string[] {
  const all = [curve.baseline, ...curve.points];
  const xy = (value: (point: CurvePoint) => number): Array<[number, number]> => all.map((point) => [point.count, value(point)]);
  const per = curve.mode === 'hosts' ? 'host' : `${curve.mode} session`;
  const limits: Limit[] = [];
  if (curve.mode === 'hosts') {
    // The client core is one Node event loop: one core is its ceiling, on whatever machine it runs.
    limits.push(limitFrom('client core CPU (one event loop = one core)', 100, xy((point) => point.clientCpuShare * 100), '% of a core', per));
    limits.push(limitFrom(`client core RSS (${VM.ramGiB} GiB)`, VM.ramGiB * 1024, xy((point) => point.clientRssMiB), 'MiB', per));
  } else {
    // A daemon is one Node event loop too: it saturates one core even on a VM with more.
    limits.push(limitFrom('daemon CPU (one event loop = one core)', 100, xy((point) => point.daemonCpuShare * 100), '% of a core', per));
    limits.push(limitFrom(`daemon RSS (${VM.ramGiB} GiB, agents' own memory not counted)`, VM.ramGiB * 1024, xy((point) => point.daemonRssMiB), 'MiB', per));
    if (curve.limits.daemonFdLimit !== null) limits.push(limitFrom('daemon file descriptors (RLIMIT_NOFILE)', curve.limits.daemonFdLimit, xy((point) => point.daemonFds), 'fds', per));
    if (curve.limits.ptyMax !== undefined) limits.push({ resource: 'PTYs on the machine (kernel.pty.max)', at: curve.limits.ptyMax, how: `one PTY per session; kernel.pty.max = ${curve.limits.ptyMax}` });
    if (curve.mode === 'printing') {
      limits.push(limitFrom('client core CPU attached to all of them', 100, xy((point) => point.clientCpuShare * 100), '% of a core', per));
    }
  }
  limits.sort((a, b) => a.at - b.at);
  const first = limits[0]!;
  return [
    `**${LABEL[curve.mode](0).replace(/0 /, 'N ')}** — slope (least squares over ${all.length} points, the empty one included) and the first resource to run out on a ${VM.cores}-core, ${VM.ramGiB} GiB VM (**extrapolation** from the slope, not measured):`,
    '',
    ...limits.map((limit) => `- ${limit.resource}: ${limit.how} → runs out at ~${formatCount(limit.at)} ${per}s`),
    `- **first to run out: ${first.resource} at ~${formatCount(first.at)} ${per}s** (extrapolated)`,
    '',
  ];
}

export function scaleCurveGroup(context: BenchContext): Group {
  const { scaleCurveSessions, scaleCurveHosts, scaleCurveSessionsPerHost, scaleCurveWindowMs } = context.sizes;
  const curves = new Map<CurveMode, Promise<CurveResult>>();
  const target = {
    host: context.sshd.host,
    port: context.sshd.port,
    user: context.sshd.user,
    clientPrivateKey: context.sshd.clientPrivateKey,
    hostKeyFingerprint: context.sshd.hostKeyFingerprint,
  };
  const curveOf = (mode: CurveMode): Promise<CurveResult> => {
    let curve = curves.get(mode);
    if (!curve) {
      const job: CurveJob = {
        target,
        core: { sshConfig: context.sshd.sshConfigEntry('vm'), knownHostsLine: context.sshd.knownHostsLine },
        dir: join(context.dir, `scale-curve-${mode}`),
        mode,
        points: mode === 'hosts' ? scaleCurveHosts : scaleCurveSessions,
        sessionsPerHost: scaleCurveSessionsPerHost,
        windowMs: scaleCurveWindowMs,
      };
      curve = runBenchChild<CurveResult>('scale-curve.ts', 'BENCH_SCALE_CURVE', job);
      curves.set(mode, curve);
    }
    return curve;
  };
  const pointContenders = (mode: CurveMode, counts: number[]): Contender[] =>
    counts.map((count) => ({
      name: LABEL[mode](count),
      run: async () => {
        const curve = await curveOf(mode);
        const point = curve.points.find((candidate) => candidate.count === count)!;
        const perSession = (point.daemonRssMiB - curve.baseline.daemonRssMiB) / point.sessions;
        return {
          daemonCpu: point.daemonCpuShare * 100,
          daemonRss: point.daemonRssMiB,
          ...(mode === 'hosts' ? {} : { rssPerSession: perSession, fds: point.daemonFds }),
          ...(mode === 'idle' ? {} : { clientCpu: point.clientCpuShare * 100, clientRss: point.clientRssMiB, received: point.receivedKiBps }),
        };
      },
    }));
  let settled: CurveResult[] = [];
  return {
    id: 'scale.curve',
    title: `Scale curve: 1 daemon with ${scaleCurveSessions.join(', ')} sessions (idle, printing); the client core with ${scaleCurveHosts.join(', ')} hosts of ${scaleCurveSessionsPerHost} printing sessions`,
    metrics: [
      { key: 'daemonCpu', label: 'daemon CPU (all daemons)', unit: '% of a core', better: 'lower', digits: 1 },
      { key: 'daemonRss', label: 'daemon RSS (all daemons)', unit: 'MiB', better: 'lower', digits: 0 },
      { key: 'rssPerSession', label: 'daemon RSS per session (growth from the empty daemon)', unit: 'MiB', better: 'lower', digits: 2 },
      { key: 'fds', label: 'daemon open file descriptors', unit: 'fds', better: 'lower', digits: 0 },
      { key: 'clientCpu', label: 'client core CPU', unit: '% of a core', better: 'lower', digits: 1 },
      { key: 'clientRss', label: 'client core RSS', unit: 'MiB', better: 'lower', digits: 0 },
      { key: 'received', label: 'output received by the client', unit: 'KiB/s', better: 'higher', digits: 0 },
    ],
    // One run: the three curves start ~1,100 sessions and 50 daemons.
    rounds: 1,
    contenders: [
      ...pointContenders('idle', scaleCurveSessions),
      ...pointContenders('printing', scaleCurveSessions),
      ...pointContenders('hosts', scaleCurveHosts),
    ],
    async teardown() {
      settled = (await Promise.allSettled(curves.values())).flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    },
    findings: () => settled.flatMap(curveFindings),
    notes: [
      `Each curve is its own child process holding one client core (FleetCore + one CoreClient), growing the load step by step on the same daemon(s) and measuring over a ${scaleCurveWindowMs / 1000} s window after a settle at each point: daemon CPU from /proc/<pid>/stat, RSS from VmRSS, open fds from /proc/<pid>/fd; client CPU with process.cpuUsage(), RSS of the whole process (tsx included).`,
      'Idle: sessions print 300 history lines (a few screens; the 10 x 50 group measures a full 1,000-line scrollback), then wait, not attached; measured once the daemon settled (its screens parsed the history and went to sleep after 5 s of quiet). Printing: a perl loop printing a 1 KB line per second, every session attached from offset 0 and every chunk acked through the CoreClient; measured once the client caught up.',
      `Hosts: each host is its own daemon (own state dir) and SSH connection on the same sshd, with ${scaleCurveSessionsPerHost} printing sessions attached; "daemon CPU" sums all of them (on a real fleet each runs on its own VM).`,
      'The extrapolations fit a straight line through the points; a daemon or client core is one Node event loop, so one core is its ceiling even on a bigger VM. The VM also runs the agents themselves (their CPU and memory are not counted here) and sshd.',
    ],
  };
}
