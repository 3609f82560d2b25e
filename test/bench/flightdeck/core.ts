import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { terminalKey } from '../../../common/app/api';
import type { CoreClient } from '../../../main/core/coreClient';
import { FleetCore } from '../../../main/core/fleetCore';
import type { TerminalViewerEvent } from '../../../main/core/terminalLane';
import { shellQuote } from '../ssh';
import type { Sshd } from '../../harness/sshd';
import { BENCH_BUNDLE, BenchHost } from './host';

/** How to reach the bench's sshd with the OpenSSH-style config the core reads (serializable for child processes). */
export interface CoreTarget {
  sshConfig: string;
  knownHostsLine: string;
}

type OutputHandler = (offset: number, data: Uint8Array) => void;
type ViewerHandler = (event: TerminalViewerEvent) => void;

const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * The app's client core (FleetCore + one CoreClient, as a desktop window uses it) talking to agent-host over SSH.
 * Terminal bytes arrive through the CoreClient sink; handlers are registered per terminal key.
 */
export class CoreBench {
  private readonly outputs = new Map<string, OutputHandler>();
  private readonly viewers = new Map<string, ViewerHandler>();
  readonly client: CoreClient;

  private constructor(
    readonly core: FleetCore,
    private readonly bridges: Map<string, string>,
  ) {
    this.client = core.openClient({
      notify: (method, params) => {
        if (method !== 'terminal.viewer') return;
        const { host, event } = params as { host: string; event: Parameters<ViewerHandler>[0] };
        this.viewers.get(terminalKey(host, event.sessionId))?.(event);
      },
      output: (key, offset, data) => this.outputs.get(key)?.(offset, data),
    });
  }

  static async open(target: CoreTarget, dir: string): Promise<CoreBench> {
    await mkdir(dir, { recursive: true });
    const sshConfigPath = join(dir, 'ssh_config');
    const knownHostsPath = join(dir, 'known_hosts');
    await writeFile(sshConfigPath, target.sshConfig);
    await writeFile(knownHostsPath, `${target.knownHostsLine}\n`);
    // The core reads its SSH environment from the process, as the desktop app does.
    process.env.FLIGHTDECK_SSH_CONFIG = sshConfigPath;
    process.env.FLIGHTDECK_KNOWN_HOSTS = knownHostsPath;
    process.env.FLIGHTDECK_AGENT_HOST_NODE_MODULES = join(ROOT, 'node_modules');
    process.env.SSH_AUTH_SOCK = '';
    // Each host's bridge runs the bench's bundle with its own state dir: chosen per host, so hosts can connect at once.
    const bridges = new Map<string, string>();
    const core = FleetCore.open({ home: join(dir, 'home'), clientName: 'flightdeck-bench', remoteCommand: (host) => bridges.get(host.name) });
    return new CoreBench(core, bridges);
  }

  /** Adds and connects a host whose bridge runs the bench's bundle with its own state dir and daemon flags. */
  async addHost(name: string, stateDir: string, flags: string[] = []): Promise<void> {
    this.bridges.set(name, [process.execPath, BENCH_BUNDLE, 'bridge', '--state-dir', stateDir, ...flags].map(shellQuote).join(' '));
    const view = await this.core.addHost({ name, target: 'vm', hostDir: stateDir });
    if (view.state !== 'connected') throw new Error(`host ${name}: ${view.state} ${view.error ?? ''}`);
  }

  onOutput(host: string, sessionId: string, handler: OutputHandler): () => void {
    const key = terminalKey(host, sessionId);
    this.outputs.set(key, handler);
    return () => this.outputs.delete(key);
  }

  onViewer(host: string, sessionId: string, handler: ViewerHandler): () => void {
    const key = terminalKey(host, sessionId);
    this.viewers.set(key, handler);
    return () => this.viewers.delete(key);
  }

  ack(host: string, sessionId: string, offset: number): void {
    this.client.ack(terminalKey(host, sessionId), offset);
  }

  input(host: string, sessionId: string, data: Uint8Array): void {
    this.client.input(terminalKey(host, sessionId), data);
  }

  close(): void {
    this.client.close();
    this.core.close();
  }
}

/** One terminal's bytes as the UI would consume them: offsets checked contiguous, every chunk acked at once. */
export class CoreFollower {
  private next = -1;
  private failure: Error | undefined;
  private readonly stopOutput: () => void;
  received = 0;

  constructor(
    private readonly bench: CoreBench,
    private readonly host: string,
    private readonly sessionId: string,
    private readonly onData: (data: Uint8Array) => void,
    private readonly options: { ack?: boolean } = {},
  ) {
    this.stopOutput = bench.onOutput(host, sessionId, (offset, data) => this.accept(offset, data));
  }

  get error(): Error | undefined {
    return this.failure;
  }

  stop(): void {
    this.stopOutput();
  }

  private accept(offset: number, data: Uint8Array): void {
    if (this.failure) return;
    if (this.next >= 0 && offset !== this.next) {
      this.failure = new Error(`${this.host}/${this.sessionId}: output at ${offset}, expected ${this.next}`);
      return;
    }
    this.next = offset + data.length;
    this.received += data.length;
    this.onData(data);
    if (this.options.ack ?? true) this.bench.ack(this.host, this.sessionId, this.next);
  }
}

/** Stops a daemon the bench started, by its pid: SIGTERM, then SIGKILL if it lingers. */
export async function stopDaemonPid(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  if (alive()) process.kill(pid, 'SIGKILL');
}

/** The pid a daemon wrote into its state dir, if one did. */
export function daemonPidIn(stateDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(stateDir, 'daemon.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A terminal lane retrying at close time can start a fresh daemon through a new bridge: stop that one too. */
export async function stopRespawned(stateDir: string, stopped: number): Promise<void> {
  // A grace period, not an event: that bridge runs under sshd after the core let go, and nothing here hears of it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const pid = daemonPidIn(stateDir);
  if (pid !== undefined && pid !== stopped) await stopDaemonPid(pid);
}

export interface FlightdeckHost {
  bench: CoreBench;
  /** A raw lane to the same daemon for what the app API does not offer (session.list offsets, session.remove, host.stats). */
  inspector: BenchHost;
  stateDir: string;
  stop(): Promise<void>;
}

/** The client core connected to one agent-host (own state dir, given daemon flags) on the bench's sshd. */
export async function openFlightdeckHost(sshd: Sshd, dir: string, flags: string[] = []): Promise<FlightdeckHost> {
  const bench = await CoreBench.open({ sshConfig: sshd.sshConfigEntry('vm'), knownHostsLine: sshd.knownHostsLine }, join(dir, 'core'));
  const stateDir = join(dir, 'host');
  try {
    await bench.addHost('vm', stateDir, flags);
    const inspector = await BenchHost.open(sshd, { stateDir });
    const pid = inspector.daemonPid;
    return {
      bench,
      inspector,
      stateDir,
      async stop() {
        inspector.close();
        bench.close();
        await stopDaemonPid(pid);
        await stopRespawned(stateDir, pid);
      },
    };
  } catch (error) {
    bench.close();
    throw error;
  }
}
